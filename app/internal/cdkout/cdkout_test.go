package cdkout

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestTemplates(t *testing.T) {
	if got, err := Templates([]string{"a.json"}); err != nil || !slices.Equal(got, []string{"a.json"}) {
		t.Errorf("Templates([a.json]) = %v, %v, want the names given", got, err)
	}
	t.Chdir(t.TempDir())
	if _, err := Templates(nil); err == nil || !strings.Contains(err.Error(), "run `npm run synth` first") {
		t.Errorf("Templates(nil) without cdk.out = %v, want a hint to synthesize", err)
	}
	os.Mkdir("cdk.out", 0o755)
	os.WriteFile(filepath.Join("cdk.out", "S.template.json"), []byte("{}"), 0o644)
	os.WriteFile(filepath.Join("cdk.out", "manifest.json"), []byte("{}"), 0o644)
	if got, err := Templates(nil); err != nil || !slices.Equal(got, []string{filepath.Join("cdk.out", "S.template.json")}) {
		t.Errorf("Templates(nil) = %v, %v, want cdk.out's template only", got, err)
	}
}

func TestMissingLookups(t *testing.T) {
	dir := t.TempDir()
	write := func(s string) {
		t.Helper()
		if err := os.WriteFile(filepath.Join(dir, "manifest.json"), []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write(`{"version":"53.0.0","missing":[{"key":"vpc-provider:account=1:filter.vpc-id=vpc-1","provider":"vpc-provider"}],"artifacts":{}}`)
	keys, err := MissingLookups(dir)
	if err != nil || len(keys) != 1 || keys[0] != "vpc-provider:account=1:filter.vpc-id=vpc-1" {
		t.Errorf("MissingLookups = %q, %v; want the one vpc-provider key", keys, err)
	}
	write(`{"version":"53.0.0","artifacts":{}}`)
	if keys, err := MissingLookups(dir); err != nil || len(keys) != 0 {
		t.Errorf("MissingLookups(no missing) = %q, %v; want none", keys, err)
	}
	write(`{"missing":`)
	if _, err := MissingLookups(dir); err == nil || !strings.Contains(err.Error(), "manifest.json") {
		t.Errorf("MissingLookups(truncated manifest) error = %v, want one naming manifest.json", err)
	}
}
