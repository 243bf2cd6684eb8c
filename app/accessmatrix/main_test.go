package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestRun(t *testing.T) {
	private := filepath.Join("testdata", "four-subnets-private.template.json")
	bad := filepath.Join(t.TempDir(), "bad.template.json")
	if err := os.WriteFile(bad, []byte(`{"Resources":{"F":{"Type":"AWS::Lambda::Function","Properties":{"Role":{"Fn::GetAtt":["Missing","Arn"]}}}}}`), 0o644); err != nil {
		t.Fatal(err)
	}
	external := filepath.Join(t.TempDir(), "external.template.json")
	if err := os.WriteFile(external, []byte(`{"Resources":{
	  "E":{"Type":"AWS::EC2::VPCEndpoint","Properties":{"VpcId":"vpc-1","ServiceName":"com.amazonaws.eu-west-1.s3","RouteTableIds":["rtb-0a"]}},
	  "R":{"Type":"AWS::IAM::Role","Properties":{"AssumeRolePolicyDocument":{},"Policies":[{"PolicyName":"p","PolicyDocument":{"Statement":[{"Effect":"Allow","Action":"s3:PutObject","Resource":"*"}]}}]}},
	  "B":{"Type":"AWS::S3::Bucket"},
	  "F":{"Type":"AWS::Lambda::Function","Properties":{"Role":{"Fn::GetAtt":["R","Arn"]},"VpcConfig":{"SubnetIds":["subnet-0a"],"SecurityGroupIds":[]}}}}}`), 0o644); err != nil {
		t.Fatal(err)
	}
	// The app's invariants are app/invariants' (over the logical ids of
	// the stack it checks); the command takes any such file, globs and all.
	expectMet := filepath.Join(t.TempDir(), "met.json")
	if err := os.WriteFile(expectMet, []byte(`[
	  {"function":"Uploader*","bucket":"Storage6B64FB91","action":"s3:PutObject","path":"vpc-endpoint","decision":"allowed"},
	  {"function":"Control*","bucket":"Storage6B64FB91","action":"s3:PutObject","path":"internet","decision":"explicit-deny"}
	]`), 0o644); err != nil {
		t.Fatal(err)
	}
	expectFail := filepath.Join(t.TempDir(), "expect.json")
	if err := os.WriteFile(expectFail, []byte(`[
	  {"function":"Nat*","action":"s3:PutObject","decision":"allowed","why":"demo"},
	  {"function":"Endpoint*","action":"s3:GetObject","path":"vpc-endpoint","decision":"allowed"}
	]`), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name       string
		args       []string
		wantCode   int
		wantOut    string
		wantErr    string
		jsonOutput bool
	}{
		{"summary by default", []string{private}, 0, "  EndpointFunction (vpc-endpoint S3Endpoint): 4 allowed: s3:GetObject, s3:ListBucket, s3:PutObject, s3:PutObjectTagging\n      102 implicit-deny\n", "", false},
		{"summary of every action", []string{private}, 0, "  @console (internet): 0 of 106 S3 actions allowed\n      106 explicit-deny by bucket policy DataPolicy statement \"DenyOutsideEndpoint\"\n", "", false},
		{"summary of the app", []string{filepath.Join("testdata", "cdk-privates3-dev.template.json")}, 0, "  @deployer (internet): bucket-level only (62 of 62 bucket actions, 0 of 44 object actions)\n", "", false},
		{"two stages: a bucket's rows under its template, the other's functions by theirs", []string{filepath.Join("testdata", "stages", "devPrivateS3dev38B48B8E.template.json"), filepath.Join("testdata", "stages", "prodPrivateS3prodD8827722.template.json")}, 0, "prodPrivateS3prodD8827722.template.json: bucket Storage6B64FB91\n  devPrivateS3dev38B48B8E.template.json ControlFunction8A0764F3 (internet): 0 of 106 S3 actions allowed\n", "", false},
		{"summary of chosen actions", []string{"--action", "s3:GetObject", "--action", "s3:PutBucketPolicy", private}, 0, "  OutsideFunction (internet): 0 of 2 S3 actions allowed\n", "", false},
		{"rows", []string{"--rows", "--action", "s3:PutObject", private}, 0, "EndpointFunction  Data    s3:PutObject  vpc-endpoint  S3Endpoint  allowed", "", false},
		{"table says what it assumed", []string{private}, 0, "ASSUMED\n  AWS::Partition=aws", "", false},
		{"json says it on stderr", []string{"--json", "--no-probes", "--action", "s3:GetObject", private}, 0, "", "AWS::Partition=aws", false},
		{"the partition given", []string{"--rows", "--set", "AWS::Partition=aws-cn", filepath.Join("testdata", "endpoint-read-only.template.json")}, 0, "arn:aws-cn:s3:::data-", "", false},
		{"json with chosen actions", []string{"--json", "--action", "s3:PutObject", "--action", "s3:GetObject", "--no-probes", private}, 0, `"decision": "explicit-deny"`, "", true},
		{"expectations met", []string{"--expect", expectMet, filepath.Join("testdata", "cdk-privates3-dev.template.json")}, 0, "UploaderFunction79114915", "accessmatrix: all 2 expectation(s) of " + expectMet + " hold", false},
		{"expectations broken", []string{"--expect", expectFail, private}, 1, "", "expected Nat* s3:PutObject on * to be allowed: NatFunction s3:PutObject on Data: decision explicit-deny, want allowed", false},
		{"bad template names file, resource, property", []string{bad}, 2, "", "bad.template.json: resource F: property Role: Fn::GetAtt of unknown resource \"Missing\"", false},
		{"missing file", []string{"nope.json"}, 2, "", "nope.json", false},
		{"bad action", []string{"--action", "PutObject", private}, 2, "", `action "PutObject"`, false},
		{"bad --subnet", []string{"--subnet", "subnet-1", private}, 2, "", `--subnet "subnet-1": want SUBNET=ROUTETABLE`, false},
		{"bad --set", []string{"--set", "=x", private}, 2, "", `--set "=x": want NAME=VALUE`, false},
		{"egress to a prefix list by id", []string{"--json", "--no-probes", "--action", "s3:PutObject", filepath.Join("testdata", "security-group-blocks-443.template.json")}, 0, `"decision": "unknown"`, "", false},
		{"egress to the S3 prefix list by id", []string{"--json", "--no-probes", "--action", "s3:PutObject", "--s3-prefix-list", "pl-63a5400a", filepath.Join("testdata", "security-group-blocks-443.template.json")}, 0, `"decision": "allowed"`, "", false},
		{"subnet of an existing VPC", []string{"--subnet", "subnet-0a=rtb-0a", "--action", "s3:PutObject", "--no-probes", external}, 0, "vpc-endpoint", "", false},
		{"subnet of an existing VPC, unknown", []string{"--action", "s3:PutObject", "--no-probes", external}, 0, "not defined in the given templates", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out, errb bytes.Buffer
			code := run(tt.args, &out, &errb)
			if code != tt.wantCode {
				t.Errorf("run(%q) = %d, want %d; stderr: %s", tt.args, code, tt.wantCode, errb.String())
			}
			if !strings.Contains(out.String(), tt.wantOut) {
				t.Errorf("run(%q) stdout lacks %q:\n%s", tt.args, tt.wantOut, out.String())
			}
			if !strings.Contains(errb.String(), tt.wantErr) {
				t.Errorf("run(%q) stderr = %q, want it to contain %q", tt.args, errb.String(), tt.wantErr)
			}
			if tt.jsonOutput {
				var rows []map[string]string
				if err := json.Unmarshal(out.Bytes(), &rows); err != nil {
					t.Fatalf("run(%q) output is not JSON: %v", tt.args, err)
				}
				want := []string{"action", "bucket", "decision", "endpoint", "function", "path", "reason", "resource", "template"}
				for _, r := range rows {
					if len(r) != len(want) {
						t.Fatalf("row %v has keys other than %v", r, want)
					}
					for _, k := range want {
						if _, ok := r[k]; !ok {
							t.Fatalf("row %v lacks %q", r, k)
						}
					}
				}
				if len(rows) != 5*2 {
					t.Errorf("run(%q) = %d rows, want 10 (5 functions x 2 actions)", tt.args, len(rows))
				}
			}
		})
	}
}

