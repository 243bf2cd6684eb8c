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
	// The manifest's stacks and the stages' nested assemblies, not a stale
	// template an earlier synth left.
	os.MkdirAll(filepath.Join("cdk.out", "assembly-prod"), 0o755)
	for name, content := range map[string]string{
		"S.template.json":                   "{}",
		"Stale.template.json":               "{}",
		"manifest.json":                     `{"artifacts": {"S": {"type": "aws:cloudformation:stack", "properties": {"templateFile": "S.template.json"}}, "assembly-prod": {"type": "cdk:cloud-assembly", "properties": {"directoryName": "assembly-prod"}}, "Tree": {"type": "cdk:tree"}}}`,
		"assembly-prod/manifest.json":       `{"artifacts": {"prodP": {"type": "aws:cloudformation:stack", "properties": {"templateFile": "prodP.template.json"}}}}`,
		"assembly-prod/prodP.template.json": "{}",
	} {
		os.WriteFile(filepath.Join("cdk.out", name), []byte(content), 0o644)
	}
	want := []string{filepath.Join("cdk.out", "S.template.json"), filepath.Join("cdk.out", "assembly-prod", "prodP.template.json")}
	if got, err := Templates(nil); err != nil || !slices.Equal(got, want) {
		t.Errorf("Templates(nil) = %v, %v, want %v", got, err, want)
	}
	os.WriteFile(filepath.Join("cdk.out", "manifest.json"), []byte(`{"artifacts":`), 0o644)
	if _, err := Templates(nil); err == nil {
		t.Error("Templates(nil) with a broken manifest = nil error")
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
