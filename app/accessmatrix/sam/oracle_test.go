package sam_test

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/privates3/privates3/app/accessmatrix/cfn/cfnyaml"
	"github.com/privates3/privates3/app/accessmatrix/sam"
)

// The oracle is aws-sam-translator 1.110.0, the library the SAM transform
// runs, installed with Python on these machines and CI. One Python process
// translates every template (about a second in all); nothing of it runs
// outside tests. It needs a region for the partition (us-east-1: aws) and
// no network: the managed-policy loader is a stub, so only the names the
// translator bundles resolve, as in the Go expansion.
const oracleScript = `
import datetime, json, sys
import samtranslator
from samtranslator.translator.transform import transform
from samtranslator.yaml_helper import yaml_parse
from samtranslator.internal.managed_policies import get_bundled_managed_policy_map
import samtranslator.policy_templates_data as ptd, os

class NoLookups:
    def load(self):
        return {}

def no_dates(v):
    # PyYAML reads 2012-10-17 as a date; CloudFormation has no timestamp
    # type and passes the text, which is what the translator receives.
    if isinstance(v, dict):
        return {k: no_dates(e) for k, e in v.items()}
    if isinstance(v, list):
        return [no_dates(e) for e in v]
    if isinstance(v, (datetime.date, datetime.datetime)):
        return v.isoformat()
    return v

req = json.load(sys.stdin)
out = {"version": samtranslator.__version__, "templates": {}}
for name, text in req["templates"].items():
    try:
        out["templates"][name] = transform(no_dates(yaml_parse(text)), {}, NoLookups())
    except Exception as e:
        out["templates"][name] = {"error": str(e)}
out["managed"] = get_bundled_managed_policy_map("aws")
with open(os.path.join(os.path.dirname(ptd.__file__), "policy_templates.json")) as f:
    out["policy_templates"] = json.load(f)["Templates"]
json.dump(out, sys.stdout, default=str)
`

type oracleOutput struct {
	Version         string                    `json:"version"`
	Templates       map[string]map[string]any `json:"templates"`
	Managed         map[string]string         `json:"managed"`
	PolicyTemplates map[string]struct {
		Definition map[string]any `json:"Definition"`
	} `json:"policy_templates"`
}

var (
	oracleOnce sync.Once
	oracleOut  *oracleOutput
	oracleErr  string
)

// oracle translates oracleTemplates with aws-sam-translator, once per test
// binary. Without Python or the translator the tests skip, except on CI,
// where the translator is part of the machine.
func oracle(t *testing.T) *oracleOutput {
	t.Helper()
	oracleOnce.Do(func() {
		py, err := exec.LookPath("python3")
		if err != nil {
			oracleErr = "python3 not found"
			return
		}
		req, _ := json.Marshal(map[string]any{"templates": oracleTemplates})
		cmd := exec.Command(py, "-c", oracleScript)
		cmd.Stdin = bytes.NewReader(req)
		cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + os.TempDir(), "AWS_DEFAULT_REGION=us-east-1", "AWS_EC2_METADATA_DISABLED=true", "AWS_CONFIG_FILE=/dev/null", "AWS_SHARED_CREDENTIALS_FILE=/dev/null"}
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		stdout, err := cmd.Output()
		if err != nil {
			oracleErr = "aws-sam-translator: " + err.Error() + ": " + lastLine(stderr.String())
			return
		}
		var o oracleOutput
		if err := json.Unmarshal(stdout, &o); err != nil {
			oracleErr = "oracle output: " + err.Error()
			return
		}
		oracleOut = &o
	})
	if oracleOut == nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("SAM oracle unavailable on CI: %s", oracleErr)
		}
		t.Skipf("SAM oracle unavailable: %s", oracleErr)
	}
	if oracleOut.Version != "1.110.0" {
		t.Fatalf("aws-sam-translator %s installed, the expansion follows 1.110.0", oracleOut.Version)
	}
	return oracleOut
}

func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return lines[len(lines)-1]
}

