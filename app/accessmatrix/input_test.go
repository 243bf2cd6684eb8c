package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// What a new user mistypes gets one sentence and exit 2, before anything is
// judged; a template with nothing on one side says so.
func TestInputMistakes(t *testing.T) {
	dir := t.TempDir()
	file := func(name, doc string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(doc), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	foo := file("foo.json", `{"foo":1}`)
	bucketOnly := file("bucket.template.json", `{"Resources":{"B":{"Type":"AWS::S3::Bucket"}}}`)
	functionOnly := file("function.template.json", `{"Resources":{"F":{"Type":"AWS::Lambda::Function","Properties":{"Role":"arn:aws:iam::111111111111:role/r"}}}}`)
	private := filepath.Join("testdata", "four-subnets-private.template.json")
	for _, tc := range []struct {
		name           string
		args           []string
		code           int
		stdout, stderr string
		notOut         string
	}{
		{"misspelt action", []string{"--action", "s3:GetObjekt", private}, 2, "", `accessmatrix: action "s3:GetObjekt" is not an S3 action`, ""},
		{"misspelt action suggests", []string{"--action", "s3:GetObjekt", private}, 2, "", "did you mean s3:GetObject?", ""},
		{"not a template", []string{foo}, 2, "", "accessmatrix: " + foo + " is not a CloudFormation template: it declares no Resources", ""},
		{"no function", []string{bucketOnly}, 0, "NOTE\n  bucket.template.json declares no Lambda function", "", ""},
		{"no bucket", []string{"--no-probes", functionOnly}, 0, "  function.template.json declares no S3 bucket (AWS::S3::Bucket)", "", ""},
		{"no function, as JSON: the note on stderr", []string{"--json", bucketOnly}, 0, "", "bucket.template.json declares no Lambda function", "NOTE"},
		{"both sides: no note", []string{private}, 0, "", "", "NOTE"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var out, errb bytes.Buffer
			code := run(tc.args, &out, &errb)
			if code != tc.code {
				t.Errorf("run(%q) = %d, want %d; stderr: %s", tc.args, code, tc.code, errb.String())
			}
			if !strings.Contains(out.String(), tc.stdout) {
				t.Errorf("run(%q) stdout lacks %q:\n%s", tc.args, tc.stdout, out.String())
			}
			if !strings.Contains(errb.String(), tc.stderr) {
				t.Errorf("run(%q) stderr = %q, want it to contain %q", tc.args, errb.String(), tc.stderr)
			}
			if tc.notOut != "" && strings.Contains(out.String(), tc.notOut) {
				t.Errorf("run(%q) stdout has %q, want it not to:\n%s", tc.args, tc.notOut, out.String())
			}
		})
	}
}
