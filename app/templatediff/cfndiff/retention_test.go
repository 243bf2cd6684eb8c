package cfndiff_test

import (
	"strings"
	"testing"

	"github.com/privates3/privates3/app/templatediff/cfndiff"
)

// The CloudFormation User Guide, "DeletionPolicy attribute": a resource
// removed from the template is deleted unless its DeletionPolicy is Retain
// (or RetainExceptOnCreate: "behaves like Retain for stack operations,
// except for the stack operation that initially created the resource"),
// or Snapshot; "the default policy is Snapshot for AWS::RDS::DBCluster
// resources and for AWS::RDS::DBInstance resources that don't specify the
// DBClusterIdentifier property".
func TestRemoved(t *testing.T) {
	tests := []struct {
		name     string
		old      string // Resources, all removed
		want     []string
		security []string // the logical ids that are security-relevant
	}{
		{
			name:     "a retained log group is orphaned",
			old:      `"L": {"Type": "AWS::Logs::LogGroup", "DeletionPolicy": "Retain", "UpdateReplacePolicy": "Retain"}`,
			want:     []string{"L: old kept by DeletionPolicy Retain"},
			security: []string{"L"},
		},
		{
			name: "a bucket kept without its policy (the S3 example of the page)",
			old: `"MyBucket": {"Type": "AWS::S3::Bucket", "DeletionPolicy": "RetainExceptOnCreate"},
				"P": {"Type": "AWS::S3::BucketPolicy", "Properties": {"Bucket": {"Ref": "MyBucket"}}}`,
			want: []string{
				"MyBucket: old kept by DeletionPolicy RetainExceptOnCreate [its bucket policy `P` is deleted: the kept one is left without a bucket policy]",
				"P: old deleted by default (no DeletionPolicy)",
			},
			security: []string{"MyBucket", "P"},
		},
		{
			// AWS::LanguageExtensions allows Fn::If in DeletionPolicy.
			name:     "a policy decided at deploy time may orphan",
			old:      `"T": {"Type": "AWS::DynamoDB::Table", "DeletionPolicy": {"Fn::If": ["IsProd", "Retain", "Delete"]}}`,
			want:     []string{"T: old kept or deleted by DeletionPolicy Fn::If(IsProd, Retain, Delete)"},
			security: []string{"T"},
		},
		{
			name:     "a queue is deleted",
			old:      `"Q": {"Type": "AWS::SQS::Queue"}`,
			want:     []string{"Q: old deleted by default (no DeletionPolicy)"},
			security: nil,
		},
		{
			name: "a database gets a snapshot by default",
			old: `"C": {"Type": "AWS::RDS::DBCluster", "Properties": {"Engine": "aurora-postgresql"}},
				"I": {"Type": "AWS::RDS::DBInstance", "Properties": {"Engine": "postgres"}},
				"M": {"Type": "AWS::RDS::DBInstance", "Properties": {"DBClusterIdentifier": {"Ref": "C"}}},
				"V": {"Type": "AWS::EC2::Volume", "DeletionPolicy": "Snapshot"}`,
			want: []string{
				"C: old deleted after a snapshot by default for AWS::RDS::DBCluster (no DeletionPolicy)",
				"I: old deleted after a snapshot by default for an AWS::RDS::DBInstance outside a cluster (no DeletionPolicy)",
				"M: old deleted by default (no DeletionPolicy)",
				"V: old deleted after a snapshot by DeletionPolicy Snapshot",
			},
			security: nil,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := cfndiff.Compare(parse(t, `"Resources": {`+tt.old+`}`), parse(t, `"Resources": {}`))
			var got, security []string
			for _, c := range d.Resources {
				got = append(got, describe(c))
				if c.SecurityRelevant() {
					security = append(security, c.LogicalID)
				}
			}
			if strings.Join(got, "\n") != strings.Join(tt.want, "\n") {
				t.Errorf("Compare() =\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(tt.want, "\n"))
			}
			if strings.Join(security, " ") != strings.Join(tt.security, " ") {
				t.Errorf("Compare() security-relevant = %q, want %q", security, tt.security)
			}
		})
	}
}

// A change of DeletionPolicy or UpdateReplacePolicy is security-relevant
// on any resource: it decides whether data outlives the stack.
func TestRetentionChanged(t *testing.T) {
	old := parse(t, `"Resources": {
		"B": {"Type": "AWS::S3::Bucket", "DeletionPolicy": "Retain", "UpdateReplacePolicy": "Retain"},
		"L": {"Type": "AWS::Logs::LogGroup", "Properties": {"RetentionInDays": 30}},
		"Q": {"Type": "AWS::SQS::Queue", "DeletionPolicy": "Delete"}}`)
	new := parse(t, `"Resources": {
		"B": {"Type": "AWS::S3::Bucket", "DeletionPolicy": "Delete", "UpdateReplacePolicy": "Delete"},
		"L": {"Type": "AWS::Logs::LogGroup", "Properties": {"RetentionInDays": 30}, "DeletionPolicy": "Retain"},
		"Q": {"Type": "AWS::SQS::Queue"}}`)
	d := cfndiff.Compare(old, new)
	var b strings.Builder
	if err := cfndiff.WriteMarkdown(&b, "a", "b", d); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, want := range []string{
		"**2 security-relevant change(s)**",
		"**Replacements and retention**\n\n" +
			"- **RETENTION** `B` (AWS::S3::Bucket): `DeletionPolicy` `Retain` → `Delete` (removed from the template, or with the stack, it is now deleted); `UpdateReplacePolicy` `Retain` → `Delete` (replaced, the old one is now deleted).\n" +
			"- **RETENTION** `L` (AWS::Logs::LogGroup): `DeletionPolicy` added `Retain` (removed from the template, or with the stack, it is now kept).\n\n",
		// Delete is the default: saying so changes nothing.
		"- changed `Q` (AWS::SQS::Queue)\n  - `(DeletionPolicy)`: removed `Delete`\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("WriteMarkdown() lacks %q:\n%s", want, out)
		}
	}
}

func TestOrphanInMarkdown(t *testing.T) {
	old := parse(t, `"Resources": {"L": {"Type": "AWS::Logs::LogGroup", "DeletionPolicy": "Retain"}, "Q": {"Type": "AWS::SQS::Queue"}}`)
	var b strings.Builder
	if err := cfndiff.WriteMarkdown(&b, "a", "b", cfndiff.Compare(old, parse(t, `"Resources": {}`))); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, want := range []string{
		"**1 security-relevant change(s)**",
		"**Replacements and retention**\n\n- **ORPHANED** `L` (AWS::Logs::LogGroup): removed from the template, but kept, by DeletionPolicy Retain: it stays in the account, outside the stack.\n",
		"#### Removed resources\n\n- removed `L` (AWS::Logs::LogGroup), **ORPHANED**: see Security review\n- removed `Q` (AWS::SQS::Queue)\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("WriteMarkdown() lacks %q:\n%s", want, out)
		}
	}
}
