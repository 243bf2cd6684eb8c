package cfndiff_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/privates3/privates3/app/templatediff/cfndiff"
)

// parse reads a template given as the JSON of its top-level members.
func parse(t *testing.T, members string) *cfndiff.Template {
	t.Helper()
	tm, err := cfndiff.Parse("test", []byte(`{`+members+`}`))
	if err != nil {
		t.Fatal(err)
	}
	return tm
}

// What CDK writes whatever the app changes is not a change: the
// AWS::CDK::Metadata resource (its Analytics string changes with any
// construct) and each resource's construct path.
func TestCDKMetadataIsNoChange(t *testing.T) {
	old := parse(t, `"Resources": {
		"CDKMetadata": {"Type": "AWS::CDK::Metadata", "Properties": {"Analytics": "v2:deflate64:H4sIAAAA"}, "Condition": "CDKMetadataAvailable", "Metadata": {"aws:cdk:path": "S/CDKMetadata/Default"}},
		"Q": {"Type": "AWS::SQS::Queue", "Metadata": {"aws:cdk:path": "S/Queue/Resource"}}}`)
	new := parse(t, `"Resources": {
		"CDKMetadata": {"Type": "AWS::CDK::Metadata", "Properties": {"Analytics": "v2:deflate64:H4sIBBBB"}, "Condition": "CDKMetadataAvailable", "Metadata": {"aws:cdk:path": "S/CDKMetadata/Default"}},
		"Q": {"Type": "AWS::SQS::Queue", "Metadata": {"aws:cdk:path": "S/Moved/Queue/Resource", "aws:asset:path": "asset.1234"}}}`)
	if got := cfndiff.Compare(old, new).Resources; len(got) != 0 {
		t.Errorf("Compare() = %+v, want no change", got)
	}
	// Added or removed, it is not a resource a reviewer needs to see.
	if got := cfndiff.Compare(parse(t, `"Resources": {}`), new).Resources; len(got) != 1 || got[0].LogicalID != "Q" {
		t.Errorf("Compare(nothing, new) = %+v, want only Q added", got)
	}
}

func TestSuppressions(t *testing.T) {
	const iam5 = `{"id": "AwsSolutions-IAM5", "reason": "Object keys are the caller's choice.", "applies_to": [{"regex": "/^Resource::<Bucket.Arn>\\/\\*$/"}]}`
	const l1 = `{"id": "AwsSolutions-L1", "reason": "CDK's provider sets its runtime."}`
	res := func(suppressions ...string) string {
		return fmt.Sprintf(`"Resources": {"P": {"Type": "AWS::SQS::Queue", "Properties": {"MessageRetentionPeriod": 60},
			"Metadata": {"aws:cdk:path": "S/P/Resource", "cdk_nag": {"rules_to_suppress": [%s]}}}}`, strings.Join(suppressions, ", "))
	}
	tests := []struct {
		name     string
		old, new string
		want     []string // "kind rule appliesTo: reason"
		security bool
	}{
		{"added", res(l1), res(l1, iam5), []string{"added AwsSolutions-IAM5 [{regex: /^Resource::<Bucket.Arn>\\/\\*$/}]: Object keys are the caller's choice."}, true},
		{"removed", res(l1, iam5), res(iam5), []string{"removed AwsSolutions-L1 null: CDK's provider sets its runtime."}, true},
		{"reworded", res(l1), res(`{"id": "AwsSolutions-L1", "reason": "CDK sets the runtime of its provider."}`),
			[]string{"changed AwsSolutions-L1 null: CDK sets the runtime of its provider. (was: CDK's provider sets its runtime.)"}, false},
		{"widened: applies to every finding now", res(iam5), res(`{"id": "AwsSolutions-IAM5", "reason": "Object keys are the caller's choice."}`),
			[]string{"added AwsSolutions-IAM5 null: Object keys are the caller's choice.", "removed AwsSolutions-IAM5 [{regex: /^Resource::<Bucket.Arn>\\/\\*$/}]: Object keys are the caller's choice."}, true},
		{"reordered", res(l1, iam5), res(iam5, l1), nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			changes := cfndiff.Compare(parse(t, tt.old), parse(t, tt.new)).Resources
			var got []string
			security := false
			for _, c := range changes {
				for _, s := range c.Suppressions {
					line := fmt.Sprintf("%s %s %s: %s", s.Kind, s.Rule, cfndiff.Render(s.AppliesTo), s.Reason)
					if s.Kind == cfndiff.Modified {
						line += " (was: " + s.OldReason + ")"
					}
					got = append(got, line)
				}
				if len(c.Properties) != 0 {
					t.Errorf("Compare() properties = %+v, want none (only Metadata differs)", c.Properties)
				}
				security = security || c.SecurityRelevant()
			}
			if strings.Join(got, "\n") != strings.Join(tt.want, "\n") {
				t.Errorf("Compare() suppressions =\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(tt.want, "\n"))
			}
			if security != tt.security {
				t.Errorf("Compare() security-relevant = %v, want %v", security, tt.security)
			}
		})
	}

	// A new resource arrives with its suppressions: each is new to the
	// review. A removed resource takes its own away, which hides nothing.
	added := cfndiff.Compare(parse(t, `"Resources": {}`), parse(t, res(l1)))
	if c := added.Resources[0]; len(c.Suppressions) != 1 || c.Suppressions[0].Kind != cfndiff.Added || !c.SecurityRelevant() {
		t.Errorf("Compare(nothing, one suppression) = %+v, want the suppression added and security-relevant", c)
	}
	removed := cfndiff.Compare(parse(t, `"Resources": {"Q": {"Type": "AWS::SQS::Queue", "Metadata": {"cdk_nag": {"rules_to_suppress": [`+l1+`]}}}}`), parse(t, `"Resources": {}`))
	if c := removed.Resources[0]; len(c.Suppressions) != 0 || c.SecurityRelevant() {
		t.Errorf("Compare(one suppression, nothing) = %+v, want no suppression change and not security-relevant", c)
	}
}

func TestSuppressionsInMarkdown(t *testing.T) {
	old := parse(t, `"Resources": {"F": {"Type": "AWS::Lambda::Function", "Properties": {"MemorySize": 256}}}`)
	new := parse(t, `"Resources": {"F": {"Type": "AWS::Lambda::Function", "Properties": {"MemorySize": 512},
		"Metadata": {"cdk_nag": {"rules_to_suppress": [{"id": "Serverless-LambdaDLQ", "reason": "Invoked synchronously: errors return to the caller."}]}}}}`)
	var b strings.Builder
	if err := cfndiff.WriteMarkdown(&b, "a", "b", cfndiff.Compare(old, new)); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, want := range []string{
		"**1 security-relevant change(s)**",
		"#### Security review\n\n**cdk-nag suppressions (added or removed)**\n\n- `F` (AWS::Lambda::Function)\n  - added `Serverless-LambdaDLQ`: Invoked synchronously: errors return to the caller.\n",
		"#### Changed resources\n\n- changed `F` (AWS::Lambda::Function)\n  - `MemorySize`: `256` → `512`\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("WriteMarkdown() lacks %q:\n%s", want, out)
		}
	}
}
