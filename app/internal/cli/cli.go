// Package cli holds the convention the project's commands share for their
// flags: errors and usage go to stderr, -h prints the usage and exits 0, a
// bad flag prints it and exits 2.
package cli

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
)

// NewFlagSet returns a flag set writing to stderr whose usage is the given
// line followed by the flags.
func NewFlagSet(name, usage string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: "+usage)
		fs.PrintDefaults()
	}
	return fs
}

// Parse parses args. When the command must stop (help asked, or a bad
// flag), ok is false and code is its exit status.
func Parse(fs *flag.FlagSet, args []string) (code int, ok bool) {
	code, ok, _ = ParseError(fs, args)
	return code, ok
}

// ParseError is Parse that also returns the error the flag set printed
// (nil after -h), for a command that must also report it in its own
// output format (postdeploy --json).
func ParseError(fs *flag.FlagSet, args []string) (code int, ok bool, err error) {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0, false, nil
		}
		return 2, false, err
	}
	return 0, true, nil
}

// List collects a repeatable flag's values in order.
type List []string

func (l *List) String() string     { return strings.Join(*l, ",") }
func (l *List) Set(v string) error { *l = append(*l, v); return nil }

// Pairs parses the values of a repeatable KEY=VALUE flag (--set, --subnet)
// into a map; form names the two halves for the error, e.g. "NAME=VALUE".
// The error names the flag and the bad value.
func Pairs(flagName, form string, list []string) (map[string]string, error) {
	m := map[string]string{}
	for _, s := range list {
		k, v, ok := strings.Cut(s, "=")
		if !ok || k == "" || v == "" {
			return nil, fmt.Errorf("--%s %q: want %s", flagName, s, form)
		}
		m[k] = v
	}
	return m, nil
}
