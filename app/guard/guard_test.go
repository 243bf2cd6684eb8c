package guard_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/privates3/privates3/app/guard"
)

// Every test here runs the real cfn-guard from node_modules: the rules are
// only worth what cfn-guard makes of them.

var (
	defaultTemplate = filepath.Join("..", "stack", "testdata", "default.template.json")
	fullTemplate    = filepath.Join("..", "stack", "testdata", "full.template.json")
)

// projectRules is every rule file of rules/ with the resource its failing
// template must be reported on, so a test also proves that the finding
// names the resource a reviewer has to look at.
var projectRules = map[string]struct{ rule, failsOn string }{
	"no_nat_gateway":                        {"privates3_no_nat_gateway", "NatGateway"},
	"no_internet_gateway":                   {"privates3_no_internet_gateway", "Igw"},
	"lambda_s3_rights_in_vpc":               {"privates3_lambda_s3_rights_in_vpc", "Stray"},
	"bucket_policy_denies_outside_endpoint": {"privates3_bucket_policy_denies_outside_endpoint", "BucketPolicy"},
	"bucket_policy_requires_sigv4":          {"privates3_bucket_policy_requires_sigv4", "BucketPolicy"},
	"security_group_egress_written":         {"privates3_security_group_egress_written", "Group"},
	"security_group_no_open_egress":         {"privates3_security_group_no_open_egress", "Group"},
	"vpc_endpoint_policy_written":           {"privates3_vpc_endpoint_policy_written", "Endpoint"},
	"gateway_endpoint_policy_principal":     {"privates3_gateway_endpoint_policy_principal", "Endpoint"},
}

func TestProjectRulesHaveTestsAndTemplates(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("rules", "*.guard"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no rule files in rules/: %v", err)
	}
	for _, f := range files {
		name := strings.TrimSuffix(filepath.Base(f), ".guard")
		if _, ok := projectRules[name]; !ok {
			t.Errorf("rules/%s.guard has no entry in projectRules: add one, with testdata/rules/%s/{pass,fail}.json", name, name)
		}
	}
	dirs, _ := filepath.Glob(filepath.Join("testdata", "rules", "*"))
	for _, d := range dirs {
		if _, err := os.Stat(filepath.Join("rules", filepath.Base(d)+".guard")); err != nil {
			t.Errorf("%s has no rule file rules/%s.guard", d, filepath.Base(d))
		}
	}
}

func TestProjectRules(t *testing.T) {
	for name, want := range projectRules {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			opts := guard.Options{NoExemptions: true, Rules: []string{filepath.Join("rules", name+".guard")}}
			pass := filepath.Join("testdata", "rules", name, "pass.json")
			fail := filepath.Join("testdata", "rules", name, "fail.json")
			r, err := guard.Check(opts, pass, fail)
			if err != nil {
				t.Fatal(err)
			}
			// A rule that was skipped on the passing template proves
			// nothing: it must have applied and passed.
			if !slices.Contains(r.Passed[pass], want.rule) {
				t.Errorf("%s: %s did not apply and pass (passed: %v)", pass, want.rule, r.Passed[pass])
			}
			var got []string
			for _, f := range r.Failures() {
				if f.Template == pass {
					t.Errorf("%s: %s fails on %s: %s", pass, f.Rule, f.Resource, f.Message)
					continue
				}
				if f.Rule != want.rule {
					t.Errorf("%s: unexpected rule %s", fail, f.Rule)
				}
				if !strings.HasPrefix(f.Control, "PRIVATES3.") || f.Message == "" || f.Fix == "" {
					t.Errorf("%s: finding %+v lacks a [PRIVATES3.*] id, message or [FIX]", fail, f)
				}
				got = append(got, f.Resource)
			}
			if !slices.Equal(got, []string{want.failsOn}) {
				t.Errorf("%s: %s fails on %v, want [%s]", fail, want.rule, got, want.failsOn)
			}
		})
	}
}

