// Command templatediff compares two CloudFormation JSON templates and prints
// Markdown for a security reviewer: replacements, orphans and retention
// changes, IAM, bucket-policy, endpoint-policy, security-group,
// network-path and cdk-nag suppression changes first, then every added,
// removed and changed resource with old → new values, and the outputs (see
// package cfndiff).
//
// Usage:
//
//	go run ./app/templatediff OLD.template.json NEW.template.json
//
// Exit status: 0 when the diff was printed (changes or not), 2 on bad input
// or usage. With --fail-on-security, 1 when the diff has a security review
// (the Markdown is printed in full all the same), for a workflow to gate on.
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
	oldLabel := fs.String("old-label", "", "name shown for the old template (default: its file name, or its path when both files have one name)")
	newLabel := fs.String("new-label", "", "name shown for the new template (default: its file name, or its path when both files have one name)")
	failOnSecurity := fs.Bool("fail-on-security", false, "exit 1 when any change is security-relevant (the diff is printed either way; default: exit 0)")
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
	// Two synths of one stack write files of one name (cdk.out.main/
	// PrivateS3-dev.template.json, cdk.out/PrivateS3-dev.template.json):
	// then only the paths tell them apart.
	label := filepath.Base
	if filepath.Base(oldPath) == filepath.Base(newPath) {
		label = filepath.Clean
	}
	if *oldLabel == "" {
		*oldLabel = label(oldPath)
	}
	if *newLabel == "" {
		*newLabel = label(newPath)
	}
	d := cfndiff.Compare(old, new)
	if err := cfndiff.WriteMarkdown(stdout, *oldLabel, *newLabel, d); err != nil {
		fmt.Fprintln(stderr, "templatediff:", err)
		return 2
	}
	if n := d.SecurityRelevant(); *failOnSecurity && n > 0 {
		fmt.Fprintf(stderr, "templatediff: %d security-relevant change(s), and --fail-on-security was given\n", n)
		return 1
	}
	return 0
}