// oracleTemplates are SAM templates written for these tests; each one
// exercises a part of the expansion.
var oracleTemplates = map[string]string{
	"policies": `Transform: AWS::Serverless-2016-10-31
Parameters:
  DataBucketName: {Type: String, Default: my-data}
Resources:
  Data:
    Type: AWS::S3::Bucket
    Properties: {BucketName: !Ref DataBucketName}
  Reader:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.12
      Handler: index.handler
      InlineCode: pass
      Policies:
        - S3ReadPolicy: {BucketName: !Ref Data}
        - S3WritePolicy: {BucketName: literal-bucket}
        - S3CrudPolicy:
            BucketName: !Sub '${AWS::StackName}-crud'
        - S3FullAccessPolicy: {BucketName: !Ref DataBucketName}
        - DynamoDBCrudPolicy: {TableName: t}
        - AmazonS3ReadOnlyAccess
        - AWSLambdaExecute
        - AWSLambdaBasicExecutionRole
        - arn:aws:iam::123456789012:policy/Custom
        - !Sub 'arn:${AWS::Partition}:iam::${AWS::AccountId}:policy/Other'
        - Version: 2012-10-17
          Statement:
            - Effect: Allow
              Action: [s3:GetObject, s3:PutObject]
              Resource: !Sub '${Data.Arn}/*'
`,
	"globals": `Transform: AWS::Serverless-2016-10-31
Globals:
  Function:
    Runtime: python3.12
    Handler: index.handler
    Tracing: Active
    Environment: {Variables: {STAGE: dev, BUCKET: a}}
    VpcConfig:
      SecurityGroupIds: [sg-1]
      SubnetIds: [subnet-1, subnet-2]
    RolePath: /app/
Resources:
  InVpc:
    Type: AWS::Serverless::Function
    Properties:
      InlineCode: pass
      Environment: {Variables: {BUCKET: b}}
      VpcConfig: {SubnetIds: [subnet-3]}
      Policies: {S3CrudPolicy: {BucketName: x}}
  NotInVpc:
    Type: AWS::Serverless::Function
    IgnoreGlobals: [VpcConfig, Tracing]
    Properties:
      InlineCode: pass
      Policies: {Statement: [{Effect: Allow, Action: s3:ListBucket, Resource: arn:aws:s3:::x}]}
  Bare:
    Type: AWS::Serverless::Function
    IgnoreGlobals: '*'
    Properties: {Runtime: nodejs22.x, Handler: index.handler, InlineCode: x}
`,
	"roles": `Transform: AWS::Serverless-2016-10-31
Parameters:
  UseOwnRole: {Type: String, Default: 'no'}
Conditions:
  OwnRole: !Equals [!Ref UseOwnRole, 'yes']
  Deploy: !Equals [!Ref 'AWS::Region', us-east-1]
Resources:
  Given:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.12
      Handler: index.handler
      InlineCode: pass
      Role: arn:aws:iam::123456789012:role/existing
      Policies: [AmazonS3FullAccess]
  MaybeCreated:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.12
      Handler: index.handler
      InlineCode: pass
      Role: !If [OwnRole, arn:aws:iam::123456789012:role/own, !Ref 'AWS::NoValue']
      Policies: [S3ReadPolicy: {BucketName: b}]
  CreatedWhenTrue:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.12
      Handler: index.handler
      InlineCode: pass
      Role: !If [OwnRole, !Ref 'AWS::NoValue', arn:aws:iam::123456789012:role/own]
  Conditional:
    Type: AWS::Serverless::Function
    Condition: Deploy
    Properties:
      Runtime: python3.12
      Handler: index.handler
      InlineCode: pass
      DeadLetterQueue: {Type: SQS, TargetArn: arn:aws:sqs:us-east-1:123456789012:dlq}
      PermissionsBoundary: arn:aws:iam::123456789012:policy/boundary
      AssumeRolePolicyDocument:
        Statement: [{Effect: Allow, Principal: {Service: lambda.amazonaws.com}, Action: sts:AssumeRole}]
      Policies:
        - !If [OwnRole, S3WritePolicy: {BucketName: w}, !Ref 'AWS::NoValue']
        - !If [OwnRole, AmazonS3ReadOnlyAccess, !Ref 'AWS::NoValue']
`,
}

