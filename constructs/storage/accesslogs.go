package storage

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"

	"github.com/privates3/privates3/constructs/internal/problems"
	"github.com/privates3/privates3/constructs/nagsuppress"
)

// serverAccessLogsFlag chooses how CDK lets S3 deliver server access logs
// to a target bucket (aws-cdk-lib aws-s3/lib/bucket.ts, allowLogDelivery,
// which reads it from the target's node): on, a bucket policy allowing
// s3:PutObject to the logging.s3.amazonaws.com service from the source
// bucket; off (the default of an app whose cdk.json lacks it), the target's
// ACL set to LogDeliveryWrite with ObjectOwnership ObjectWriter, that is
// ACLs on, which a BucketOwnerEnforced target makes CDK refuse with
// 'objectOwnership must be set to "ObjectWriter"'. The S3 User Guide
// ("Permissions for log delivery") recommends the bucket policy and ACLs
// off.
const serverAccessLogsFlag = "@aws-cdk/aws-s3:serverAccessLogsUseBucketPolicy"

// logTargetProblem says why CDK would enable ACLs on a log bucket at
// (the bucket, or the scope it is about to be created in) to deliver logs
// to it, or "" when it grants delivery by bucket policy.
func logTargetProblem(prop string, at constructs.IConstruct) string {
	if *awscdk.FeatureFlags_Of(at).IsEnabled(jsii.String(serverAccessLogsFlag)) {
		return ""
	}
	return prop + ": the feature flag " + serverAccessLogsFlag + " is off for that log bucket (cdk.json's context lacks it or sets it false), so CDK would let S3 deliver logs to it by turning its ACLs on (LogDeliveryWrite), or fail where ACLs are off; set the flag to true in cdk.json's context, or on the bucket's scope with Node().SetContext before creating the bucket"
}

// NewAccessLogsBucket is a target for S3 server access logs, hardened (no
// public access, TLS 1.2 only, versioned, ACLs off, logs kept a year) with
// the cdk-nag findings a log target must keep suppressed and why. It has no
// endpoint-only deny: S3 delivers the logs as the logging.s3.amazonaws.com
// service from outside any VPC, allowed by the bucket policy CDK writes for
// each bucket that logs to it. Its removal policy is CDK's default (kept).
// It panics when the app leaves @aws-cdk/aws-s3:serverAccessLogsUseBucketPolicy
// off at scope: CDK would then grant delivery by turning ACLs on.
func NewAccessLogsBucket(scope constructs.Construct, id string) awss3.Bucket {
	if s := logTargetProblem("scope", scope); s != "" {
		p := problems.New("NewAccessLogsBucket")
		p.Add(s)
		p.Panic()
	}
	logs := awss3.NewBucket(scope, jsii.String(id), &awss3.BucketProps{
		BlockPublicAccess: awss3.BlockPublicAccess_BLOCK_ALL(),
		// S3 User Guide, "Enabling Amazon S3 server access logging": the
		// target's default encryption can only be SSE-S3.
		Encryption:        awss3.BucketEncryption_S3_MANAGED,
		EnforceSSL:        jsii.Bool(true),
		MinimumTLSVersion: jsii.Number(1.2),
		Versioned:         jsii.Bool(true),
		ObjectOwnership:   awss3.ObjectOwnership_BUCKET_OWNER_ENFORCED,
		LifecycleRules: &[]*awss3.LifecycleRule{{
			Id:                          jsii.String("ExpireAccessLogs"),
			Expiration:                  awscdk.Duration_Days(jsii.Number(365)),
			NoncurrentVersionExpiration: awscdk.Duration_Days(jsii.Number(30)),
		}},
	})
	nagsuppress.On(logs, false,
		nagsuppress.Rule("AwsSolutions-S1", whyLogsNotLogged),
		nagsuppress.Rule("HIPAA.Security-S3BucketLoggingEnabled", whyLogsNotLogged),
		nagsuppress.Rule("NIST.800.53.R5-S3BucketLoggingEnabled", whyLogsNotLogged),
		nagsuppress.Rule("PCI.DSS.321-S3BucketLoggingEnabled", whyLogsNotLogged),
		nagsuppress.Rule("HIPAA.Security-S3DefaultEncryptionKMS", whyLogsSSES3),
		nagsuppress.Rule("NIST.800.53.R5-S3DefaultEncryptionKMS", whyLogsSSES3),
		nagsuppress.Rule("PCI.DSS.321-S3DefaultEncryptionKMS", whyLogsSSES3),
		nagsuppress.Rule("HIPAA.Security-S3BucketReplicationEnabled", whyLogsNotReplicated),
		nagsuppress.Rule("NIST.800.53.R5-S3BucketReplicationEnabled", whyLogsNotReplicated),
		nagsuppress.Rule("PCI.DSS.321-S3BucketReplicationEnabled", whyLogsNotReplicated),
	)
	return logs
}

// newAccessLogsBucket is the private bucket's log target, kept with it
// (and its policy) like the private bucket.
func newAccessLogsBucket(c constructs.Construct) awss3.Bucket {
	logs := NewAccessLogsBucket(c, "AccessLogs")
	retain(logs)
	retain(logs.Policy())
	return logs
}

func suppressBucketFindings(b awss3.Bucket, kms bool) {
	s := []*cdknag.NagPackSuppression{
		nagsuppress.Rule("HIPAA.Security-S3BucketReplicationEnabled", whyNoReplication),
		nagsuppress.Rule("NIST.800.53.R5-S3BucketReplicationEnabled", whyNoReplication),
		nagsuppress.Rule("PCI.DSS.321-S3BucketReplicationEnabled", whyNoReplication),
	}
	if !kms {
		s = append(s,
			nagsuppress.Rule("HIPAA.Security-S3DefaultEncryptionKMS", whySSES3),
			nagsuppress.Rule("NIST.800.53.R5-S3DefaultEncryptionKMS", whySSES3),
			nagsuppress.Rule("PCI.DSS.321-S3DefaultEncryptionKMS", whySSES3),
		)
	}
	nagsuppress.On(b, false, s...)
}

const (
	whyLogsNotLogged     = "This is an access-log bucket itself: logging it into itself would log its own log deliveries without end, and a second log bucket would only move the question; reads of it are in CloudTrail."
	whyLogsSSES3         = "S3 server access logs can only be delivered to a bucket whose default encryption is SSE-S3 (S3 User Guide, \"Enabling Amazon S3 server access logging\"); SSE-KMS would stop the delivery."
	whyLogsNotReplicated = "These are access logs, records about another bucket: replicating them to another region needs a second bucket and a replication role; an organisation that archives logs copies them to its log-archive account instead. The bucket is versioned."
	whyNoReplication     = "Cross-region replication needs a second bucket in another region, with its own endpoint and endpoint-only policy, and the replication role allowed through both: a decision for the data's owner, not a default. Versioning, which replication needs, is on."
	whySSES3             = "SSE-S3 is the default on purpose: no key to pay for each month or to manage. kms=true (PrivateBucketProps.KmsEncryption) switches to SSE-KMS with a rotating customer managed key and the S3 Bucket Key."
)
