package cfn

import (
	"testing"
)

// pseudoDoc refers to its account and region every way a template can: a
// Ref, Fn::Sub, a role's ARN, a bucket named after the account, a
// condition on the region, and an export other templates import.
const pseudoDoc = `{
  "Conditions": {"InEu": {"Fn::Equals": [{"Ref": "AWS::Region"}, "eu-west-1"]}},
  "Resources": {
    "Role": {"Type": "AWS::IAM::Role"},
    "Named": {"Type": "AWS::S3::Bucket", "Properties": {"BucketName": {"Fn::Sub": "data-${AWS::AccountId}-${AWS::Region}"}}},
    "EuOnly": {"Type": "AWS::SNS::Topic", "Condition": "InEu"}
  },
  "Outputs": {"RoleArn": {"Value": {"Fn::GetAtt": ["Role", "Arn"]}, "Export": {"Name": {"Fn::Sub": "${AWS::StackName}-RoleArn"}}}}
}`

var (
	refAccount = map[string]any{"Ref": "AWS::AccountId"}
	refRegion  = map[string]any{"Ref": "AWS::Region"}
	subExec    = map[string]any{"Fn::Sub": "arn:${AWS::Partition}:iam::${AWS::AccountId}:role/cdk-hnb659fds-cfn-exec-role-${AWS::AccountId}-${AWS::Region}"}
	roleArn    = map[string]any{"Fn::GetAtt": []any{"Role", "Arn"}}
	namedRef   = map[string]any{"Ref": "Named"}
)

