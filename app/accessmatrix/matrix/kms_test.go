package matrix

import (
	"fmt"
	"strings"
	"testing"
)

// kmsTemplate is a bucket with SSE-KMS (encryption given as %s) and a
// function whose role may put and get its objects, with or without KMS
// rights (%s), and a key of the template (policy %s).
const kmsTemplate = `{"Resources": {
  "Role": {"Type": "AWS::IAM::Role", "Properties": {"RoleName": "Uploader", "AssumeRolePolicyDocument": {}, "Policies": [{"PolicyName": "Data", "PolicyDocument": {"Statement": [
    {"Effect": "Allow", "Action": ["s3:PutObject", "s3:GetObject"], "Resource": {"Fn::Sub": "${Data.Arn}/*"}}%s]}}]}},
  "Fn": {"Type": "AWS::Lambda::Function", "Properties": {"Role": {"Fn::GetAtt": ["Role", "Arn"]}}},
  "Key": {"Type": "AWS::KMS::Key", "Properties": {"KeyPolicy": %s}},
  "Data": {"Type": "AWS::S3::Bucket", "Properties": {"BucketEncryption": {"ServerSideEncryptionConfiguration": [{"ServerSideEncryptionByDefault": %s}]}}}
}}`

const (
	kmsRights = `, {"Effect": "Allow", "Action": ["kms:GenerateDataKey", "kms:Decrypt"], "Resource": {"Fn::GetAtt": ["Key", "Arn"]}}`
	// rootKeyPolicy is CDK's (and KMS's) default: the account's IAM
	// policies decide.
	rootKeyPolicy = `{"Statement": [{"Effect": "Allow", "Principal": {"AWS": {"Fn::Sub": "arn:${AWS::Partition}:iam::${AWS::AccountId}:root"}}, "Action": "kms:*", "Resource": "*"}]}`
	// closedKeyPolicy lets only an admin role use the key.
	closedKeyPolicy = `{"Statement": [{"Effect": "Allow", "Principal": {"AWS": {"Fn::Sub": "arn:${AWS::Partition}:iam::${AWS::AccountId}:role/KeyAdmin"}}, "Action": "kms:*", "Resource": "*"}]}`
	templateKey     = `{"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": {"Fn::GetAtt": ["Key", "Arn"]}}`
)

// Object writes and reads on an SSE-KMS bucket need the key too (S3 User
// Guide, "Using server-side encryption with AWS KMS keys (SSE-KMS)"), and a
// key policy rules alone (AWS KMS Developer Guide, "Key policies in AWS
// KMS").
func TestKMSKeyDecides(t *testing.T) {
	for _, tc := range []struct {
		name, rights, keyPolicy, encryption string
		put, get                            string
		why                                 string
	}{
		{"root key policy and KMS rights", kmsRights, rootKeyPolicy, templateKey, Allowed, Allowed, "kms:GenerateDataKey on KMS key Key allowed"},
		{"root key policy, no KMS rights", ``, rootKeyPolicy, templateKey, ImplicitDeny, Unknown, "S3 needs kms:GenerateDataKey on KMS key Key for the put, which is refused"},
		{"closed key policy, KMS rights", kmsRights, closedKeyPolicy, templateKey, ImplicitDeny, Unknown, "Key policies in AWS KMS"},
		{"aws/s3, the AWS managed key", ``, rootKeyPolicy, `{"SSEAlgorithm": "aws:kms"}`, Allowed, Allowed, "KMS key aws/s3 allowed"},
		{"a key outside the templates", kmsRights, rootKeyPolicy, `{"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": "arn:aws:kms:eu-west-1:111122223333:key/abcd"}`, Unknown, Unknown, "the key is not in the templates"},
		{"SSE-S3: no key", ``, closedKeyPolicy, `{"SSEAlgorithm": "AES256"}`, Allowed, Allowed, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rows := buildInline(t, fmt.Sprintf(kmsTemplate, tc.rights, tc.keyPolicy, tc.encryption), Options{Actions: []string{"s3:PutObject", "s3:GetObject"}, NoProbes: true})
			if len(rows) != 2 {
				t.Fatalf("%d rows, want 2", len(rows))
			}
			for _, r := range rows {
				want := tc.put
				if r.Action == "s3:GetObject" {
					want = tc.get
				}
				if r.Decision != want {
					t.Errorf("%s = %s (%s), want %s", r.Action, r.Decision, r.Reason, want)
				}
				if r.Action == "s3:PutObject" && !strings.Contains(r.Reason, tc.why) {
					t.Errorf("%s: reason %q lacks %q", r.Action, r.Reason, tc.why)
				}
			}
		})
	}
}

// aws/s3 serves only its own account: a cross-account writer's put to a
// bucket encrypted with it is refused by the key, whatever the bucket
// policy grants.
func TestKMSManagedKeyRefusesOtherAccounts(t *testing.T) {
	const doc = `{"Resources": {
	  "Data": {"Type": "AWS::S3::Bucket", "Properties": {"BucketEncryption": {"ServerSideEncryptionConfiguration": [{"ServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms"}}]}}},
	  "P": {"Type": "AWS::S3::BucketPolicy", "Properties": {"Bucket": {"Ref": "Data"}, "PolicyDocument": {"Statement": [
	    {"Sid": "Partner", "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::210987654321:role/Writer"}, "Action": "s3:PutObject", "Resource": {"Fn::Sub": "${Data.Arn}/*"}}]}}}
	}}`
	rows := buildInline(t, doc, Options{Actions: []string{"s3:PutObject"}, Values: map[string]string{"AWS::AccountId": "123456789012"}})
	r := findRow(t, rows, "inline.json", ProbeCrossAccount+":210987654321:Writer", "Data", "", "s3:PutObject")
	if r.Decision != ImplicitDeny || !strings.Contains(r.Reason, "aws/s3") {
		t.Errorf("cross-account put with aws/s3 = %s (%s), want implicit-deny by the key", r.Decision, r.Reason)
	}
}