// TestExpansionMatchesTranslator checks, function by function, that the
// expansion gives the Lambda function's Role, VpcConfig and Condition, and
// the created role's policies, managed policy ARNs, trust policy, path,
// boundary and condition, exactly as aws-sam-translator does. The policy
// templates that grant no s3: action are the one thing left out on
// purpose; they are skipped on the translator's side.
func TestExpansionMatchesTranslator(t *testing.T) {
	o := oracle(t)
	for _, name := range slices.Sorted(mapsKeys(oracleTemplates)) {
		t.Run(name, func(t *testing.T) {
			want := o.Templates[name]
			if e, ok := want["error"]; ok {
				t.Fatalf("aws-sam-translator refused the test template: %v", e)
			}
			raw, err := cfnyaml.Decode(name+".yaml", []byte(oracleTemplates[name]))
			if err != nil {
				t.Fatal(err)
			}
			res, err := sam.Expand(raw)
			if err != nil {
				t.Fatal(err)
			}
			got := normalize(res.Template).(map[string]any)
			wantRes := want["Resources"].(map[string]any)
			gotRes := got["Resources"].(map[string]any)
			in := raw["Resources"].(map[string]any)
			for _, id := range slices.Sorted(mapsKeys(in)) {
				if in[id].(map[string]any)["Type"] != "AWS::Serverless::Function" {
					continue
				}
				w, g := wantRes[id].(map[string]any), gotRes[id].(map[string]any)
				compare(t, id, w, g, "Type", "Condition")
				compare(t, id, w["Properties"].(map[string]any), g["Properties"].(map[string]any), "Role", "VpcConfig", "Environment", "Runtime")
				roleID := id + "Role"
				wr, inWant := wantRes[roleID].(map[string]any)
				gr, inGot := gotRes[roleID].(map[string]any)
				if inWant != inGot {
					t.Errorf("%s: role %s created = %v, translator: %v", id, roleID, inGot, inWant)
					continue
				}
				if !inWant {
					continue
				}
				compare(t, roleID, wr, gr, "Type", "Condition")
				wp, gp := wr["Properties"].(map[string]any), gr["Properties"].(map[string]any)
				wp["Policies"] = withoutOtherTemplates(wp["Policies"], roleID, in[id])
				compare(t, roleID, wp, gp, "Policies", "ManagedPolicyArns", "AssumeRolePolicyDocument", "Path", "PermissionsBoundary")
			}
			compare(t, "template", want, got, "Conditions")
		})
	}
}

func compare(t *testing.T, where string, want, got map[string]any, keys ...string) {
	t.Helper()
	for _, k := range keys {
		if !reflect.DeepEqual(want[k], got[k]) {
			w, _ := json.Marshal(want[k])
			g, _ := json.Marshal(got[k])
			t.Errorf("%s %s:\n got  %s\n want %s (aws-sam-translator)", where, k, g, w)
		}
	}
}

// withoutOtherTemplates drops from the translator's inline policies those
// that come from a policy template without S3 actions, which the
// expansion only notes.
func withoutOtherTemplates(policies any, roleID string, fn any) any {
	list, ok := policies.([]any)
	if !ok {
		return policies
	}
	in, _ := fn.(map[string]any)["Properties"].(map[string]any)["Policies"].([]any)
	var out []any
	for _, p := range list {
		name, _ := p.(map[string]any)["PolicyName"].(string)
		var i int
		if n, found := strings.CutPrefix(name, roleID+"Policy"); found && json.Unmarshal([]byte(n), &i) == nil && i < len(in) {
			if m, ok := in[i].(map[string]any); ok && len(m) == 1 && !strings.HasPrefix(firstKey(m), "S3") && firstKey(m) != "Statement" && !strings.HasPrefix(firstKey(m), "Fn::") {
				continue
			}
		}
		out = append(out, p)
	}
	if out == nil {
		return nil
	}
	return out
}

func firstKey(m map[string]any) string {
	for k := range m {
		return k
	}
	return ""
}

