package cfndiff_test

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/privates3/privates3/app/templatediff/cfndiff"
)

var update = flag.Bool("update", false, "rewrite testdata/diff.md from the current output")

// testdata/old.template.json is the default configuration, with the
// CDKMetadata resource, construct paths and some cdk-nag suppressions that
// CDK writes; new.template.json changes IAM (an action, a managed policy, a
// trust principal), the bucket policy, the endpoint policy and the security
// group, names the bucket (which replaces it and its policy, and leaves the
// old one behind), lets the uploader's log group go with the stack, changes
// the uploader's memory and timeout, removes the control's (retained) log
// group and adds a queue; it adds a cdk-nag suppression, removes one and
// rewords one, moves a construct (a new path, nothing else) and changes
// the outputs.
func TestGolden(t *testing.T) {
	old, err := cfndiff.Load(filepath.Join("testdata", "old.template.json"))
	if err != nil {
		t.Fatal(err)
	}
	new, err := cfndiff.Load(filepath.Join("testdata", "new.template.json"))
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	if err := cfndiff.WriteMarkdown(&b, "old.template.json", "new.template.json", cfndiff.Compare(old, new)); err != nil {
		t.Fatal(err)
	}
	golden := filepath.Join("testdata", "diff.md")
	if *update {
		if err := os.WriteFile(golden, []byte(b.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run go test ./app/templatediff/... -update to create it)", err)
	}
	if b.String() != string(want) {
		t.Errorf("WriteMarkdown() differs from %s (if intended, refresh with -update and review the diff):\n%s", golden, b.String())
	}

	// Whatever the golden file says, a security reviewer's order holds:
	// IAM first, then the resource policies, before any plain list.
	out := b.String()
	order := []string{
		"#### Security review",
		"**Replacements and retention**",
		"- **ORPHANED** `ControlLogs7AC46C76` (AWS::Logs::LogGroup)",
		"- **REPLACED** `Storage6B64FB91` (AWS::S3::Bucket): `BucketName` changed",
		"The old one is kept, by UpdateReplacePolicy Retain",
		"- **REPLACED** `StoragePolicyFA2733C0` (AWS::S3::BucketPolicy): `Bucket` refers to `Storage6B64FB91`",
		"- **RETENTION** `UploaderLogsFAAF6A61` (AWS::Logs::LogGroup): `DeletionPolicy` `Retain` → `Delete`",
		"**IAM",
		"- changed `ControlFunctionServiceRole39EB3E59` (AWS::IAM::Role)",
		"**Bucket and access point policies**",
		"**VPC endpoint",
		"**Security groups**",
		"**cdk-nag suppressions (added or removed)**",
		"  - added `AwsSolutions-IAM4`",
		"  - removed `Serverless-LambdaDLQ`",
		"#### Added resources",
		"- added `AuditQueue4E2B1C8D` (AWS::SQS::Queue)",
		"#### Removed resources",
		"- removed `ControlLogs7AC46C76` (AWS::Logs::LogGroup)",
		"#### Changed resources",
		"  - `MemorySize`: `256` → `512`",
		"#### Outputs",
		"- added `AuditQueueUrl`",
		"- changed `BucketName`: its value `Ref(Storage6B64FB91)` changes: `Storage6B64FB91` is replaced",
		"- removed `EndpointId`",
	}
	for _, noise := range []string{"CDKMetadata", "aws:cdk:path", "PrivateS3-dev/"} {
		if strings.Contains(out, noise) {
			t.Errorf("output mentions %q, which CDK writes without changing what is deployed:\n%s", noise, out)
		}
	}
	at := 0
	for _, s := range order {
		i := strings.Index(out[at:], s)
		if i < 0 {
			t.Fatalf("output lacks %q after position %d:\n%s", s, at, out)
		}
		at += i + len(s)
	}
}

func TestCompare(t *testing.T) {
	tmpl := func(resources string) *cfndiff.Template {
		t.Helper()
		tm, err := cfndiff.Parse("test", []byte(`{"Resources": {`+resources+`}}`))
		if err != nil {
			t.Fatal(err)
		}
		return tm
	}
	tests := []struct {
		name     string
		old, new string
		category cfndiff.Category
		want     []string // "path: old → new" as rendered
	}{
		{
			name:     "statement matched by Sid, not position",
			old:      `"P": {"Type": "AWS::S3::BucketPolicy", "Properties": {"PolicyDocument": {"Statement": [{"Sid": "A", "Effect": "Deny"}, {"Sid": "B", "Effect": "Deny"}]}}}`,
			new:      `"P": {"Type": "AWS::S3::BucketPolicy", "Properties": {"PolicyDocument": {"Statement": [{"Sid": "B", "Effect": "Allow"}]}}}`,
			category: cfndiff.BucketPolicy,
			want:     []string{"PolicyDocument.Statement[Sid=A]: {Effect: Deny, Sid: A} → -", "PolicyDocument.Statement[Sid=B].Effect: Deny → Allow"},
		},
		{
			name:     "inserted list item is one addition",
			old:      `"R": {"Type": "AWS::IAM::Role", "Properties": {"ManagedPolicyArns": ["a", "b"]}}`,
			new:      `"R": {"Type": "AWS::IAM::Role", "Properties": {"ManagedPolicyArns": ["x", "a", "b"]}}`,
			category: cfndiff.IAM,
			want:     []string{"ManagedPolicyArns[]: - → x"},
		},
		{
			name:     "intrinsic function is one value",
			old:      `"R": {"Type": "AWS::IAM::Policy", "Properties": {"PolicyDocument": {"Statement": [{"Resource": {"Fn::GetAtt": ["Bucket", "Arn"]}}]}}}`,
			new:      `"R": {"Type": "AWS::IAM::Policy", "Properties": {"PolicyDocument": {"Statement": [{"Resource": {"Fn::Join": ["", [{"Fn::GetAtt": ["Bucket", "Arn"]}, "/*"]]}}]}}}`,
			category: cfndiff.IAM,
			want:     []string{"PolicyDocument.Statement[0].Resource: Bucket.Arn → ${Bucket.Arn}/*"},
		},
		{
			name:     "function leaving the VPC is security-relevant",
			old:      `"F": {"Type": "AWS::Lambda::Function", "Properties": {"MemorySize": 256, "VpcConfig": {"SubnetIds": [{"Ref": "S"}]}}}`,
			new:      `"F": {"Type": "AWS::Lambda::Function", "Properties": {"MemorySize": 256}}`,
			category: cfndiff.FunctionAccess,
			want:     []string{"VpcConfig: {SubnetIds: [Ref(S)]} → -"},
		},
		{
			name:     "memory is not",
			old:      `"F": {"Type": "AWS::Lambda::Function", "Properties": {"MemorySize": 256}}`,
			new:      `"F": {"Type": "AWS::Lambda::Function", "Properties": {"MemorySize": 512}}`,
			category: "",
			want:     []string{"MemorySize: 256 → 512"},
		},
		{
			// Security-relevant too, but under the retention warnings
			// (TestRetentionChanged), for every type.
			name:     "bucket retention is not a bucket setting",
			old:      `"B": {"Type": "AWS::S3::Bucket", "DeletionPolicy": "Retain"}`,
			new:      `"B": {"Type": "AWS::S3::Bucket", "DeletionPolicy": "Delete"}`,
			category: "",
			want:     []string{"(DeletionPolicy): Retain → Delete"},
		},
		{
			name:     "tags matched by key",
			old:      `"G": {"Type": "AWS::EC2::SecurityGroup", "Properties": {"Tags": [{"Key": "a", "Value": "1"}, {"Key": "b", "Value": "2"}]}}`,
			new:      `"G": {"Type": "AWS::EC2::SecurityGroup", "Properties": {"Tags": [{"Key": "b", "Value": "3"}, {"Key": "a", "Value": "1"}]}}`,
			category: cfndiff.SecurityGroup,
			want:     []string{"Tags[Key=b].Value: 2 → 3"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			changes := cfndiff.Compare(tmpl(tt.old), tmpl(tt.new)).Resources
			if len(changes) != 1 {
				t.Fatalf("Compare() = %d changes, want 1: %+v", len(changes), changes)
			}
			c := changes[0]
			if c.Kind != cfndiff.Modified || c.Category != tt.category {
				t.Errorf("Compare() kind %q category %q, want changed, %q", c.Kind, c.Category, tt.category)
			}
			var got []string
			for _, p := range c.Properties {
				o, n := "-", "-"
				if p.HasOld {
					o = cfndiff.Render(p.Old)
				}
				if p.HasNew {
					n = cfndiff.Render(p.New)
				}
				got = append(got, p.Path+": "+o+" → "+n)
			}
			if strings.Join(got, "\n") != strings.Join(tt.want, "\n") {
				t.Errorf("Compare() properties =\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(tt.want, "\n"))
			}
		})
	}
}

func TestNoChanges(t *testing.T) {
	old, err := cfndiff.Load(filepath.Join("testdata", "old.template.json"))
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	cfndiff.WriteMarkdown(&b, "a", "b", cfndiff.Compare(old, old))
	if !strings.Contains(b.String(), "No resource changes.") {
		t.Errorf("WriteMarkdown(same template) = %q, want it to say no resource changes", b.String())
	}
}

func TestLoadRefuses(t *testing.T) {
	dir := t.TempDir()
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	tests := []struct{ path, want string }{
		{filepath.Join(dir, "missing.json"), "missing.json: no such file"},
		{write("invalid.json", `{"Resources": {`), "invalid.json: not valid JSON"},
		{write("package.json", `{"name": "privates3"}`), "package.json: not a CloudFormation template: no Resources object"},
		{write("untyped.json", `{"Resources": {"X": {"Properties": {}}}}`), "untyped.json: not a CloudFormation template: resource X has no Type"},
		{write("list.json", `[1, 2]`), "list.json: not a CloudFormation template: not a JSON object"},
		{write("empty.json", ``), "empty.json: not valid JSON: unexpected end of JSON input"},
		{dir, "read " + dir + ": is a directory"},
		{write("resources.json", `{"Resources": ["a"]}`), "resources.json: not a CloudFormation template: Resources is not an object"},
		{write("outputs.json", `{"Resources": {}, "Outputs": ["a"]}`), "outputs.json: not a CloudFormation template: Outputs is not an object"},
		{write("output.json", `{"Resources": {}, "Outputs": {"A": "x"}}`), "output.json: output A is not an object"},
		{write("nag.json", `{"Resources": {"X": {"Type": "AWS::SQS::Queue", "Metadata": {"cdk_nag": {"rules_to_suppress": "all"}}}}}`),
			"nag.json: resource X: Metadata.cdk_nag: json: cannot unmarshal string"},
		{write("nagid.json", `{"Resources": {"X": {"Type": "AWS::SQS::Queue", "Metadata": {"cdk_nag": {"rules_to_suppress": [{"reason": "r"}]}}}}}`),
			"nagid.json: resource X: Metadata.cdk_nag.rules_to_suppress[0] has no id"},
	}
	for _, tt := range tests {
		_, err := cfndiff.Load(tt.path)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("Load(%q) error = %v, want it to contain %q", tt.path, err, tt.want)
		} else if strings.Contains(err.Error(), "\n") {
			t.Errorf("Load(%q) error = %q, want one line", tt.path, err)
		}
	}
}
