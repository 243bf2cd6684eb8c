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