// normalize writes the expansion's managed policy ARNs,
// {"Fn::Sub": "arn:${AWS::Partition}:iam::aws:policy/..."}, the way the
// translator does for us-east-1, "arn:aws:iam::aws:policy/...".
func normalize(v any) any {
	switch x := v.(type) {
	case map[string]any:
		if s, ok := x["Fn::Sub"].(string); ok && len(x) == 1 && strings.HasPrefix(s, "arn:${AWS::Partition}:iam::aws:policy/") {
			return strings.Replace(s, "${AWS::Partition}", "aws", 1)
		}
		out := map[string]any{}
		for k, e := range x {
			out[k] = normalize(e)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = normalize(e)
		}
		return out
	}
	return v
}

func mapsKeys[M ~map[string]V, V any](m M) func(func(string) bool) {
	return func(yield func(string) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}

// TestManagedPoliciesMatchTranslator checks the bundled name-to-ARN table
// against the installed translator's.
func TestManagedPoliciesMatchTranslator(t *testing.T) {
	o := oracle(t)
	tmpl := map[string]any{"Resources": map[string]any{}}
	res := tmpl["Resources"].(map[string]any)
	var names []string
	for name := range o.Managed {
		names = append(names, name)
	}
	slices.Sort(names)
	for i, name := range names {
		res["F"+itoa(i)] = map[string]any{"Type": "AWS::Serverless::Function", "Properties": map[string]any{"Policies": name}}
	}
	out, err := sam.Expand(tmpl)
	if err != nil {
		t.Fatal(err)
	}
	for i, name := range names {
		role := out.Template["Resources"].(map[string]any)["F"+itoa(i)+"Role"].(map[string]any)
		arns := normalize(role["Properties"].(map[string]any)["ManagedPolicyArns"]).([]any)
		if !slices.Contains(arns, any(o.Managed[name])) {
			t.Errorf("Policies: %s gives %v, want %s among them (aws-sam-translator)", name, arns, o.Managed[name])
		}
	}
	if len(names) < 1000 {
		t.Errorf("translator bundles %d managed policies; expected over 1000", len(names))
	}
}

func itoa(i int) string {
	b, _ := json.Marshal(i)
	return string(b)
}

// TestPolicyTemplatesMatchTranslator checks that the four S3 templates are
// the translator's, and that none of its other templates names an s3:
// action (so leaving them unexpanded changes no S3 decision).
func TestPolicyTemplatesMatchTranslator(t *testing.T) {
	o := oracle(t)
	known := 0
	for name, def := range o.PolicyTemplates {
		doc, _ := json.Marshal(def.Definition)
		isS3 := strings.Contains(strings.ToLower(string(doc)), `"s3:`)
		tmpl := map[string]any{"Resources": map[string]any{"F": map[string]any{
			"Type":       "AWS::Serverless::Function",
			"Properties": map[string]any{"Policies": []any{map[string]any{name: map[string]any{"BucketName": "b"}}}},
		}}}
		res, err := sam.Expand(tmpl)
		if err != nil {
			t.Errorf("policy template %s: %v", name, err)
			continue
		}
		known++
		role := res.Template["Resources"].(map[string]any)["FRole"].(map[string]any)["Properties"].(map[string]any)
		pols, expanded := role["Policies"].([]any)
		if expanded != isS3 {
			t.Errorf("policy template %s: expanded = %v, but it names s3: actions = %v", name, expanded, isS3)
			continue
		}
		if !expanded {
			continue
		}
		var want any
		b, _ := json.Marshal(def.Definition)
		b = bytes.ReplaceAll(b, []byte(`{"Ref":"BucketName"}`), []byte(`"b"`))
		_ = json.Unmarshal(b, &want)
		got := pols[0].(map[string]any)["PolicyDocument"]
		if !reflect.DeepEqual(got, want) {
			g, _ := json.Marshal(got)
			t.Errorf("policy template %s = %s, want %s", name, g, b)
		}
	}
	if known != len(o.PolicyTemplates) || known < 80 {
		t.Errorf("recognised %d of the translator's %d policy templates", known, len(o.PolicyTemplates))
	}
}
