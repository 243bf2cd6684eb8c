package contract

import (
	"fmt"
	"net/netip"
	"strings"
)

// CheckBucketName returns why name is not a valid general-purpose S3 bucket
// name, or nil. The construct checks it at synth, the handler at init: one
// rule, one place.
func CheckBucketName(name string) error {
	if len(name) < 3 || len(name) > 63 {
		return fmt.Errorf("use 3 to 63 characters, this has %d", len(name))
	}
	for _, r := range name {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '.' || r == '-') {
			return fmt.Errorf("use only lower-case letters, digits, dots and hyphens, not %q", r)
		}
	}
	alnum := func(b byte) bool { return b >= 'a' && b <= 'z' || b >= '0' && b <= '9' }
	switch {
	case !alnum(name[0]) || !alnum(name[len(name)-1]):
		return fmt.Errorf("start and end with a letter or digit")
	case strings.Contains(name, ".."):
		return fmt.Errorf("do not put two dots next to each other")
	case isIPv4(name):
		return fmt.Errorf("do not use the form of an IP address")
	case strings.HasPrefix(name, "xn--") || strings.HasPrefix(name, "sthree-"):
		return fmt.Errorf("do not start with the reserved prefixes xn-- or sthree-")
	case strings.HasSuffix(name, "-s3alias") || strings.HasSuffix(name, "--ol-s3"):
		return fmt.Errorf("do not end with the reserved suffixes -s3alias or --ol-s3")
	}
	return nil
}

func isIPv4(s string) bool {
	a, err := netip.ParseAddr(s)
	return err == nil && a.Is4()
}
