package cfnlint

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// One cfn-lint process over three templates: a broken one (an unknown
// property, an invalid DeletionPolicy), one with only an informational
// finding (cfn-lint leaves those out unless asked) and a clean one.
func TestRunReportsEachFindingWithRuleAndResource(t *testing.T) {
	broken := filepath.Join("testdata", "broken.template.json")
	info := filepath.Join("testdata", "informational.template.json")
	clean := filepath.Join("testdata", "clean.template.json")
	got, err := Run([]string{broken, info, clean})
	if err != nil {
		t.Fatal(err)
	}
	Sort(got)
	want := []Finding{
		{File: broken, Rule: "E3002", Level: "Error", Resource: "Bucket", Path: "Resources/Bucket/Properties/BucketNam", Line: 2,
			Message: "Additional properties are not allowed ('BucketNam' was unexpected. Did you mean 'BucketName'?)"},
		{File: broken, Rule: "E3035", Level: "Error", Resource: "Queue", Path: "Resources/Queue/DeletionPolicy", Line: 3,
			Message: "'Keep' is not one of ['Delete', 'Retain', 'RetainExceptOnCreate']"},
		{File: info, Rule: "I3013", Level: "Informational", Resource: "Queue", Path: "Resources/Queue/Properties", Line: 2},
	}
	if len(got) != len(want) {
		t.Fatalf("Run = %v, want %v", got, want)
	}
	for i := range want {
		if want[i].Message == "" { // I3013's message is long prose: check the rest
			got[i].Message = ""
		}
		if got[i] != want[i] {
			t.Errorf("Run finding %d = %+v, want %+v", i, got[i], want[i])
		}
	}
}

func TestRunWithoutTheLinterSaysHowToInstallIt(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	_, err := Run([]string{filepath.Join("testdata", "clean.template.json")})
	if err == nil || !strings.Contains(err.Error(), "pip install cfn-lint=="+Version) {
		t.Errorf("Run without cfn-lint on PATH = %v, want how to install it", err)
	}
	if got, err := Run(nil); got != nil || err != nil {
		t.Errorf("Run(no templates) = %v, %v, want nothing and no linter needed", got, err)
	}
}

// A linter that crashes, or prints no report, is an error, not "no
// findings".
func TestRunWhenTheLinterFails(t *testing.T) {
	for _, tc := range []struct{ name, script, want string }{
		{"crash", "echo 'Traceback: boom' >&2; exit 1", "Traceback: boom"},
		{"no report", "echo 'not JSON'; exit 2", "reading the JSON report"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			if err := os.WriteFile(filepath.Join(dir, "cfn-lint"), []byte("#!/bin/sh\n"+tc.script+"\n"), 0o755); err != nil {
				t.Fatal(err)
			}
			t.Setenv("PATH", dir)
			if _, err := Run([]string{"x.json"}); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("Run with a linter that does %q = %v, want an error with %q", tc.script, err, tc.want)
			}
		})
	}
}

func TestParse(t *testing.T) {
	report := `[
	  {"Filename": "a.json", "Level": "Warning", "Location": {"Path": ["Resources", "Fn", "DependsOn", 0], "Start": {"LineNumber": 7}},
	   "Message": "m", "Rule": {"Id": "W3005"}},
	  {"Filename": "a.json", "Level": "Error", "Location": {"Path": null, "Start": {"LineNumber": 1}},
	   "Message": "parse", "Rule": {"Id": "E0000"}},
	  {"Filename": null, "Level": "Error", "Location": {"Path": ["Outputs", "X"], "Start": {"LineNumber": 3}},
	   "Message": "o", "Rule": {"Id": "E6001"}}
	]`
	got, err := Parse([]byte(report))
	if err != nil {
		t.Fatal(err)
	}
	want := []Finding{
		{File: "a.json", Rule: "W3005", Level: "Warning", Resource: "Fn", Path: "Resources/Fn/DependsOn/0", Line: 7, Message: "m"},
		{File: "a.json", Rule: "E0000", Level: "Error", Line: 1, Message: "parse"},
		{Rule: "E6001", Level: "Error", Path: "Outputs/X", Line: 3, Message: "o"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Parse = %+v, want %+v", got, want)
	}
	if _, err := Parse([]byte("Traceback (most recent call last):")); err == nil {
		t.Error("Parse(not JSON) = nil error, want one")
	}
}

const reason = "a reason of at least forty characters, for the tests"

func TestCheck(t *testing.T) {
	for _, tc := range []struct {
		name string
		ex   Exemption
		want string // "" for accepted
	}{
		{"logical id", Exemption{"W3005", "UploaderFunction79114915", reason}, ""},
		{"hash prefix", Exemption{"W3005", "UploaderFunction*", reason}, ""},
		{"informational everywhere", Exemption{"I1022", EveryResource, reason}, ""},
		{"warning everywhere", Exemption{"W3005", EveryResource, reason}, "only an informational rule"},
		{"no resource", Exemption{"W3005", "", reason}, "no resource"},
		{"star", Exemption{"W3005", "*", reason}, "at least 6 characters"},
		{"short prefix", Exemption{"W3005", "Upl*", reason}, "at least 6 characters"},
		{"inner wildcard", Exemption{"W3005", "Upload*Function", reason}, "only a trailing *"},
		{"bad rule", Exemption{"w3005", "UploaderFunction79114915", reason}, "not a cfn-lint rule id"},
		{"short reason", Exemption{"W3005", "UploaderFunction79114915", "CDK"}, "reason has 3 characters"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := Check([]Exemption{tc.ex})
			if tc.want == "" && err != nil || tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)) {
				t.Errorf("Check(%+v) = %v, want %q", tc.ex, err, tc.want)
			}
		})
	}
	twice := Exemption{"W3005", "UploaderFunction79114915", reason}
	if err := Check([]Exemption{twice, twice}); err == nil || !strings.Contains(err.Error(), "listed twice") {
		t.Errorf("Check(the same exemption twice) = %v, want it refused", err)
	}
}

func TestApply(t *testing.T) {
	fn := Finding{Rule: "W3005", Resource: "UploaderFunction79114915"}
	other := Finding{Rule: "W3005", Resource: "ReaderF7BF189D"}
	join := Finding{Rule: "I1022", Resource: "StoragePolicyFA2733C0"}
	parse := Finding{Rule: "E0000"}
	exact := Exemption{"W3005", "UploaderFunction79114915", reason}
	prefix := Exemption{"W3005", "Uploader*", reason}
	everywhere := Exemption{"I1022", EveryResource, reason}
	stale := Exemption{"E3002", "Bucket", reason}
	kept, unused := Apply([]Finding{fn, other, join, parse}, []Exemption{exact, prefix, everywhere, stale})
	if want := []Finding{other, parse}; !reflect.DeepEqual(kept, want) {
		t.Errorf("Apply kept %+v, want %+v", kept, want)
	}
	if want := []Exemption{stale}; !reflect.DeepEqual(unused, want) {
		t.Errorf("Apply unused %+v, want %+v", unused, want)
	}
}
