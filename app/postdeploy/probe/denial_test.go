package probe

import (
	"strings"
	"testing"
)

// Sources of the message forms (see denial.go). Each case names its own
// section; the messages are the documents' examples, on one line.
const (
	iamPage  = `IAM User Guide, "Troubleshoot access denied error messages"`
	iamEx    = iamPage + `, "Access denied error message examples"`
	s3Ex     = `Amazon S3 User Guide, "Troubleshoot access denied (403 Forbidden) errors in Amazon S3", "Access denied message examples and how to troubleshoot them"`
	arnsBlog = `AWS Security Blog, "Enhanced access denied error messages with policy ARNs"`
	// The S3 examples' bucket: it plays the stack's bucket here.
	docBucket = "amzn-s3-demo-bucket1"
)

func TestDenialForms(t *testing.T) {
	for _, tc := range []struct {
		source string
		msg    string
		proves bool
		// Parsed elements, and words the reason must contain.
		action, resource, policyType, policyARN string
		explicit                                bool
		why                                     string
	}{
		// The one form that proves the bucket refused.
		{
			source: s3Ex + `, "Access denied due to resource-based policies – explicit denial"`,
			msg:    `User: arn:aws:iam::123456789012:user/MaryMajor is not authorized to perform: s3:GetObject on resource: "arn:aws:s3:::amzn-s3-demo-bucket1/object-name" with an explicit deny in a resource-based policy`,
			proves: true, action: "s3:GetObject", resource: "arn:aws:s3:::amzn-s3-demo-bucket1/object-name", policyType: "resource-based policy", explicit: true,
			why: "(the bucket policy)",
		},
		{
			// The same form as the control receives it, for the PutObject of
			// the issue ("User: arn:aws:sts::...:assumed-role/R/S").
			source: s3Ex + `, "Access denied due to resource-based policies – explicit denial", for s3:PutObject by an assumed role`,
			msg:    `User: arn:aws:sts::123456789012:assumed-role/R/S is not authorized to perform: s3:PutObject on resource: "arn:aws:s3:::amzn-s3-demo-bucket1/probe/k" with an explicit deny in a resource-based policy`,
			proves: true, action: "s3:PutObject", resource: "arn:aws:s3:::amzn-s3-demo-bucket1/probe/k", policyType: "resource-based policy", explicit: true,
			why: "(the bucket policy)",
		},

		// Someone else's deny: the write would be refused on an open
		// bucket too.
		{
			source: s3Ex + `, "Access denied due to a resource control policy – explicit denial"`,
			msg:    `An error occurred (AccessDenied) when calling the GetObject operation: User: arn:aws:iam::777788889999:user/MaryMajor is not authorized to perform: s3:GetObject on resource: "arn:aws:s3:::amzn-s3-demo-bucket1/object-name" with an explicit deny in a resource control policy`,
			action: "s3:GetObject", resource: "arn:aws:s3:::amzn-s3-demo-bucket1/object-name", policyType: "resource control policy", explicit: true,
			why: "by a resource control policy, not by the bucket policy",
		},
		{
			source: s3Ex + `, "Access denied due to a Service Control Policy – explicit denial"`,
			msg:    `User: arn:aws:iam::777788889999:user/MaryMajor is not authorized to perform: s3:GetObject with an explicit deny in a service control policy`,
			action: "s3:GetObject", policyType: "service control policy", explicit: true,
			why: "by a service control policy, not by the bucket policy",
		},
		{
			source: s3Ex + `, "Access denied due to a Service Control Policy – implicit denial"`,
			msg:    `User: arn:aws:iam::777788889999:user/MaryMajor is not authorized to perform: s3:GetObject because no service control policy allows the s3:GetObject action`,
			action: "s3:GetObject", policyType: "service control policy",
			why: "for want of an allow",
		},
		{
			source: iamEx + `, "Access denied due to a Service Control Policy" (capitalised as in its note)`,
			msg:    `User: arn:aws:iam::777788889999:user/JohnDoe is not authorized to perform: codecommit:ListRepositories with an explicit deny in a Service Control Policy`,
			action: "codecommit:ListRepositories", policyType: "service control policy", explicit: true,
			why: "by a service control policy",
		},
		{
			source: arnsBlog + `, "What changed?" (the denying policy's ARN after the type)`,
			msg:    `An error occurred (AccessDenied) when calling the ListRoles operation: User: arn:aws:iam::123456789012:user/Matt is not authorized to perform: iam:ListRoles on resource: arn:aws:iam::123456789012:role/* with an explicit deny in a service control policy: arn:aws:organizations::987654321098:policy/o-qv5af4abcd/service_control_policy/p-2kgnabcd`,
			action: "iam:ListRoles", resource: "arn:aws:iam::123456789012:role/*", policyType: "service control policy", explicit: true,
			policyARN: "arn:aws:organizations::987654321098:policy/o-qv5af4abcd/service_control_policy/p-2kgnabcd",
			why:       "by a service control policy, not by the bucket policy",
		},
		{
			source: s3Ex + `, "Access denied due to a permissions boundary – explicit denial"`,
			msg:    `User: arn:aws:iam::777788889999:user/MaryMajor is not authorized to perform: s3:GetObject with an explicit deny in a permissions boundary`,
			action: "s3:GetObject", policyType: "permissions boundary", explicit: true,
			why: "by a permissions boundary, not by the bucket policy",
		},
		{
			source: s3Ex + `, "Access denied due to a permissions boundary – implicit denial"`,
			msg:    `User: arn:aws:iam::123456789012:user/MaryMajor is not authorized to perform: s3:GetObject on resource: "arn:aws:s3:::amzn-s3-demo-bucket1/object-name" because no permissions boundary allows the s3:GetObject action`,
			action: "s3:GetObject", resource: "arn:aws:s3:::amzn-s3-demo-bucket1/object-name", policyType: "permissions boundary",
			why: "for want of an allow",
		},
		{
			source: s3Ex + `, "Access denied due to session policies – explicit denial"`,
			msg:    `User: arn:aws:iam::123456789012:user/MaryMajor is not authorized to perform: s3:GetObject on resource: "arn:aws:s3:::amzn-s3-demo-bucket1/object-name" with an explicit deny in a session policy`,
			action: "s3:GetObject", resource: "arn:aws:s3:::amzn-s3-demo-bucket1/object-name", policyType: "session policy", explicit: true,
			why: "by a session policy, not by the bucket policy",
		},
		{
			source: s3Ex + `, "Access denied due to session policies – implicit denial"`,
			msg:    `User: arn:aws:iam::123456789012:user/MaryMajor is not authorized to perform: s3:GetObject because no session policy allows the s3:GetObject action`,
			action: "s3:GetObject", policyType: "session policy",
			why: "for want of an allow",
		},
		{
			source: iamEx + `, "Access denied due to session policies" (its explicit example spells it "sessions policy")`,
			msg:    `User: arn:aws:iam::123456789012:user/JohnDoe is not authorized to perform: codedeploy:ListDeployments on resource: arn:aws:codedeploy:us-east-1:123456789012:deploymentgroup:* with an explicit deny in a sessions policy`,
			action: "codedeploy:ListDeployments", resource: "arn:aws:codedeploy:us-east-1:123456789012:deploymentgroup:*", policyType: "sessions policy", explicit: true,
			why: "by a sessions policy, not by the bucket policy",
		},
		{
			source: s3Ex + `, "Access denied due to identity-based policies – explicit denial"`,
			msg:    `User: arn:aws:iam::123456789012:user/MaryMajor is not authorized to perform: s3:GetObject on resource: "arn:aws:s3:::amzn-s3-demo-bucket1/object-name" with an explicit deny in an identity-based policy`,
			action: "s3:GetObject", resource: "arn:aws:s3:::amzn-s3-demo-bucket1/object-name", policyType: "identity-based policy", explicit: true,
			why: "by IAM, not by the bucket policy",
		},
		{
			source: s3Ex + `, "Access denied due to identity-based policies – implicit denial"`,
			msg:    `User: arn:aws:iam::123456789012:user/MaryMajor is not authorized to perform: s3:GetObject because no identity-based policy allows the s3:GetObject action`,
			action: "s3:GetObject", policyType: "identity-based policy",
			why: "the control must keep the uploader's S3 rights",
		},
		{
			source: s3Ex + `, "Access denied due to resource-based policies – implicit denial" (also the IgnorePublicAcls form of "Access denied due to Block Public Access settings")`,
			msg:    `User: arn:aws:iam::123456789012:user/MaryMajor is not authorized to perform: s3:GetObject because no resource-based policy allows the s3:GetObject action`,
			action: "s3:GetObject", policyType: "resource-based policy",
			why: "for want of an allow, not by the bucket policy's explicit deny",
		},
		{
			source: s3Ex + `, "Access denied due to a VPC endpoint policy – implicit denial"`,
			msg:    `User: arn:aws:iam::123456789012:user/MaryMajor is not authorized to perform: s3:GetObject because no VPC endpoint policy allows the s3:GetObject action`,
			action: "s3:GetObject", policyType: "vpc endpoint policy",
			why: "for want of an allow",
		},
		{
			source: s3Ex + `, "Access denied due to a VPC endpoint policy – explicit denial"`,
			msg:    `User: arn:aws:iam::123456789012:user/MaryMajor is not authorized to perform: s3:GetObject on resource: "arn:aws:s3:::amzn-s3-demo-bucket1/object-name" with an explicit deny in a VPC endpoint policy`,
			action: "s3:GetObject", resource: "arn:aws:s3:::amzn-s3-demo-bucket1/object-name", policyType: "vpc endpoint policy", explicit: true,
			why: "by a vpc endpoint policy, not by the bucket policy",
		},
		{
			source: iamEx + `, "Access denied when a VPC request fails due to another policy"`,
			msg:    `User: arn:aws:sts::111122223333:assumed-role/role-name/role-session-name is not authorized to perform: SNS:Publish on resource: arn:aws:sns:us-east-1:444455556666:role-name-2 with an explicit deny in a VPC endpoint policy transitively through a service control policy`,
			action: "SNS:Publish", resource: "arn:aws:sns:us-east-1:444455556666:role-name-2", policyType: "vpc endpoint policy transitively through a service control policy", explicit: true,
			why: "not by the bucket policy",
		},
		{
			// A resource-based policy, but not an S3 action: the IAM guide's
			// own example is a secret's policy; a KMS key policy refusing
			// the kms:GenerateDataKey an SSE-KMS upload needs (the S3 page's
			// "Encryption and permissions requirements") reads the same way.
			source: iamEx + `, "Access denied due to resource-based policies", explicit denial`,
			msg:    `User: arn:aws:iam::123456789012:user/JohnDoe is not authorized to perform: secretsmanager:GetSecretValue on resource: arn:aws:secretsmanager:us-east-1:123456789012:secret:* with an explicit deny in a resource-based policy`,
			action: "secretsmanager:GetSecretValue", resource: "arn:aws:secretsmanager:us-east-1:123456789012:secret:*", policyType: "resource-based policy", explicit: true,
			why: "secretsmanager:GetSecretValue is not an S3 action",
		},
		{
			source: s3Ex + `, resource-based explicit denial on another bucket than the stack's`,
			msg:    `User: arn:aws:iam::123456789012:user/MaryMajor is not authorized to perform: s3:GetObject on resource: "arn:aws:s3:::amzn-s3-demo-bucket2/object-name" with an explicit deny in a resource-based policy`,
			action: "s3:GetObject", resource: "arn:aws:s3:::amzn-s3-demo-bucket2/object-name", policyType: "resource-based policy", explicit: true,
			why: "not in the stack's bucket amzn-s3-demo-bucket1",
		},

		// Messages that name no policy type: unknown, so nothing proved.
		{
			source: s3Ex + ` ("Important": outside the bucket's account or organization, a generic "Access Denied"; also for directory buckets)`,
			msg:    `Access Denied`,
			why:    "names no policy type",
		},
		{
			source: s3Ex + `, "Access denied due to Block Public Access settings" (BlockPublicAcls)`,
			msg:    `An error occurred (AccessDenied) when calling the CopyObject operation: User: arn:aws:sts::123456789012:user/MaryMajor is not authorized to perform: s3:CopyObject on resource: "arn:aws:s3:::amzn-s3-demo-bucket1/object-name" because public ACLs are prevented by the BlockPublicAcls setting in S3 Block Public Access.`,
			action: "s3:CopyObject", resource: "arn:aws:s3:::amzn-s3-demo-bucket1/object-name",
			why: "names no policy type",
		},
		{
			source: s3Ex + `, "Access denied due to Blocked Encryption Type"`,
			msg:    `An error occurred (AccessDenied) when calling the PutObject operation: User: arn:aws:iam::123456789012:user/MaryMajor  is not authorized to perform: s3:PutObject on resource: "arn:aws:s3:::amzn-s3-demo-bucket1/object-name" because this bucket has blocked upload requests that specify Server Side Encryption with Customer provided keys (SSE-C). Please specify a different server-side encryption type`,
			action: "s3:PutObject", resource: "arn:aws:s3:::amzn-s3-demo-bucket1/object-name",
			why: "names no policy type",
		},
		{
			source: iamPage + ` (the context names the policy type; a message without it says nothing about which policy denied)`,
			msg:    `User: arn:aws:iam::123456789012:user/MaryMajor is not authorized to perform: s3:GetObject on resource: "arn:aws:s3:::amzn-s3-demo-bucket1/object-name"`,
			action: "s3:GetObject", resource: "arn:aws:s3:::amzn-s3-demo-bucket1/object-name",
			why: "names no policy type",
		},
	} {
		t.Run(tc.source, func(t *testing.T) {
			d := ParseDenial(tc.msg)
			if d.Action != tc.action || d.Resource != tc.resource || d.PolicyType != tc.policyType || d.PolicyARN != tc.policyARN || d.Explicit != tc.explicit {
				t.Errorf("ParseDenial(%q) = %+v, want action %q, resource %q, policy type %q, ARN %q, explicit %v", tc.msg, d, tc.action, tc.resource, tc.policyType, tc.policyARN, tc.explicit)
			}
			ok, why := d.BucketRefused(docBucket)
			if ok != tc.proves || !strings.Contains(why, tc.why) {
				t.Errorf("BucketRefused(%q) of %q = %v, %q; want %v, containing %q", docBucket, tc.msg, ok, why, tc.proves, tc.why)
			}
		})
	}
}

