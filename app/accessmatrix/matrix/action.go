package matrix

import (
	"fmt"
	"strings"

	"github.com/privates3/privates3/constructs/s3actions"
)

// checkAction refuses a name that is not an S3 action, with the closest
// names as a suggestion. Every row is one request to S3, and a request
// names one real action: a misspelt one (s3:GetObjekt) would otherwise be
// judged, matched by no Allow, and reported as denied, which reads as a
// proof of privacy about nothing.
func checkAction(name string) error {
	if strings.ContainsAny(name, "*?") {
		return fmt.Errorf("action %q is a pattern: a request names one action; name an S3 action such as s3:GetObject", name)
	}
	if _, ok := s3actions.Lookup(name); ok {
		return nil
	}
	err := fmt.Sprintf("action %q is not an S3 action (AWS's Service Authorization Reference, \"Actions, resources, and condition keys for Amazon S3\", lists none of that name)", name)
	if near := nearest(name); len(near) > 0 {
		err += "; did you mean " + strings.Join(near, " or ") + "?"
	}
	return fmt.Errorf("%s", err)
}

// nearest returns the S3 actions closest to name in edit distance (case
// ignored, "s3:" supplied when name has no service prefix), when they are
// close enough to be a typo: at most one edit in five characters, and at
// most three of them.
func nearest(name string) []string {
	want := strings.ToLower(name)
	if !strings.Contains(want, ":") {
		want = "s3:" + want
	}
	limit := max(1, len(want)/5)
	var near []string
	best := limit + 1
	for _, a := range s3actions.All() {
		d := editDistance(want, strings.ToLower(a.Name))
		switch {
		case d < best:
			best, near = d, []string{a.Name}
		case d == best && len(near) < 3:
			near = append(near, a.Name)
		}
	}
	return near
}

// editDistance is the Levenshtein distance between two strings of bytes.
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