// The committed fixtures are the default and the full configuration: with
// the exemptions file, nothing fails and every exemption is needed by one
// of them.
func TestFixturesPass(t *testing.T) {
	r, err := guard.Check(guard.Options{}, defaultTemplate, fullTemplate)
	if err != nil {
		t.Fatal(err)
	}
	if err := r.Err(); err != nil {
		t.Errorf("guard over the fixtures:\n%v", err)
	}
	// The project rules must have applied, not been skipped: passed, or
	// failed only on resources an exemption names (PRIVATES3.S3.1 on the
	// access-log bucket's policy, which must not deny outside the endpoint).
	for _, want := range projectRules {
		for _, tmpl := range r.Templates {
			exempted := slices.ContainsFunc(r.Findings, func(f guard.Finding) bool {
				return f.Template == tmpl && f.Rule == want.rule && f.Exemption != nil
			})
			if !slices.Contains(r.Passed[tmpl], want.rule) && !exempted {
				t.Errorf("%s: project rule %s did not apply and pass", tmpl, want.rule)
			}
		}
	}
	if r.Rules < 40 {
		t.Errorf("only %d rules evaluated: are the Control Tower rule folders still where ControlTowerRuleDirs says?", r.Rules)
	}
}

// Each way of breaking the default template must be caught, by the rule
// that says what is wrong.
func TestBrokenTemplateFails(t *testing.T) {
	tests := []struct {
		name   string
		break_ func(resources map[string]map[string]any)
		want   []string // "rule resource"
	}{
		{
			name: "uploader taken out of the VPC",
			break_: func(res map[string]map[string]any) {
				delete(res["UploaderFunction79114915"]["Properties"].(map[string]any), "VpcConfig")
			},
			want: []string{
				"lambda_inside_vpc_check UploaderFunction79114915",
				"privates3_lambda_s3_rights_in_vpc UploaderFunction79114915",
			},
		},
		{
			name: "NAT gateway added",
			break_: func(res map[string]map[string]any) {
				res["NatGateway"] = map[string]any{"Type": "AWS::EC2::NatGateway", "Properties": map[string]any{"SubnetId": "subnet-0123", "AllocationId": "eipalloc-0123"}}
			},
			want: []string{"privates3_no_nat_gateway NatGateway"},
		},
		{
			name: "bucket policy without the endpoint denies",
			break_: func(res map[string]map[string]any) {
				doc := res["StoragePolicyFA2733C0"]["Properties"].(map[string]any)["PolicyDocument"].(map[string]any)
				var kept []any
				for _, s := range doc["Statement"].([]any) {
					cond, _ := s.(map[string]any)["Condition"].(map[string]any)
					if _, endpoint := cond["StringNotEquals"]; !endpoint {
						kept = append(kept, s)
					}
				}
				doc["Statement"] = kept
			},
			want: []string{"privates3_bucket_policy_denies_outside_endpoint StoragePolicyFA2733C0"},
		},
		{
			name: "uploader egress left to the default",
			break_: func(res map[string]map[string]any) {
				delete(res["UploaderSecurityGroup6AF6A004"]["Properties"].(map[string]any), "SecurityGroupEgress")
			},
			want: []string{"privates3_security_group_egress_written UploaderSecurityGroup6AF6A004"},
		},
		{
			name: "public access block removed",
			break_: func(res map[string]map[string]any) {
				delete(res["Storage6B64FB91"]["Properties"].(map[string]any), "PublicAccessBlockConfiguration")
			},
			want: []string{"s3_bucket_level_public_access_prohibited_check Storage6B64FB91"},
		},
	}
	// One cfn-guard run over every broken template: its cost is mostly per
	// run (about 0.4 s for the Control Tower rules), not per template.
	paths := make([]string, len(tests))
	for i, tt := range tests {
		tmpl := readJSON(t, defaultTemplate)
		res := map[string]map[string]any{}
		for id, r := range tmpl["Resources"].(map[string]any) {
			res[id] = r.(map[string]any)
		}
		tt.break_(res)
		out := map[string]any{}
		for id, r := range res {
			out[id] = r
		}
		tmpl["Resources"] = out
		paths[i] = writeJSON(t, tmpl)
	}
	r, err := guard.Check(guard.Options{}, paths...)
	if err != nil {
		t.Fatal(err)
	}
	if r.Err() == nil {
		t.Error("Err() = nil for broken templates")
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []string
			for _, f := range r.Failures() {
				if f.Template == paths[i] {
					got = append(got, f.Rule+" "+f.Resource)
				}
			}
			slices.Sort(got)
			if !slices.Equal(got, tt.want) {
				t.Errorf("failures = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestBadTemplates(t *testing.T) {
	dir := t.TempDir()
	invalid := filepath.Join(dir, "invalid.json")
	notTemplate := filepath.Join(dir, "not-a-template.json")
	os.WriteFile(invalid, []byte(`{"Resources": `), 0o644)
	os.WriteFile(notTemplate, []byte(`{"name": "package.json"}`), 0o644)
	tests := []struct{ path, want string }{
		{filepath.Join(dir, "missing.json"), "missing.json: no such file"},
		{invalid, "invalid.json is not valid JSON"},
		{notTemplate, "not-a-template.json is not a CloudFormation template"},
	}
	for _, tt := range tests {
		_, err := guard.Check(guard.Options{}, defaultTemplate, tt.path)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("Check(%q) error = %v, want it to contain %q", tt.path, err, tt.want)
		}
	}
	if _, err := guard.Check(guard.Options{}); err == nil {
		t.Error("Check() with no templates: error = nil")
	}
}

func TestMissingToolsSayNpmCi(t *testing.T) {
	empty := t.TempDir()
	if _, err := guard.Binary(empty); err == nil || !strings.Contains(err.Error(), "npm ci") {
		t.Errorf("Binary(%q) error = %v, want it to say npm ci", empty, err)
	}
	if _, err := guard.Check(guard.Options{Root: empty}, defaultTemplate); err == nil || !strings.Contains(err.Error(), "npm ci") {
		t.Errorf("Check with Root %q: error = %v, want it to say npm ci", empty, err)
	}
	t.Chdir(empty)
	if _, err := guard.FindRoot(); err == nil || !strings.Contains(err.Error(), "npm ci") {
		t.Errorf("FindRoot() from %q: error = %v, want it to say npm ci", empty, err)
	}
}

func TestMarkdownNamesFailureAndFix(t *testing.T) {
	r, err := guard.Check(guard.Options{NoExemptions: true, Rules: []string{filepath.Join("rules", "no_nat_gateway.guard")}},
		filepath.Join("testdata", "rules", "no_nat_gateway", "fail.json"))
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	if err := r.WriteMarkdown(&b, false); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"Guard: FAIL", "| `fail.json` | `NatGateway` | `privates3_no_nat_gateway` | PRIVATES3.VPC.1 |", "Remove the NAT gateway"} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("WriteMarkdown() lacks %q:\n%s", want, b.String())
		}
	}
}

