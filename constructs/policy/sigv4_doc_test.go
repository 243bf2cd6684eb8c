package policy

import "testing"

// S3 API Reference, "Amazon S3 Signature Version 4 Authentication Specific
// Policy Keys": s3:signatureversion is "AWS" for Signature Version 2 and
// "AWS4-HMAC-SHA256" for Signature Version 4, and a bucket policy may
// require one. The statement is the private bucket's DenyNotSigV4. An
// unsigned (anonymous) request carries no signature version, and a negated
// operator matches a missing key (IAM User Guide, "Condition operators").
func TestDocSignatureVersion(t *testing.T) {
	const (
		role   = "arn:aws:iam::111122223333:role/writer"
		object = "arn:aws:s3:::amzn-s3-demo-bucket/report.csv"
		allow  = `{"Statement":{"Effect":"Allow","Action":"s3:PutObject","Resource":"arn:aws:s3:::amzn-s3-demo-bucket/*"}}`
		sigV4  = `{"Statement":{"Sid":"DenyNotSigV4","Effect":"Deny","Principal":"*","Action":"s3:*",
		  "Resource":["arn:aws:s3:::amzn-s3-demo-bucket","arn:aws:s3:::amzn-s3-demo-bucket/*"],
		  "Condition":{"StringNotEquals":{"s3:signatureversion":"AWS4-HMAC-SHA256"}}}}`
	)
	runDocCases(t, []docCase{
		{name: "Signature Version 4", req: user(role, "s3:signatureversion", "AWS4-HMAC-SHA256").on("s3:PutObject", object),
			identity: []string{allow}, bucket: []string{sigV4}, want: Allowed},
		{name: "Signature Version 2", req: user(role, "s3:signatureversion", "AWS").on("s3:PutObject", object),
			identity: []string{allow}, bucket: []string{sigV4}, want: ExplicitDeny, wantSid: "DenyNotSigV4"},
		{name: "no signature", req: user(role).on("s3:PutObject", object),
			identity: []string{allow}, bucket: []string{sigV4}, want: ExplicitDeny, wantSid: "DenyNotSigV4"},
	})
}
