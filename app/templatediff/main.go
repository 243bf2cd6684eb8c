// Command templatediff compares two CloudFormation JSON templates and prints
// Markdown for a security reviewer: IAM, bucket-policy, endpoint-policy,
// security-group and network-path changes first, then every added, removed
// and changed resource with old → new values (see package cfndiff).
//
// Usage:
//
//	go run ./app/templatediff OLD.template.json NEW.template.json
//
// Exit status: 0 when the diff was printed (changes or not), 2 on bad input
// or usage.
package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/privates3/privates3/app/internal/cli"
	"github.com/privates3/privates3/app/templatediff/cfndiff"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	fs := cli.NewFlagSet("templatediff", "templatediff [flags] OLD.template.json NEW.template.json", stderr)
	oldLabel := fs.String("old-label", "", "name shown for the old template (default: its file name)")
	newLabel := fs.String("new-label", "", "name shown for the new template (default: its file name)")
	if code, ok := cli.Parse(fs, args); !ok {
		return code
	}
	if fs.NArg() != 2 {
		fs.Usage()
		return 2
	}
	oldPath, newPath := fs.Arg(0), fs.Arg(1)
	old, err := cfndiff.Load(oldPath)
	if err != nil {
		fmt.Fprintf(stderr, "templatediff: old template: %v\n", err)
		return 2
	}
	new, err := cfndiff.Load(newPath)
	if err != nil {
		fmt.Fprintf(stderr, "templatediff: new template: %v\n", err)
		return 2
	}
	if *oldLabel == "" {
		*oldLabel = filepath.Base(oldPath)
	}
	if *newLabel == "" {
		*newLabel = filepath.Base(newPath)
	}
	if err := cfndiff.WriteMarkdown(stdout, *oldLabel, *newLabel, cfndiff.Compare(old, new)); err != nil {
		fmt.Fprintln(stderr, "templatediff:", err)
		return 2
	}
	return 0
}