// Each stage's account and region come from the cloud assembly's manifest
// beside its template, whether the templates are named or read from
// cdk.out; --set still overrides them; without a manifest each template's
// are its own symbols. The stages of testdata/stages were synthesized for
// 111111111111 in eu-west-1, whose deployment role their bucket policies
// name literally: only with the environment known is the @deployer probe
// provably that role.
func TestStageEnvironments(t *testing.T) {
	root := t.TempDir()
	stages := map[string]string{
		"assembly-dev":  "devPrivateS3dev38B48B8E",
		"assembly-prod": "prodPrivateS3prodD8827722",
	}
	for dir, stack := range stages {
		data, err := os.ReadFile(filepath.Join("testdata", "stages", stack+".template.json"))
		if err != nil {
			t.Fatal(err)
		}
		manifest := `{"version": "53.0.0", "artifacts": {"` + stack + `": {"type": "aws:cloudformation:stack", "environment": "aws://111111111111/eu-west-1", "properties": {"templateFile": "` + stack + `.template.json"}},
		  "` + stack + `.assets": {"type": "cdk:asset-manifest", "properties": {"file": "` + stack + `.assets.json"}}}}`
		if err := os.MkdirAll(filepath.Join(root, "cdk.out", dir), 0o755); err != nil {
			t.Fatal(err)
		}
		for name, content := range map[string][]byte{stack + ".template.json": data, "manifest.json": []byte(manifest)} {
			if err := os.WriteFile(filepath.Join(root, "cdk.out", dir, name), content, 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := os.WriteFile(filepath.Join(root, "cdk.out", "manifest.json"), []byte(`{"version": "53.0.0", "artifacts": {
	  "assembly-dev": {"type": "cdk:cloud-assembly", "properties": {"directoryName": "assembly-dev"}},
	  "assembly-prod": {"type": "cdk:cloud-assembly", "properties": {"directoryName": "assembly-prod"}}}}`), 0o644); err != nil {
		t.Fatal(err)
	}
	dev := filepath.Join("cdk.out", "assembly-dev", stages["assembly-dev"]+".template.json")
	prod := filepath.Join("cdk.out", "assembly-prod", stages["assembly-prod"]+".template.json")
	const known = "role/cdk-hnb659fds-cfn-exec-role-111111111111-eu-west-1 (probe)"
	t.Chdir(root)
	// deployer runs the matrix for s3:PutBucketPolicy and returns each
	// template's @deployer decision on its own Storage bucket and its
	// paths, which name the role's ARN.
	deployer := func(args ...string) (map[string]string, string) {
		t.Helper()
		var out, errb bytes.Buffer
		all := append([]string{"--json", "--action", "s3:PutBucketPolicy"}, args...)
		if code := run(all, &out, &errb); code != 0 {
			t.Fatalf("run(%q) = %d; stderr: %s", all, code, errb.String())
		}
		var rows []map[string]string
		if err := json.Unmarshal(out.Bytes(), &rows); err != nil {
			t.Fatal(err)
		}
		got := map[string]string{}
		for _, r := range rows {
			if r["function"] == "@deployer" && r["bucket"] == "Storage6B64FB91" && r["bucketTemplate"] == "" {
				got[r["template"]] = r["decision"]
			}
		}
		out.Reset()
		all[0] = "--rows"
		if code := run(all, &out, &errb); code != 0 {
			t.Fatalf("run(%q) = %d; stderr: %s", all, code, errb.String())
		}
		return got, out.String()
	}
	for _, tt := range []struct {
		name string
		args []string
	}{
		{"named", []string{dev, prod}},
		{"from cdk.out", nil},
	} {
		got, paths := deployer(tt.args...)
		for _, stack := range stages {
			if d := got[stack+".template.json"]; d != "allowed" {
				t.Errorf("%s: %s @deployer s3:PutBucketPolicy = %q, want allowed (the role its policy names)", tt.name, stack, d)
			}
			if want := stack + ".template.json @deployer: internet: CloudFormation execution role arn:aws:iam::111111111111:" + known; !strings.Contains(paths, want) {
				t.Errorf("%s: paths lack %q:\n%s", tt.name, want, paths)
			}
		}
	}
	// --set overrides the manifest's value, and the other is still its.
	got, paths := deployer("--set", "AWS::Region=us-east-1", dev, prod)
	for _, stack := range stages {
		if d := got[stack+".template.json"]; d != "explicit-deny" {
			t.Errorf("--set AWS::Region=us-east-1: %s @deployer = %q, want explicit-deny (the us-east-1 role is not the one excepted)", stack, d)
		}
	}
	if want := "role/cdk-hnb659fds-cfn-exec-role-111111111111-us-east-1 (probe)"; !strings.Contains(paths, want) {
		t.Errorf("--set AWS::Region=us-east-1: paths lack %q:\n%s", want, paths)
	}
	// Without the manifests, neither account is known, and the two are
	// not one: each template's are its own symbols.
	for dir := range stages {
		if err := os.Remove(filepath.Join("cdk.out", dir, "manifest.json")); err != nil {
			t.Fatal(err)
		}
	}
	got, paths = deployer(dev, prod)
	for _, stack := range stages {
		if d := got[stack+".template.json"]; d != "unknown" {
			t.Errorf("without manifests: %s @deployer = %q, want unknown", stack, d)
		}
		if want := "role/cdk-hnb659fds-cfn-exec-role-${" + stack + "#AWS::AccountId}-${" + stack + "#AWS::Region} (probe)"; !strings.Contains(paths, want) {
			t.Errorf("without manifests: paths lack %q:\n%s", want, paths)
		}
	}
	// A broken manifest beside a template is an error naming it.
	if err := os.WriteFile(filepath.Join("cdk.out", "assembly-dev", "manifest.json"), []byte(`{"artifacts":`), 0o644); err != nil {
		t.Fatal(err)
	}
	var out, errb bytes.Buffer
	if code := run([]string{dev, prod}, &out, &errb); code != 2 || !strings.Contains(errb.String(), "manifest.json") {
		t.Errorf("broken manifest: run = %d, stderr %q; want 2 naming manifest.json", code, errb.String())
	}
}
