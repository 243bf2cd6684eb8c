package cdkout

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// A stage's error is found in its nested assembly, in the file its stack
// names as additionalMetadataFile (cloud assembly schema 50 and later) as
// well as in the manifest itself; warnings are not errors.
func TestMessages(t *testing.T) {
	dir := t.TempDir()
	os.MkdirAll(filepath.Join(dir, "assembly-prod"), 0o755)
	for name, content := range map[string]string{
		"manifest.json": `{"artifacts": {
		  "S": {"type": "aws:cloudformation:stack", "metadata": {"/S/Bucket": [{"type": "aws:cdk:warning", "data": "a warning"}, {"type": "aws:cdk:error", "data": "root error"}]}},
		  "assembly-prod": {"type": "cdk:cloud-assembly", "properties": {"directoryName": "assembly-prod"}}}}`,
		"assembly-prod/manifest.json": `{"artifacts": {"prodP": {"type": "aws:cloudformation:stack", "additionalMetadataFile": "prodP.metadata.json"}}}`,
		"assembly-prod/prodP.metadata.json": `{"/prod/P/Network/Vpc": [{"type": "aws:cdk:error", "data": "Need to perform AWS calls for account 111111111111, but no credentials have been configured"}],
		  "/prod/P": [{"type": "aws:cdk:info", "data": "info"}]}`,
	} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	got, err := Messages(dir, Error)
	want := []string{"/S/Bucket: root error", "/prod/P/Network/Vpc: Need to perform AWS calls for account 111111111111, but no credentials have been configured"}
	if err != nil || !slices.Equal(got, want) {
		t.Errorf("Messages(errors) = %q, %v; want %q", got, err, want)
	}
	if got, err := Messages(dir, "aws:cdk:warning"); err != nil || !slices.Equal(got, []string{"/S/Bucket: a warning"}) {
		t.Errorf("Messages(warnings) = %q, %v; want the one warning", got, err)
	}
	os.Remove(filepath.Join(dir, "assembly-prod", "prodP.metadata.json"))
	if _, err := Messages(dir, Error); err == nil || !strings.Contains(err.Error(), "prodP.metadata.json") {
		t.Errorf("Messages(missing metadata file) error = %v, want one naming the file", err)
	}
}
