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
		{"expectations met", []string{"--expect", "invariants.json", filepath.Join("testdata", "cdk-privates3-dev.template.json")}, 0, "UploaderFunction79114915", "", false},
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