func readJSON(t *testing.T, path string) map[string]any {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var v map[string]any
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatal(err)
	}
	return v
}

func writeJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "broken.template.json")
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// A bucket policy that denies only object actions outside the endpoint
// fails PRIVATES3.S3.1, unless its Metadata declares the object-actions
// deny mode (denyMode=object-actions), which leaves the bucket-level
// actions to IAM by design; another value declares nothing.
func TestObjectActionsModeIsDeclared(t *testing.T) {
	const rule = "privates3_bucket_policy_denies_outside_endpoint"
	objectsOnly := func(metadata map[string]any) string {
		tmpl := readJSON(t, filepath.Join("testdata", "rules", "bucket_policy_denies_outside_endpoint", "pass.json"))
		policy := tmpl["Resources"].(map[string]any)["BucketPolicy"].(map[string]any)
		for _, s := range policy["Properties"].(map[string]any)["PolicyDocument"].(map[string]any)["Statement"].([]any) {
			st := s.(map[string]any)
			if st["Sid"] == "DenyOutsideEndpoint" {
				st["Resource"] = st["Resource"].([]any)[1:] // the objects alone
			}
		}
		if metadata != nil {
			policy["Metadata"] = metadata
		}
		return writeJSON(t, tmpl)
	}
	for name, c := range map[string]struct {
		metadata map[string]any
		fails    bool
	}{
		"no metadata":         {nil, true},
		"other metadata":      {map[string]any{"cdk_nag": map[string]any{}}, true},
		"another mode":        {map[string]any{"privates3:denyMode": "all-actions"}, true},
		"object-actions mode": {map[string]any{"privates3:denyMode": "object-actions"}, false},
	} {
		t.Run(name, func(t *testing.T) {
			path := objectsOnly(c.metadata)
			r, err := guard.Check(guard.Options{NoExemptions: true, Rules: []string{filepath.Join("rules", "bucket_policy_denies_outside_endpoint.guard")}}, path)
			if err != nil {
				t.Fatal(err)
			}
			failed := slices.ContainsFunc(r.Failures(), func(f guard.Finding) bool { return f.Rule == rule && f.Resource == "BucketPolicy" })
			if failed != c.fails {
				t.Errorf("fails = %v, want %v (failures: %+v)", failed, c.fails, r.Failures())
			}
		})
	}
}
