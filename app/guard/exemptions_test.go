package guard_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/privates3/privates3/app/guard"
)

const goodReason = "The control function is outside the VPC on purpose: it must be denied."

func writeExemptions(t *testing.T, body string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "exemptions.json")
	if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestLoadExemptionsRefuses(t *testing.T) {
	entry := func(rule, resource, reason string) string {
		return `{"exemptions": [{"rule": "` + rule + `", "resource": "` + resource + `", "reason": "` + reason + `"}]}`
	}
	tests := []struct{ name, body, want string }{
		{"short reason", entry("lambda_inside_vpc_check", "ControlFunction*", "by design"), "reason has 9 characters, want at least 40"},
		{"whole template", entry("lambda_inside_vpc_check", "*", goodReason), `resource "*" is too broad`},
		{"short prefix", entry("lambda_inside_vpc_check", "Cont*", goodReason), `resource "Cont*" is too broad: the part before * must have at least 6`},
		{"leading wildcard", entry("lambda_inside_vpc_check", "*Function", goodReason), `resource "*Function" is too broad: only a trailing *`},
		{"question mark", entry("lambda_inside_vpc_check", "ControlFunction????????", goodReason), "only a trailing *"},
		{"no resource", entry("lambda_inside_vpc_check", "", goodReason), "resource is empty"},
		{"bad rule name", entry("CT.LAMBDA.PR.3", "ControlFunction*", goodReason), `rule "CT.LAMBDA.PR.3" is not a Guard rule name`},
		{"duplicate", `{"exemptions": [
			{"rule": "lambda_inside_vpc_check", "resource": "ControlFunction*", "reason": "` + goodReason + `"},
			{"rule": "lambda_inside_vpc_check", "resource": "ControlFunction*", "reason": "` + goodReason + `"}]}`, "entry 2: duplicates entry 1"},
		{"unknown field", `{"exemptions": [{"rule": "x_check", "resources": "ControlFunction*", "reason": "` + goodReason + `"}]}`, `unknown field "resources"`},
		{"invalid JSON", `{"exemptions": [`, "unexpected EOF"},
		{"unusedWhen not a setting", `{"exemptions": [{"rule": "lambda_inside_vpc_check", "resource": "ControlFunction*", "reason": "` + goodReason + `", "unusedWhen": ["when the control is off"]}]}`, `unusedWhen "when the control is off" is not a setting`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := writeExemptions(t, tt.body)
			_, err := guard.LoadExemptions(path)
			if err == nil || !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), path) {
				t.Errorf("LoadExemptions(%s) error = %v, want it to name the file and contain %q", tt.body, err, tt.want)
			}
		})
	}
	if _, err := guard.LoadExemptions(filepath.Join(t.TempDir(), "none.json")); err == nil || !strings.Contains(err.Error(), "none.json") {
		t.Errorf("LoadExemptions(missing file) error = %v, want it to name the file", err)
	}
}

func TestCommittedExemptionsLoad(t *testing.T) {
	ex, err := guard.LoadExemptions("exemptions.json")
	if err != nil {
		t.Fatal(err)
	}
	if len(ex) == 0 {
		t.Error("exemptions.json is empty: then the fixtures test proves no exemption is needed; delete this test")
	}
}

func TestExemptionMatches(t *testing.T) {
	tests := []struct {
		resource, id string
		want         bool
	}{
		{"ControlFunction*", "ControlFunction8A0764F3", true},
		{"ControlFunction*", "UploaderFunction79114915", false},
		{"Storage6B64FB91", "Storage6B64FB91", true},
		{"Storage6B64FB91", "Storage6B64FB91x", false},
	}
	for _, tt := range tests {
		e := guard.Exemption{Resource: tt.resource}
		if got := e.Matches(tt.id); got != tt.want {
			t.Errorf("Exemption{Resource: %q}.Matches(%q) = %v, want %v", tt.resource, tt.id, got, tt.want)
		}
	}
}

