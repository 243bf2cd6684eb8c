package storage

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"
)

// newAccessLogsBucket is the target of the private bucket's server access
// logs: hardened like it, but without the endpoint-only deny, since S3's
// log delivery comes from outside any VPC.
func newAccessLogsBucket(c constructs.Construct) awss3.Bucket {
	logs := awss3.NewBucket(c, jsii.String("AccessLogs"), &awss3.BucketProps{
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
	retain(logs)
	retain(logs.Policy())
	suppress(logs,
		rule("AwsSolutions-S1", whyLogsNotLogged),
		rule("HIPAA.Security-S3BucketLoggingEnabled", whyLogsNotLogged),
		rule("NIST.800.53.R5-S3BucketLoggingEnabled", whyLogsNotLogged),
		rule("PCI.DSS.321-S3BucketLoggingEnabled", whyLogsNotLogged),
		rule("HIPAA.Security-S3DefaultEncryptionKMS", whyLogsSSES3),
		rule("NIST.800.53.R5-S3DefaultEncryptionKMS", whyLogsSSES3),
		rule("PCI.DSS.321-S3DefaultEncryptionKMS", whyLogsSSES3),
		rule("HIPAA.Security-S3BucketReplicationEnabled", whyNoReplication),
		rule("NIST.800.53.R5-S3BucketReplicationEnabled", whyNoReplication),
		rule("PCI.DSS.321-S3BucketReplicationEnabled", whyNoReplication),
	)
	return logs
}

func suppressBucketFindings(b awss3.Bucket, kms bool) {
	s := []*cdknag.NagPackSuppression{
		rule("HIPAA.Security-S3BucketReplicationEnabled", whyNoReplication),
		rule("NIST.800.53.R5-S3BucketReplicationEnabled", whyNoReplication),
		rule("PCI.DSS.321-S3BucketReplicationEnabled", whyNoReplication),
	}
	if !kms {
		s = append(s,
			rule("HIPAA.Security-S3DefaultEncryptionKMS", whySSES3),
			rule("NIST.800.53.R5-S3DefaultEncryptionKMS", whySSES3),
			rule("PCI.DSS.321-S3DefaultEncryptionKMS", whySSES3),
		)
	}
	suppress(b, s...)
}

const (
	whyLogsNotLogged = "This is the access-log bucket itself: logging it into itself would log its own log deliveries without end, and a second log bucket would only move the question; reads of it are in CloudTrail."
	whyLogsSSES3     = "S3 server access logs can only be delivered to a bucket whose default encryption is SSE-S3 (S3 User Guide, \"Enabling Amazon S3 server access logging\"); SSE-KMS would stop the delivery."
	whyNoReplication = "Cross-region replication needs a second bucket in another region, with its own endpoint and endpoint-only policy, and the replication role allowed through both: a decision for the data's owner, not a default. Versioning, which replication needs, is on."
	whySSES3         = "SSE-S3 is the default on purpose: no key to pay for each month or to manage. kms=true (PrivateBucketProps.KmsEncryption) switches to SSE-KMS with a rotating customer managed key and the S3 Bucket Key."
)

func suppress(c constructs.IConstruct, s ...*cdknag.NagPackSuppression) {
	cdknag.NagSuppressions_AddResourceSuppressions(c, &s, jsii.Bool(false))
}

func rule(id, reason string) *cdknag.NagPackSuppression {
	return &cdknag.NagPackSuppression{Id: jsii.String(id), Reason: jsii.String(reason)}
}
