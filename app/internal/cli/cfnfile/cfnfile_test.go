package cfnfile

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const bucket = `{"Resources":{"B":{"Type":"AWS::S3::Bucket"}}}`

func write(t *testing.T, dir, name, content string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestNotATemplate(t *testing.T) {
	dir := t.TempDir()
	for _, doc := range []string{`{"foo":1}`, `{"Resources":{}}`, `{"AWSTemplateFormatVersion":"2010-09-09"}`} {
		p := write(t, dir, "x.json", doc)
		_, err := Load(p)
		if err == nil || !strings.Contains(err.Error(), p+" is not a CloudFormation template: it declares no Resources") {
			t.Errorf("Load(%s) error = %v, want it to say the file is not a CloudFormation template", doc, err)
		}
	}
}

func TestEnvironmentFromManifest(t *testing.T) {
	dir := t.TempDir()
	p := write(t, dir, "S.template.json", bucket)
	tmpl, err := Load(p)
	if err != nil || tmpl.Env != nil {
		t.Fatalf("Load without a manifest = Env %v, %v; want no environment", tmpl.Env, err)
	}
	write(t, dir, "manifest.json", `{"version":"53.0.0","artifacts":{"S":{"type":"aws:cloudformation:stack","environment":"aws://111111111111/eu-west-1","properties":{"templateFile":"S.template.json"}}}}`)
	if tmpl, err = Load(p); err != nil || tmpl.Env["AWS::AccountId"] != "111111111111" || tmpl.Env["AWS::Region"] != "eu-west-1" {
		t.Errorf("Load beside a manifest = Env %v, %v; want account 111111111111 and region eu-west-1", tmpl.Env, err)
	}
	write(t, dir, "manifest.json", `{"version":"53.0.0","artifacts":{"S":{"type":"aws:cloudformation:stack","environment":"aws://unknown-account/unknown-region","properties":{"templateFile":"S.template.json"}}}}`)
	if tmpl, err = Load(p); err != nil || tmpl.Env != nil {
		t.Errorf("Load of an environment-agnostic stack = Env %v, %v; want none", tmpl.Env, err)
	}
	write(t, dir, "manifest.json", `{"artifacts":`)
	if _, err = Load(p); err == nil || !strings.Contains(err.Error(), "manifest.json") {
		t.Errorf("Load beside a broken manifest error = %v, want it to name manifest.json", err)
	}
}
