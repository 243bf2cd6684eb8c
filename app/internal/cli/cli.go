// Package cli holds the convention the project's commands share for their
// flags: errors and usage go to stderr, -h prints the usage and exits 0, a
// bad flag prints it and exits 2.
package cli

import (
	"errors"
	"flag"
	"fmt"
	"io"
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
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0, false
		}
		return 2, false
	}
	return 0, true
}
