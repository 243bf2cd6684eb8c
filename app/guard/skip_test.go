package guard

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"testing"
)

// Skipping the Control Tower rule files none of whose resource types is in
// the templates (runParallel) reports exactly what running them reports,
// on the app's templates and on one that holds the skipped types (a
// launch template, an instance, a NAT gateway): each skipped rule would
// have been not applicable.
func TestSkippingInapplicableRuleFilesChangesNothing(t *testing.T) {
	root, err := FindRoot()
	if err != nil {
		t.Fatal(err)
	}
	bin, err := Binary(root)
	if err != nil {
		t.Fatal(err)
	}
	var rules []string
	for _, d := range ControlTowerRuleDirs {
		rules = append(rules, filepath.Join(root, validatorPackage, "rules", "control-tower", "cfn-guard", d))
	}
	rules = append(rules, filepath.Join(root, "app", "guard", "rules"))
	other := filepath.Join(t.TempDir(), "other.template.json")
	writeJSON(t, other, map[string]any{"Resources": map[string]any{
		"Template": map[string]any{"Type": "AWS::EC2::LaunchTemplate", "Properties": map[string]any{"LaunchTemplateData": map[string]any{}}},
		"Instance": map[string]any{"Type": "AWS::EC2::Instance", "Properties": map[string]any{"ImageId": "ami-1"}},
		"Nat":      map[string]any{"Type": "AWS::EC2::NatGateway", "Properties": map[string]any{"SubnetId": "subnet-1"}},
	}})
	all := func(string) bool { return false }
	skip := func(f string) bool { return filepath.Dir(filepath.Dir(f)) != filepath.Join(root, "app", "guard") }
	for _, set := range [][]string{
		{filepath.Join(root, "app", "stack", "testdata", "default.template.json")},
		{filepath.Join(root, "app", "stack", "testdata", "full.template.json")},
		{other},
	} {
		types := map[string]bool{}
		for _, tp := range set {
			if _, err := readTemplate(tp, types); err != nil {
				t.Fatal(err)
			}
		}
		want, err := runParallel(bin, rules, set, all, types)
		if err != nil {
			t.Fatal(err)
		}
		got, err := runParallel(bin, rules, set, skip, types)
		if err != nil {
			t.Fatal(err)
		}
		for i := range want {
			w, g := want[i], got[i]
			slices.Sort(g.NotApplicable)
			slices.Sort(w.NotApplicable)
			if !reflect.DeepEqual(g.NotApplicable, w.NotApplicable) || !reflect.DeepEqual(g.Compliant, w.Compliant) || len(g.NotCompliant) != len(w.NotCompliant) {
				t.Errorf("%s: skipping changed the results:\nnot applicable %q\nwant %q\ncompliant %q\nwant %q\n%d failures, want %d",
					filepath.Base(set[0]), g.NotApplicable, w.NotApplicable, g.Compliant, w.Compliant, len(g.NotCompliant), len(w.NotCompliant))
			}
		}
	}
}

func writeJSON(t *testing.T, path string, v any) {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
}