// The exemptions file is checked against what cfn-guard reports: a typo'd
// rule, an exemption that covers nothing and one that covers two resources
// are each refused.
func TestExemptionsAgainstFindings(t *testing.T) {
	ctRule := func(rule, resource string) string {
		return `{"exemptions": [{"rule": "` + rule + `", "resource": "` + resource + `", "reason": "` + goodReason + `"}]}`
	}
	t.Run("unknown rule", func(t *testing.T) {
		t.Parallel()
		_, err := guard.Check(guard.Options{Exemptions: writeExemptions(t, ctRule("lambda_inside_vcp_check", "ControlFunction*"))}, defaultTemplate)
		if err == nil || !strings.Contains(err.Error(), "no rule of that name was evaluated") {
			t.Errorf("error = %v, want an unknown-rule error", err)
		}
	})
	t.Run("stale", func(t *testing.T) {
		t.Parallel()
		r, err := guard.Check(guard.Options{Exemptions: writeExemptions(t, ctRule("lambda_inside_vpc_check", "UploaderFunction*"))}, defaultTemplate)
		if err != nil {
			t.Fatal(err)
		}
		if len(r.Unused) != 1 || r.Err() == nil || !strings.Contains(r.Err().Error(), "exemption lambda_inside_vpc_check on UploaderFunction* is stale") {
			t.Errorf("Unused = %v, Err() = %v, want the exemption reported stale", r.Unused, r.Err())
		}
	})
	t.Run("covers nothing under a setting it names", func(t *testing.T) {
		t.Parallel()
		body := `{"exemptions": [{"rule": "lambda_inside_vpc_check", "resource": "UploaderFunction*", "reason": "` + goodReason + `", "unusedWhen": ["includeControl=false"]}]}`
		r, err := guard.Check(guard.Options{Exemptions: writeExemptions(t, body)}, defaultTemplate)
		if err != nil {
			t.Fatal(err)
		}
		if len(r.Unused) != 0 {
			t.Errorf("Unused = %v, want none: the exemption names the setting that takes its finding away", r.Unused)
		}
	})
	t.Run("covers two resources", func(t *testing.T) {
		t.Parallel()
		// Two functions outside the VPC whose ids share a prefix.
		tmpl := readJSON(t, filepath.Join("testdata", "rules", "lambda_s3_rights_in_vpc", "fail.json"))
		res := tmpl["Resources"].(map[string]any)
		res["StrayFunctionA"], res["StrayFunctionB"] = res["Stray"], res["Stray"]
		path := writeJSON(t, tmpl)
		_, err := guard.Check(guard.Options{Exemptions: writeExemptions(t, ctRule("lambda_inside_vpc_check", "StrayFunction*"))}, path)
		if err == nil || !strings.Contains(err.Error(), "is too broad: it covers both StrayFunctionA and StrayFunctionB") {
			t.Errorf("error = %v, want a too-broad error", err)
		}
	})
	t.Run("exempted finding", func(t *testing.T) {
		t.Parallel()
		r, err := guard.Check(guard.Options{NoExemptions: true}, defaultTemplate)
		if err != nil {
			t.Fatal(err)
		}
		if len(r.Failures()) == 0 {
			t.Fatal("no failures without exemptions: the exemptions file is not needed, or guard checks nothing")
		}
		for _, f := range r.Failures() {
			if f.Rule == "lambda_inside_vpc_check" && f.Resource == "ControlFunction8A0764F3" {
				return
			}
		}
		t.Errorf("without exemptions, the control function does not fail lambda_inside_vpc_check: %v", r.Failures())
	})
}

// An exemption that names the settings under which it covers nothing is
// never stale in a user's synth, so the project proves here that each
// exemption covers a finding of the configurations the fixtures hold (the
// default and the full one): one that covers nothing in either is stale
// for good.
func TestEveryExemptionCoversAFixtureFinding(t *testing.T) {
	ex, err := guard.LoadExemptions("exemptions.json")
	if err != nil {
		t.Fatal(err)
	}
	r, err := guard.Check(guard.Options{}, defaultTemplate, fullTemplate)
	if err != nil {
		t.Fatal(err)
	}
	used := map[[2]string]bool{}
	for _, f := range r.Findings {
		if f.Exemption != nil {
			used[[2]string{f.Exemption.Rule, f.Exemption.Resource}] = true
		}
	}
	for _, e := range ex {
		if !used[[2]string{e.Rule, e.Resource}] {
			t.Errorf("exemption %s on %s covers no finding of the default or the full fixture: remove it", e.Rule, e.Resource)
		}
	}
}

// Every setting an exemption names is one the docs' tables document: a
// context key (README, Configuration) or an environment's field
// (app/README.md, Environments).
func TestUnusedWhenNamesDocumentedSettings(t *testing.T) {
	ex, err := guard.LoadExemptions("exemptions.json")
	if err != nil {
		t.Fatal(err)
	}
	var docs []byte
	for _, f := range []string{"README.md", filepath.Join("app", "README.md")} {
		b, err := os.ReadFile(filepath.Join("..", "..", f))
		if err != nil {
			t.Fatal(err)
		}
		docs = append(docs, b...)
	}
	for _, e := range ex {
		for _, w := range e.UnusedWhen {
			key, _, _ := strings.Cut(w, "=")
			if !strings.Contains(string(docs), "| `"+key+"` |") {
				t.Errorf("exemption %s on %s: unusedWhen %q names no setting of the docs' tables", e.Rule, e.Resource, w)
			}
		}
	}
}
