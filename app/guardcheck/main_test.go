package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestRun(t *testing.T) {
	fixtures := filepath.Join("..", "stack", "testdata")
	def := filepath.Join(fixtures, "default.template.json")
	full := filepath.Join(fixtures, "full.template.json")
	// The committed exemptions, and one that covers nothing in any
	// configuration (the uploader is always in the VPC) and names no
	// setting.
	committed, err := os.ReadFile(filepath.Join("..", "guard", "exemptions.json"))
	if err != nil {
		t.Fatal(err)
	}
	stale := filepath.Join(t.TempDir(), "exemptions.json")
	extra := `{"rule": "lambda_inside_vpc_check", "resource": "UploaderFunction*", "reason": "A stale entry: the uploader is always in the VPC, so this covers nothing."}, `
	if err := os.WriteFile(stale, []byte(strings.Replace(string(committed), `"exemptions": [`, `"exemptions": [`+extra, 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name     string
		args     []string
		code     int
		stdout   string
		stderr   string
		chdirTmp bool
	}{
		{"both fixtures pass", []string{def, full}, 0, "### CloudFormation Guard: PASS", "", false},
		// The full configuration uses KMS, so the SSE-S3 exemption covers
		// nothing there: it names that setting (unusedWhen), and a
		// documented setting is no error. Its canary adds the prover's
		// exemption (11 = 10 + 1).
		{"a setting's unused exemptions are not stale", []string{full}, 0, "0 failure(s), 11 exempted finding(s), 0 stale exemption(s)", "", false},
		{"stale exemption fails", []string{"-exemptions", stale, def}, 1, "#### Stale exemptions", "", false},
		{"stale allowed", []string{"-allow-unused", "-exemptions", stale, def}, 0, "### CloudFormation Guard: PASS", "", false},
		{"missing template", []string{filepath.Join(fixtures, "nope.json")}, 2, "", "nope.json", false},
		{"no templates, no cdk.out", nil, 2, "", "npm run synth", true},
		{"bad flag", []string{"-nope"}, 2, "", "flag provided but not defined", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.chdirTmp {
				t.Chdir(t.TempDir())
			}
			var stdout, stderr strings.Builder
			code := run(tt.args, &stdout, &stderr)
			if code != tt.code || !strings.Contains(stdout.String(), tt.stdout) || !strings.Contains(stderr.String(), tt.stderr) {
				t.Errorf("run(%q) = %d, want %d with stdout containing %q and stderr %q\nstdout:\n%s\nstderr:\n%s",
					tt.args, code, tt.code, tt.stdout, tt.stderr, stdout.String(), stderr.String())
			}
		})
	}
}

// Beside an environments file's stages, cdk.out's root holds only the
// pipeline's stack: the checks read the stages; without stages, the root's.
func TestStagesIfAny(t *testing.T) {
	root := []string{filepath.Join("cdk.out", "PrivateS3-Pipeline.template.json")}
	stages := []string{filepath.Join("cdk.out", "assembly-dev", "devPrivateS3dev.template.json"), filepath.Join("cdk.out", "assembly-prod", "prodPrivateS3prod.template.json")}
	if got := stagesIfAny(append(root, stages...)); strings.Join(got, " ") != strings.Join(stages, " ") {
		t.Errorf("stagesIfAny(pipeline and stages) = %q, want the stages %q", got, stages)
	}
	def := []string{filepath.Join("cdk.out", "PrivateS3-dev.template.json")}
	if got := stagesIfAny(def); strings.Join(got, " ") != def[0] {
		t.Errorf("stagesIfAny(default stack) = %q, want it kept", got)
	}
}
