package main

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Accepted so that `go test ./... -update` runs here too; the golden file
// this command prints is refreshed by package cfndiff's test.
var _ = flag.Bool("update", false, "no-op here; see package cfndiff")

func TestRun(t *testing.T) {
	old := filepath.Join("cfndiff", "testdata", "old.template.json")
	new := filepath.Join("cfndiff", "testdata", "new.template.json")
	want, err := os.ReadFile(filepath.Join("cfndiff", "testdata", "diff.md"))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name           string
		args           []string
		code           int
		stdout, stderr string
	}{
		{"diff", []string{old, new}, 0, string(want), ""},
		{"labels", []string{"-old-label", "main", "-new-label", "this PR", old, new}, 0, "### Template diff: `main` → `this PR`", ""},
		{"two files of one name: their paths", []string{old, filepath.Join("cfndiff", ".", "testdata", "old.template.json")}, 0, "### Template diff: `cfndiff/testdata/old.template.json` → `cfndiff/testdata/old.template.json`", ""},
		{"files of two names: their names", []string{old, new}, 0, "### Template diff: `old.template.json` → `new.template.json`", ""},
		{"missing old", []string{"nope.json", new}, 2, "", "templatediff: old template: open nope.json"},
		{"bad new", []string{old, "main.go"}, 2, "", "templatediff: new template: main.go: not valid JSON"},
		{"one argument", []string{old}, 2, "", "usage: templatediff"},
		// The summary is written either way; only the status differs.
		{"security changes do not fail by default", []string{old, new}, 0, "#### Security review", ""},
		{"fail on security", []string{"--fail-on-security", old, new}, 1, string(want),
			"templatediff: 9 security-relevant change(s), and --fail-on-security was given\n"},
		{"fail on security, none", []string{"-fail-on-security", old, old}, 0, "No resource changes.", ""},
		{"unreadable file", []string{"cfndiff", new}, 2, "", "templatediff: old template: read cfndiff: is a directory\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr strings.Builder
			code := run(tt.args, &stdout, &stderr)
			if code != tt.code || !strings.Contains(stdout.String(), tt.stdout) || !strings.Contains(stderr.String(), tt.stderr) ||
				(tt.stderr == "" && stderr.Len() > 0) {
				t.Errorf("run(%q) = %d, want %d with stdout containing %q and stderr %q\nstdout:\n%s\nstderr:\n%s",
					tt.args, code, tt.code, tt.stdout, tt.stderr, stdout.String(), stderr.String())
			}
		})
	}
}
