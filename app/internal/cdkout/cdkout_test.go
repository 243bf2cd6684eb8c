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

// A stack's environment is read from its artifact, "aws://ACCOUNT/REGION";
// an environment-agnostic stack's is unknown (empty). StackFor finds a
// template's stack in the manifest beside it, as for templates named on a
// command line.
func TestStackEnvironment(t *testing.T) {
	root := t.TempDir()
	prod := filepath.Join(root, "assembly-prod")
	if err := os.MkdirAll(prod, 0o755); err != nil {
		t.Fatal(err)
	}
	for name, content := range map[string]string{
		"manifest.json": `{"version": "53.0.0", "artifacts": {
		  "Agnostic": {"type": "aws:cloudformation:stack", "environment": "aws://unknown-account/unknown-region", "properties": {"templateFile": "Agnostic.template.json"}},
		  "RegionOnly": {"type": "aws:cloudformation:stack", "environment": "aws://unknown-account/eu-west-1", "properties": {"templateFile": "RegionOnly.template.json"}},
		  "assembly-prod": {"type": "cdk:cloud-assembly", "properties": {"directoryName": "assembly-prod"}},
		  "Tree": {"type": "cdk:tree", "properties": {"file": "tree.json"}}}}`,
		"assembly-prod/manifest.json": `{"version": "53.0.0", "artifacts": {
		  "prodP": {"type": "aws:cloudformation:stack", "environment": "aws://222222222222/us-east-1", "properties": {"templateFile": "prodP.template.json"}},
		  "prodP.assets": {"type": "cdk:asset-manifest", "properties": {"file": "prodP.assets.json"}}}}`,
	} {
		if err := os.WriteFile(filepath.Join(root, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	stacks, err := Stacks(root)
	if err != nil {
		t.Fatal(err)
	}
	want := []Stack{
		{ID: "Agnostic", Template: filepath.Join(root, "Agnostic.template.json")},
		{ID: "RegionOnly", Template: filepath.Join(root, "RegionOnly.template.json"), Region: "eu-west-1"},
		{ID: "prodP", Template: filepath.Join(prod, "prodP.template.json"), Account: "222222222222", Region: "us-east-1"},
	}
	if !slices.Equal(stacks, want) {
		t.Errorf("Stacks = %+v, want %+v", stacks, want)
	}
	for _, tt := range []struct {
		path string
		want Stack
		ok   bool
	}{
		{filepath.Join(prod, "prodP.template.json"), want[2], true},
		{filepath.Join(root, "assembly-prod", ".", "prodP.template.json"), want[2], true},
		{filepath.Join(root, "Agnostic.template.json"), want[0], true},
		{filepath.Join(root, "RegionOnly.template.json"), want[1], true},
		// Not a stack of the manifest beside it, nor of a nested one.
		{filepath.Join(root, "prodP.template.json"), Stack{}, false},
		{filepath.Join(root, "Other.template.json"), Stack{}, false},
		// No manifest at all: a template outside any cloud assembly.
		{filepath.Join(t.TempDir(), "hand-written.json"), Stack{}, false},
	} {
		got, ok, err := StackFor(tt.path)
		if err != nil || ok != tt.ok || got != tt.want {
			t.Errorf("StackFor(%s) = %+v, %v, %v, want %+v, %v", tt.path, got, ok, err, tt.want, tt.ok)
		}
	}
	// Relative to the working directory, as a command line names it.
	t.Chdir(root)
	rel := filepath.Join("assembly-prod", "prodP.template.json")
	if got, ok, err := StackFor(rel); err != nil || !ok || got.Account != "222222222222" || got.Region != "us-east-1" || got.Template != rel {
		t.Errorf("StackFor(%s) = %+v, %v, %v, want prodP in 222222222222/us-east-1", rel, got, ok, err)
	}
	if got, ok, err := StackFor("Agnostic.template.json"); err != nil || !ok || got.ID != "Agnostic" {
		t.Errorf("StackFor(Agnostic.template.json) = %+v, %v, %v, want Agnostic", got, ok, err)
	}
	// A manifest that cannot be read is an error naming it.
	if err := os.WriteFile(filepath.Join(prod, "manifest.json"), []byte(`{"artifacts":`), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, _, err := StackFor(rel); err == nil || !strings.Contains(err.Error(), "manifest.json") {
		t.Errorf("StackFor beside a broken manifest: error = %v, want one naming manifest.json", err)
	}
}

func TestEnvironment(t *testing.T) {
	for _, tt := range []struct{ env, account, region string }{
		{"aws://111111111111/eu-west-1", "111111111111", "eu-west-1"},
		{"aws://unknown-account/unknown-region", "", ""},
		{"aws://111111111111/unknown-region", "111111111111", ""},
		{"aws://unknown-account/us-east-1", "", "us-east-1"},
		{"", "", ""},
		{"111111111111/eu-west-1", "", ""},
		{"aws://111111111111", "", ""},
		{"aws://1/2/3", "", ""},
	} {
		if a, r := environment(tt.env); a != tt.account || r != tt.region {
			t.Errorf("environment(%q) = %q, %q, want %q, %q", tt.env, a, r, tt.account, tt.region)
		}
	}
}