// The control reports S3's message inside its own words and the SDK's
// (lambda/uploader/handler: classify), on one line; documented examples
// break lines. Neither changes the verdict.
func TestDenialInContext(t *testing.T) {
	for _, tc := range []struct {
		name, msg string
		proves    bool
	}{
		{"the uploader's wrapping (" + s3Ex + ")", denied, true},
		{"line breaks as in " + s3Ex, "User: arn:aws:iam::123456789012:user/MaryMajor is not authorized to perform:\ns3:GetObject on resource: \"arn:aws:s3:::" + bucket + "/object-name\" with\nan explicit deny in a resource-based policy", true},
		{"trailing period", s3Denied("with an explicit deny in a resource-based policy."), true},
		{"partition aws-cn", "User: arn:aws-cn:sts::123456789012:assumed-role/ctl/x is not authorized to perform: s3:PutObject on resource: \"arn:aws-cn:s3:::" + bucket + "/probe/x\" with an explicit deny in a resource-based policy", true},
		{"the uploader's wrapping of a service control policy", s3Denied("with an explicit deny in a service control policy"), false},
		{"the uploader's wrapping of a plain Access Denied (" + s3Ex + ")", "S3 refused to write s3://" + bucket + "/probe/x (AccessDenied): a bucket policy, the function's IAM role or its credentials deny it: operation error S3: PutObject, https response error StatusCode: 403, api error AccessDenied: Access Denied", false},
		// The uploader's own words mention "a bucket policy"; only AWS's
		// element counts.
		{"the uploader's words alone", "S3 refused to write s3://" + bucket + "/probe/x (AccessDenied): a bucket policy, the function's IAM role or its credentials deny it; explicit deny in a resource-based policy", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if ok, why := ParseDenial(tc.msg).BucketRefused(bucket); ok != tc.proves {
				t.Errorf("BucketRefused(%q) of %q = %v (%s), want %v", bucket, tc.msg, ok, why, tc.proves)
			}
		})
	}
}
