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
	// denyingKeyPolicy delegates to the account but denies data keys to
	// everyone.
	denyingKeyPolicy = `{"Statement": [{"Effect": "Allow", "Principal": {"AWS": {"Fn::Sub": "arn:${AWS::Partition}:iam::${AWS::AccountId}:root"}}, "Action": "kms:*", "Resource": "*"},
	  {"Sid": "NoDataKeys", "Effect": "Deny", "Principal": "*", "Action": "kms:GenerateDataKey", "Resource": "*"}]}`
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
		// No policy allows: only a grant, outside the templates, could
		// (access comes from "a key policy, IAM policy, or grant", AWS KMS
		// Developer Guide, "Allowing users in other accounts to use a KMS
		// key").
		{"root key policy, no KMS rights", ``, rootKeyPolicy, templateKey, Unknown, Unknown, "S3 needs kms:GenerateDataKey on KMS key Key for the put, which no policy allows"},
		{"closed key policy, KMS rights", kmsRights, closedKeyPolicy, templateKey, Unknown, Unknown, "Key policies in AWS KMS"},
		// A grant cannot undo an explicit deny: a plain put is refused,
		// but a put that sends x-amz-server-side-encryption AES256 needs
		// no KMS key, so the row is unknown, not refused; the deny is of
		// data keys only, so reads still decrypt.
		{"key policy denies data keys", kmsRights, denyingKeyPolicy, templateKey, Unknown, Allowed, "S3 needs kms:GenerateDataKey on KMS key Key for a plain put, which is refused"},
		// In its own account a key named by id is this key.
		{"key named by id", kmsRights, rootKeyPolicy, `{"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": {"Ref": "Key"}}`, Allowed, Allowed, "kms:GenerateDataKey on KMS key Key allowed"},
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

// For a caller of another account, which key S3 uses is not known from the
// bucket when it names aws/s3 ("If you want to grant cross-account access
// to your S3 objects, use a customer managed key", S3 User Guide, "Using
// SSE-KMS encryption for cross-account operations") or its key by id ("If
// you are using encryption with cross-account or AWS service operations,
// you must use a fully qualified KMS key ARN", CloudFormation User Guide,
// AWS::S3::Bucket ServerSideEncryptionByDefault, KMSMasterKeyID): the put
// is unknown, not decided by this account's key. Named by ARN, the key
// decides.
func TestKMSOtherAccountNeedsTheKeyARN(t *testing.T) {
	const doc = `{"Resources": {
	  "Key": {"Type": "AWS::KMS::Key", "Properties": {"KeyPolicy": {"Statement": [{"Sid": "Partner", "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::210987654321:role/Writer"}, "Action": "kms:GenerateDataKey", "Resource": "*"}]}}},
	  "Data": {"Type": "AWS::S3::Bucket", "Properties": {"BucketEncryption": {"ServerSideEncryptionConfiguration": [{"ServerSideEncryptionByDefault": %s}]}}},
	  "P": {"Type": "AWS::S3::BucketPolicy", "Properties": {"Bucket": {"Ref": "Data"}, "PolicyDocument": {"Statement": [
	    {"Sid": "Partner", "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::210987654321:role/Writer"}, "Action": "s3:PutObject", "Resource": {"Fn::Sub": "${Data.Arn}/*"}}]}}}
	}}`
	for _, tc := range []struct{ name, encryption, want, why string }{
		{"aws/s3", `{"SSEAlgorithm": "aws:kms"}`, Unknown, "use a customer managed key"},
		{"key by id", `{"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": {"Ref": "Key"}}`, Unknown, "fully qualified KMS key ARN"},
		{"key by ARN", `{"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": {"Fn::GetAtt": ["Key", "Arn"]}}`, Allowed, "key policy of Key statement \"Partner\""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rows := buildInline(t, fmt.Sprintf(doc, tc.encryption), Options{Actions: []string{"s3:PutObject"}, Values: map[string]string{"AWS::AccountId": "123456789012"}})
			r := findRow(t, rows, "inline.json", ProbeCrossAccount+":210987654321:Writer", "Data", "", "s3:PutObject")
			if r.Decision != tc.want || !strings.Contains(r.Reason, tc.why) {
				t.Errorf("cross-account put = %s (%s), want %s naming %q", r.Decision, r.Reason, tc.want, tc.why)
			}
		})
	}
}

// Decryption uses the object's key: "the ARN of the KMS key" is stored
// with the object and returned in x-amz-server-side-encryption-aws-kms-key-id
// (S3 API Reference, GetObject / HeadObject response), and "To download an
// object encrypted with an AWS KMS key, you need kms:Decrypt permissions
// on the key" (S3 User Guide, "Using server-side encryption with AWS KMS
// keys (SSE-KMS)"). So a key the bucket names by id is resolved in the
// requester's account for a put only; a read of an object the bucket's
// account wrote with it needs kms:Decrypt on that key, which its key
// policy decides.
func TestDocDecryptionUsesTheObjectsKey(t *testing.T) {
	const doc = `{"Resources": {
	  "Key": {"Type": "AWS::KMS::Key", "Properties": {"KeyPolicy": {"Statement": [{"Sid": "Partner", "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::210987654321:role/Reader"}, "Action": "kms:Decrypt", "Resource": "*"}]}}},
	  "Data": {"Type": "AWS::S3::Bucket", "Properties": {"BucketEncryption": {"ServerSideEncryptionConfiguration": [{"ServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": {"Ref": "Key"}}}]}}},
	  "P": {"Type": "AWS::S3::BucketPolicy", "Properties": {"Bucket": {"Ref": "Data"}, "PolicyDocument": {"Statement": [
	    {"Sid": "Partner", "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::210987654321:role/Reader"}, "Action": ["s3:GetObject", "s3:PutObject"], "Resource": {"Fn::Sub": "${Data.Arn}/*"}}]}}}
	}}`
	rows := buildInline(t, doc, Options{Actions: []string{"s3:GetObject", "s3:PutObject"}, Values: map[string]string{"AWS::AccountId": "123456789012"}})
	for _, tc := range []struct{ action, want, why string }{
		{"s3:GetObject", Allowed, "key policy of Key statement \"Partner\""},
		// The put still depends on which key KMS resolves the id to.
		{"s3:PutObject", Unknown, "fully qualified KMS key ARN"},
	} {
		r := findRow(t, rows, "inline.json", ProbeCrossAccount+":210987654321:Reader", "Data", "", tc.action)
		if r.Decision != tc.want || !strings.Contains(r.Reason, tc.why) {
			t.Errorf("cross-account %s = %s (%s), want %s naming %q", tc.action, r.Decision, r.Reason, tc.want, tc.why)
		}
	}
}
