package cfndiff_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/privates3/privates3/app/templatediff/cfndiff"
)

func TestOutputs(t *testing.T) {
	const resources = `"Resources": {"B": {"Type": "AWS::S3::Bucket"}, "Q": {"Type": "AWS::SQS::Queue"}}`
	tests := []struct {
		name     string
		old, new string // Outputs
		want     []string
	}{
		{"added", `{}`, `{"QueueUrl": {"Value": {"Ref": "Q"}}}`, []string{"added QueueUrl"}},
		{"removed", `{"QueueUrl": {"Value": {"Ref": "Q"}}}`, `{}`, []string{"removed QueueUrl"}},
		{"value changed", `{"Name": {"Value": {"Ref": "Q"}}}`, `{"Name": {"Value": {"Ref": "B"}}}`, []string{"changed Name: Value: Ref(Q) → Ref(B)"}},
		{"description changed", `{"Name": {"Value": "x", "Description": "old"}}`, `{"Name": {"Value": "x", "Description": "new"}}`, []string{"changed Name: Description: old → new"}},
		{"an exported output removed", `{"Arn": {"Value": {"Fn::GetAtt": ["Q", "Arn"]}, "Export": {"Name": "QueueArn"}}}`, `{}`, []string{"removed Arn export QueueArn"}},
		{"an exported output's value changed", `{"Arn": {"Value": "a", "Export": {"Name": "X"}}}`, `{"Arn": {"Value": "b", "Export": {"Name": "X"}}}`, []string{"changed Arn: Value: a → b export X"}},
		{"unchanged", `{"Name": {"Value": {"Ref": "Q"}}}`, `{"Name": {"Value": {"Ref": "Q"}}}`, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := cfndiff.Compare(parse(t, resources+`, "Outputs": `+tt.old), parse(t, resources+`, "Outputs": `+tt.new))
			got := describeOutputs(d)
			if strings.Join(got, "\n") != strings.Join(tt.want, "\n") {
				t.Errorf("Compare() outputs =\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(tt.want, "\n"))
			}
			if len(d.Resources) != 0 {
				t.Errorf("Compare() resources = %+v, want none", d.Resources)
			}
		})
	}

	// The text is the same, but the bucket behind it is a new one.
	old := parse(t, `"Resources": {"B": {"Type": "AWS::S3::Bucket"}}, "Outputs": {"BucketName": {"Value": {"Ref": "B"}}}`)
	new := parse(t, `"Resources": {"B": {"Type": "AWS::S3::Bucket", "Properties": {"BucketName": "b"}}}, "Outputs": {"BucketName": {"Value": {"Ref": "B"}}}`)
	if got := describeOutputs(cfndiff.Compare(old, new)); strings.Join(got, "\n") != "changed BucketName replaced B" {
		t.Errorf("Compare(bucket replaced) outputs = %q, want the output changed because B is replaced", got)
	}
}

func describeOutputs(d *cfndiff.Diff) []string {
	var out []string
	for _, o := range d.Outputs {
		s := string(o.Kind) + " " + o.Name
		for i, p := range o.Properties {
			sep := ", "
			if i == 0 {
				sep = ": "
			}
			s += fmt.Sprintf("%s%s: %s → %s", sep, p.Path, cfndiff.Render(p.Old), cfndiff.Render(p.New))
		}
		if len(o.Replaced) > 0 {
			s += " replaced " + strings.Join(o.Replaced, " ")
		}
		if o.Export != nil {
			s += " export " + cfndiff.Render(o.Export)
		}
		out = append(out, s)
	}
	return out
}

func TestOutputsInMarkdown(t *testing.T) {
	old := parse(t, `"Resources": {"B": {"Type": "AWS::S3::Bucket"}, "Q": {"Type": "AWS::SQS::Queue"}},
		"Outputs": {"BucketName": {"Value": {"Ref": "B"}}, "EndpointId": {"Value": "vpce-1", "Export": {"Name": "Endpoint"}}, "QueueName": {"Value": {"Ref": "Q"}, "Description": "The queue"}}`)
	new := parse(t, `"Resources": {"B": {"Type": "AWS::S3::Bucket", "Properties": {"BucketName": "b"}}, "Q": {"Type": "AWS::SQS::Queue"}},
		"Outputs": {"BucketName": {"Value": {"Ref": "B"}}, "QueueArn": {"Value": {"Fn::GetAtt": ["Q", "Arn"]}}, "QueueName": {"Value": {"Ref": "Q"}, "Description": "The audit queue"}}`)
	var b strings.Builder
	if err := cfndiff.WriteMarkdown(&b, "a", "b", cfndiff.Compare(old, new)); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, want := range []string{
		"; 0 resource(s) added, 0 removed, 1 changed; 1 output(s) added, 1 removed, 2 changed.\n",
		"#### Outputs\n\n" +
			"- changed `BucketName`: its value `Ref(B)` changes: `B` is replaced\n" +
			"- removed `EndpointId`: was `vpce-1`; exported as `Endpoint`: CloudFormation refuses to remove or change it while another stack imports it\n" +
			"- added `QueueArn`: `Q.Arn`\n" +
			"- changed `QueueName`\n  - `Description`: `The queue` → `The audit queue`\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("WriteMarkdown() lacks %q:\n%s", want, out)
		}
	}

	// Outputs alone are changes too.
	b.Reset()
	only := parse(t, `"Resources": {"Q": {"Type": "AWS::SQS::Queue"}}, "Outputs": {"QueueArn": {"Value": {"Fn::GetAtt": ["Q", "Arn"]}}}`)
	cfndiff.WriteMarkdown(&b, "a", "b", cfndiff.Compare(parse(t, `"Resources": {"Q": {"Type": "AWS::SQS::Queue"}}`), only))
	if out := b.String(); !strings.Contains(out, "No resource changes; 1 output(s) added, 0 removed, 0 changed.") || !strings.Contains(out, "- added `QueueArn`") {
		t.Errorf("WriteMarkdown(outputs only) =\n%s\nwant no resource changes and the output", out)
	}
}
