package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestSAMTemplateLikeTheArticle runs the command on a SAM template of the
// seed article's shape (testdata/sam-private-bucket.template.yaml, our own)
// and checks the article's conclusions: the function in the VPC may put,
// the same function outside the VPC is denied by the bucket policy.
func TestSAMTemplateLikeTheArticle(t *testing.T) {
	tmpl := filepath.Join("testdata", "sam-private-bucket.template.yaml")
	var out, errb bytes.Buffer
	if code := run([]string{"--expect", filepath.Join("testdata", "sam-private-bucket.expect.json"), tmpl}, &out, &errb); code != 0 {
		t.Fatalf("run(--expect, %s) = %d, want 0; stderr:\n%s\nstdout:\n%s", tmpl, code, errb.String(), out.String())
	}
	if strings.Contains(out.String(), "NOT MODELLED") {
		t.Errorf("run(%s): a NOT MODELLED section, but everything in the template is modelled:\n%s", tmpl, out.String())
	}
}

// TestNotModelledIsSaid checks that what the SAM expansion leaves out is
// printed: after the table, and on stderr with --json.
func TestNotModelledIsSaid(t *testing.T) {
	tmpl := filepath.Join(t.TempDir(), "api.yaml")
	if err := os.WriteFile(tmpl, []byte(`Transform: AWS::Serverless-2016-10-31
Resources:
  Bucket:
    Type: AWS::S3::Bucket
  Reader:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.12
      Handler: index.handler
      InlineCode: pass
      Policies:
        - S3ReadPolicy: {BucketName: !Ref Bucket}
      Events:
        Get: {Type: Api, Properties: {Path: /, Method: get}}
  Table:
    Type: AWS::Serverless::SimpleTable
Outputs:
  Url:
    Value: !Sub https://${ServerlessRestApi}.execute-api.${AWS::Region}.amazonaws.com/Prod/
`), 0o644); err != nil {
		t.Fatal(err)
	}
	want := []string{"NOT MODELLED", "api.yaml:", "- AWS::Serverless::SimpleTable Table is not modelled", "- Reader: Events Get (Api) are not modelled", "- ServerlessRestApi, the API SAM creates for Api events, stands in"}
	var out, errb bytes.Buffer
	if code := run([]string{"--rows", "--action", "s3:GetObject", tmpl}, &out, &errb); code != 0 {
		t.Fatalf("run(%s) = %d; stderr: %s", tmpl, code, errb.String())
	}
	for _, w := range want {
		if !strings.Contains(out.String(), w) {
			t.Errorf("run(%s) stdout lacks %q:\n%s", tmpl, w, out.String())
		}
	}
	if !strings.Contains(out.String(), "allowed by inline policy ReaderRolePolicy0 of ReaderRole") {
		t.Errorf("run(%s): the SAM function's S3ReadPolicy should allow s3:GetObject:\n%s", tmpl, out.String())
	}
	out.Reset()
	errb.Reset()
	if code := run([]string{"--json", "--action", "s3:GetObject", tmpl}, &out, &errb); code != 0 {
		t.Fatalf("run(--json %s) = %d; stderr: %s", tmpl, code, errb.String())
	}
	if strings.Contains(out.String(), "NOT MODELLED") || !strings.Contains(errb.String(), "NOT MODELLED") {
		t.Errorf("run(--json %s): notes belong on stderr; stdout:\n%s\nstderr:\n%s", tmpl, out.String(), errb.String())
	}
}

// TestUnmodelledPermissionIsUnknown checks that a role permission the SAM
// expansion does not model (an EventInvokeConfig S3Bucket destination)
// makes the decisions that depend on it unknown, not implicit-deny.
func TestUnmodelledPermissionIsUnknown(t *testing.T) {
	tmpl := filepath.Join(t.TempDir(), "destination.yaml")
	if err := os.WriteFile(tmpl, []byte(`Transform: AWS::Serverless-2016-10-31
Resources:
  Results:
    Type: AWS::S3::Bucket
  Worker:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.12
      Handler: index.handler
      InlineCode: pass
      EventInvokeConfig:
        DestinationConfig:
          OnSuccess: {Type: S3Bucket, Destination: !GetAtt Results.Arn}
`), 0o644); err != nil {
		t.Fatal(err)
	}
	var out, errb bytes.Buffer
	if code := run([]string{"--no-probes", "--action", "s3:PutObject", tmpl}, &out, &errb); code != 0 {
		t.Fatalf("run(%s) = %d; stderr: %s", tmpl, code, errb.String())
	}
	for _, w := range []string{"unknown", "SAM EventInvokeConfig OnSuccess destination of Worker"} {
		if !strings.Contains(out.String(), w) {
			t.Errorf("run(%s) lacks %q:\n%s", tmpl, w, out.String())
		}
	}
}
