package pipeline

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/privates3/privates3/constructs/storage"

	"github.com/privates3/privates3/constructs/nagsuppress"
)

// newArtifactBucket is the pipeline's artifact store, instead of the one
// CDK Pipelines would make: the same KMS encryption with a rotating key
// (which the environments' deploy roles are granted, for the cross-account
// deployments), TLS only and no public access, and also versioned, with
// server access logs, and old versions expired. It holds the source, the
// cloud assembly and the Lambda code of every run.
func newArtifactBucket(scope constructs.Construct) awss3.Bucket {
	c := constructs.NewConstruct(scope, jsii.String("Artifacts"))
	key := awskms.NewKey(c, jsii.String("Key"), &awskms.KeyProps{
		Description:       jsii.String("Encrypts the artifacts of the PrivateS3 pipeline; the environments' deploy roles may decrypt them"),
		EnableKeyRotation: jsii.Bool(true),
		// As CDK Pipelines' own artifact key: artifacts are rebuilt by the
		// next run, so the key goes with the stack (after KMS's waiting
		// period) rather than cost a dollar a month for ever.
		RemovalPolicy: awscdk.RemovalPolicy_DESTROY,
	})
	logs := storage.NewAccessLogsBucket(c, "AccessLogs")
	bucket := awss3.NewBucket(c, jsii.String("Bucket"), &awss3.BucketProps{
		BlockPublicAccess:      awss3.BlockPublicAccess_BLOCK_ALL(),
		Encryption:             awss3.BucketEncryption_KMS,
		EncryptionKey:          key,
		EnforceSSL:             jsii.Bool(true),
		MinimumTLSVersion:      jsii.Number(1.2),
		Versioned:              jsii.Bool(true),
		ObjectOwnership:        awss3.ObjectOwnership_BUCKET_OWNER_ENFORCED,
		ServerAccessLogsBucket: logs,
		ServerAccessLogsPrefix: jsii.String("artifacts/"),
		LifecycleRules: &[]*awss3.LifecycleRule{{
			// A run's artifacts are written once under keys of their own;
			// an overwritten or deleted one stays a month.
			Id:                          jsii.String("ExpireOldVersions"),
			NoncurrentVersionExpiration: awscdk.Duration_Days(jsii.Number(30)),
		}},
	})
	nagsuppress.On(bucket, false,
		nagsuppress.Rule("HIPAA.Security-S3BucketReplicationEnabled", whyArtifactsNotReplicated),
		nagsuppress.Rule("NIST.800.53.R5-S3BucketReplicationEnabled", whyArtifactsNotReplicated),
		nagsuppress.Rule("PCI.DSS.321-S3BucketReplicationEnabled", whyArtifactsNotReplicated),
	)
	return bucket
}

const (
	whyArtifactsNotReplicated = "Every artifact is rebuilt from the repository by the next run of the pipeline, so a replica in another region would protect nothing that a re-run does not restore; the bucket is versioned, which is what a replica would add against deletion."
)