// A template's own account and region (Template.Env, from its cloud
// assembly's manifest) are used wherever it refers to them; a value given
// for every template (--set) overrides them; without either, one template
// has the plain symbols and each of several its own.
func TestPseudoParameters(t *testing.T) {
	devEnv := map[string]string{"AWS::AccountId": "111111111111", "AWS::Region": "eu-west-1"}
	prodEnv := map[string]string{"AWS::AccountId": "222222222222", "AWS::Region": "us-east-1"}
	load := func(name string, env map[string]string) *Template {
		tmpl := mustParse(t, name, pseudoDoc)
		tmpl.Env = env
		return tmpl
	}
	type want struct{ account, region, sub, role, named string }
	check := func(what string, r *Resolver, tmpl *Template, w want) {
		t.Helper()
		for _, c := range []struct {
			expr any
			want string
		}{
			{refAccount, w.account},
			{refRegion, w.region},
			{subExec, w.sub},
			{roleArn, w.role},
			{namedRef, w.named},
		} {
			if got := resolveIn(t, r, tmpl, c.expr); got != c.want {
				t.Errorf("%s: %s: Resolve(%v) = %v, want %v", what, tmpl.Name, c.expr, got, c.want)
			}
		}
	}

	// Alone and unknown: the plain symbols, as always.
	alone := load("a/alone.template.json", nil)
	r, err := NewResolver(Options{}, alone)
	if err != nil {
		t.Fatal(err)
	}
	check("alone, unknown", r, alone, want{
		account: "${AWS::AccountId}",
		region:  "${AWS::Region}",
		sub:     "arn:${AWS::Partition}:iam::${AWS::AccountId}:role/cdk-hnb659fds-cfn-exec-role-${AWS::AccountId}-${AWS::Region}",
		role:    "arn:${AWS::Partition}:iam::${AWS::AccountId}:role/${Role}",
		named:   "data-${AWS::AccountId}-${AWS::Region}",
	})

	// Each template's own values, in Ref, Fn::Sub, the role's ARN and
	// the bucket's name; the partition stays the one of every template.
	dev, prod := load("out/assembly-dev/dev.template.json", devEnv), load("out/assembly-prod/prod.template.json", prodEnv)
	r, err = NewResolver(Options{}, dev, prod)
	if err != nil {
		t.Fatal(err)
	}
	check("own values", r, dev, want{
		account: "111111111111",
		region:  "eu-west-1",
		sub:     "arn:${AWS::Partition}:iam::111111111111:role/cdk-hnb659fds-cfn-exec-role-111111111111-eu-west-1",
		role:    "arn:${AWS::Partition}:iam::111111111111:role/${dev#Role}",
		named:   "data-111111111111-eu-west-1",
	})
	check("own values", r, prod, want{
		account: "222222222222",
		region:  "us-east-1",
		sub:     "arn:${AWS::Partition}:iam::222222222222:role/cdk-hnb659fds-cfn-exec-role-222222222222-us-east-1",
		role:    "arn:${AWS::Partition}:iam::222222222222:role/${prod#Role}",
		named:   "data-222222222222-us-east-1",
	})
	// A condition on the region is decided by the template's own.
	if ok, err := r.Exists(dev, dev.Resources["EuOnly"]); !ok || err != nil {
		t.Errorf("own values: dev's EuOnly exists = %v, %v, want true (dev is in eu-west-1)", ok, err)
	}
	if ok, err := r.Exists(prod, prod.Resources["EuOnly"]); ok || err != nil {
		t.Errorf("own values: prod's EuOnly exists = %v, %v, want false (prod is in us-east-1)", ok, err)
	}
	// An import takes the exporting template's values, not the importer's.
	imp := map[string]any{"Fn::ImportValue": "${prod#AWS::StackName}-RoleArn"}
	if got := resolveIn(t, r, dev, imp); got != "arn:${AWS::Partition}:iam::222222222222:role/${prod#Role}" {
		t.Errorf("own values: dev importing prod's role ARN = %v, want prod's account in it", got)
	}

	// Two templates whose environments are unknown: two accounts and
	// two regions, each local to its template, and nothing equal.
	devU, prodU := load("out/assembly-dev/dev.template.json", nil), load("out/assembly-prod/prod.template.json", nil)
	r, err = NewResolver(Options{}, devU, prodU)
	if err != nil {
		t.Fatal(err)
	}
	check("unknown", r, devU, want{
		account: "${dev#AWS::AccountId}",
		region:  "${dev#AWS::Region}",
		sub:     "arn:${AWS::Partition}:iam::${dev#AWS::AccountId}:role/cdk-hnb659fds-cfn-exec-role-${dev#AWS::AccountId}-${dev#AWS::Region}",
		role:    "arn:${AWS::Partition}:iam::${dev#AWS::AccountId}:role/${dev#Role}",
		named:   "data-${dev#AWS::AccountId}-${dev#AWS::Region}",
	})
	check("unknown", r, prodU, want{
		account: "${prod#AWS::AccountId}",
		region:  "${prod#AWS::Region}",
		sub:     "arn:${AWS::Partition}:iam::${prod#AWS::AccountId}:role/cdk-hnb659fds-cfn-exec-role-${prod#AWS::AccountId}-${prod#AWS::Region}",
		role:    "arn:${AWS::Partition}:iam::${prod#AWS::AccountId}:role/${prod#Role}",
		named:   "data-${prod#AWS::AccountId}-${prod#AWS::Region}",
	})
	if got := resolveIn(t, r, devU, map[string]any{"Ref": "AWS::Partition"}); got != "${AWS::Partition}" {
		t.Errorf("unknown: Ref AWS::Partition = %v, want the one partition of every template", got)
	}
	// Each symbol says whose account it is.
	checkScopes(t, r, []scopeCase{
		{"${dev#AWS::AccountId}", devU, "AWS::AccountId"},
		{"${prod#AWS::AccountId}", prodU, "AWS::AccountId"},
		{"${prod#AWS::Region}", prodU, "AWS::Region"},
		{"${AWS::Partition}", nil, "AWS::Partition"},
	})
	// The region unknown, a condition on it cannot be decided.
	if _, err := r.Exists(devU, devU.Resources["EuOnly"]); err == nil {
		t.Error("unknown: Exists(EuOnly) decided without dev's region")
	}

	// One known, one not: only the known one has values; an empty value
	// is no value.
	devK, prodE := load("out/assembly-dev/dev.template.json", devEnv), load("out/assembly-prod/prod.template.json", map[string]string{"AWS::AccountId": "", "AWS::Region": "us-east-1"})
	r, err = NewResolver(Options{}, devK, prodE)
	if err != nil {
		t.Fatal(err)
	}
	if got := resolveIn(t, r, prodE, refAccount); got != "${prod#AWS::AccountId}" {
		t.Errorf("partly known: prod's account = %v, want ${prod#AWS::AccountId}", got)
	}
	if got := resolveIn(t, r, prodE, refRegion); got != "us-east-1" {
		t.Errorf("partly known: prod's region = %v, want us-east-1", got)
	}
	if got := resolveIn(t, r, devK, refAccount); got != "111111111111" {
		t.Errorf("partly known: dev's account = %v, want 111111111111", got)
	}

	// A value given for every template (--set) overrides each one's own,
	// and the one it does not give is still the template's.
	dev, prod = load("out/assembly-dev/dev.template.json", devEnv), load("out/assembly-prod/prod.template.json", prodEnv)
	r, err = NewResolver(Options{Values: map[string]string{"AWS::AccountId": "333333333333"}}, dev, prod)
	if err != nil {
		t.Fatal(err)
	}
	check("--set", r, dev, want{
		account: "333333333333",
		region:  "eu-west-1",
		sub:     "arn:${AWS::Partition}:iam::333333333333:role/cdk-hnb659fds-cfn-exec-role-333333333333-eu-west-1",
		role:    "arn:${AWS::Partition}:iam::333333333333:role/${dev#Role}",
		named:   "data-333333333333-eu-west-1",
	})
	check("--set", r, prod, want{
		account: "333333333333",
		region:  "us-east-1",
		sub:     "arn:${AWS::Partition}:iam::333333333333:role/cdk-hnb659fds-cfn-exec-role-333333333333-us-east-1",
		role:    "arn:${AWS::Partition}:iam::333333333333:role/${prod#Role}",
		named:   "data-333333333333-us-east-1",
	})
	// Given for every template, values are plain for all, even unknown
	// ones: AWS::Region=eu-west-1 makes both templates' regions one.
	devU, prodU = load("out/assembly-dev/dev.template.json", nil), load("out/assembly-prod/prod.template.json", nil)
	r, err = NewResolver(Options{Values: map[string]string{"AWS::AccountId": "444444444444", "AWS::Region": "eu-west-1"}}, devU, prodU)
	if err != nil {
		t.Fatal(err)
	}
	for tmpl, role := range map[*Template]string{devU: "${dev#Role}", prodU: "${prod#Role}"} {
		if got := resolveIn(t, r, tmpl, roleArn); got != "arn:${AWS::Partition}:iam::444444444444:role/"+role {
			t.Errorf("--set for both: %s role ARN = %v, want account 444444444444", tmpl.Name, got)
		}
		if got := resolveIn(t, r, tmpl, refRegion); got != "eu-west-1" {
			t.Errorf("--set for both: %s region = %v, want eu-west-1", tmpl.Name, got)
		}
	}
}
