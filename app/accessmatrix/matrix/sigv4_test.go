package matrix

import (
	"fmt"
	"strings"
	"testing"
)

// The private bucket's DenyNotSigV4 (S3 API Reference, "Amazon S3
// Signature Version 4 Authentication Specific Policy Keys"): the request an
// SDK sends is signed with Signature Version 4 (AWS4-HMAC-SHA256), so the
// statement refuses none of the rows an SDK caller is allowed. A grant that
// holds only for Signature Version 2 ("AWS") is never shown allowed: the
// matrix tries "AWS" and finds it denied, but cannot rule out a value no
// policy names, so the row is unknown and names the statement (sound, not
// complete: see chooser).
func TestSignatureVersion4Only(t *testing.T) {
	const doc = `{"Resources": {
	  "Role": {"Type": "AWS::IAM::Role", "Properties": {"AssumeRolePolicyDocument": {}, "Policies": [{"PolicyName": "p", "PolicyDocument": {"Statement": [%s]}}]}},
	  "Fn": {"Type": "AWS::Lambda::Function", "Properties": {"Role": {"Fn::GetAtt": ["Role", "Arn"]}}},
	  "Data": {"Type": "AWS::S3::Bucket"},
	  "P": {"Type": "AWS::S3::BucketPolicy", "Properties": {"Bucket": {"Ref": "Data"}, "PolicyDocument": {"Statement": [
	    {"Sid": "DenyNotSigV4", "Effect": "Deny", "Principal": "*", "Action": "s3:*", "Resource": [{"Fn::GetAtt": ["Data", "Arn"]}, {"Fn::Sub": "${Data.Arn}/*"}],
	     "Condition": {"StringNotEquals": {"s3:signatureversion": "AWS4-HMAC-SHA256"}}}]}}}
	}}`
	for _, tt := range []struct {
		name, identity, want, why string
	}{
		{"an SDK caller", `{"Effect": "Allow", "Action": "s3:PutObject", "Resource": "*"}`, Allowed, ""},
		{"a grant for Signature Version 2 only", `{"Effect": "Allow", "Action": "s3:PutObject", "Resource": "*", "Condition": {"StringEquals": {"s3:signatureversion": "AWS"}}}`, Unknown,
			`the caller chooses s3:signatureversion for each request, and another choice may not be refused: bucket policy P statement "DenyNotSigV4"`},
	} {
		r := rowOf(t, buildInline(t, fmt.Sprintf(doc, tt.identity), Options{NoProbes: true, Actions: []string{"s3:PutObject"}}), "Fn", "s3:PutObject")
		if r.Decision != tt.want || !strings.Contains(r.Reason, tt.why) {
			t.Errorf("%s: Fn s3:PutObject = %s (%s), want %s containing %q", tt.name, r.Decision, r.Reason, tt.want, tt.why)
		}
	}
}

// The @sigv2 probe, an administrator signing with Signature Version 2
// through the endpoint: every action on a bucket with DenyNotSigV4 is an
// explicit deny by that statement, and on a bucket without it nothing
// refuses the administrator (so the row is the signature's doing, not
// the probe's rights).
func TestSigV2Probe(t *testing.T) {
	const doc = `{"Resources": {
	  "Vpc": {"Type": "AWS::EC2::VPC", "Properties": {"CidrBlock": "10.0.0.0/16"}},
	  "Ep": {"Type": "AWS::EC2::VPCEndpoint", "Properties": {"VpcId": {"Ref": "Vpc"}, "ServiceName": "com.amazonaws.eu-west-1.s3", "VpcEndpointType": "Gateway"}},
	  "Data": {"Type": "AWS::S3::Bucket"},
	  "Open": {"Type": "AWS::S3::Bucket"},
	  "P": {"Type": "AWS::S3::BucketPolicy", "Properties": {"Bucket": {"Ref": "Data"}, "PolicyDocument": {"Statement": [
	    {"Sid": "DenyNotSigV4", "Effect": "Deny", "Principal": "*", "Action": "s3:*", "Resource": [{"Fn::GetAtt": ["Data", "Arn"]}, {"Fn::Sub": "${Data.Arn}/*"}],
	     "Condition": {"StringNotEquals": {"s3:signatureversion": "AWS4-HMAC-SHA256"}}}]}}}
	}}`
	rows := buildInline(t, doc, Options{})
	n := 0
	for _, r := range rows {
		if r.Function != "@sigv2" {
			continue
		}
		n++
		if r.Path != "vpc-endpoint" || r.Endpoint != "Ep" {
			t.Errorf("@sigv2 %s on %s: path %s %s, want vpc-endpoint Ep", r.Action, r.Bucket, r.Path, r.Endpoint)
		}
		switch r.Bucket {
		case "Data":
			if r.Decision != ExplicitDeny || !strings.Contains(r.Reason, `"DenyNotSigV4"`) || !strings.Contains(r.Reason, "(request: AWS)") {
				t.Errorf("@sigv2 %s on Data = %s (%s), want explicit-deny by DenyNotSigV4 with the request's AWS", r.Action, r.Decision, r.Reason)
			}
		case "Open":
			if r.Decision != Allowed {
				t.Errorf("@sigv2 %s on Open = %s (%s), want allowed (an administrator, no bucket policy)", r.Action, r.Decision, r.Reason)
			}
		}
	}
	if want := 2 * 106; n != want {
		t.Errorf("@sigv2 rows = %d, want %d (two buckets x every S3 action on a bucket or an object)", n, want)
	}
}
