package pipeline

import (
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/pipelines"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"

	"github.com/privates3/privates3/constructs/nagsuppress"
)

// The cdk-nag packs run on the pipeline's stack as on every stack of the
// app. What they find in our own constructs is fixed (the artifact bucket,
// the check roles' customer managed policies); what remains is how CDK
// Pipelines writes its own roles and projects, suppressed here with the
// reason, each IAM5 suppression narrowed to the wildcard it covers.

// suppressPipelineFindings covers the constructs CDK Pipelines made under
// cp (call it after BuildPipeline).
func suppressPipelineFindings(cp pipelines.CodePipeline) {
	nagsuppress.On(cp, true, append(cdkGrants(),
		nagsuppress.Rule("HIPAA.Security-CodeBuildProjectSourceRepoUrl", whyNoOAuth),
		nagsuppress.Rule("PCI.DSS.321-CodeBuildProjectSourceRepoUrl", whyNoOAuth),
	)...)
	// The self-mutation project runs `cdk deploy` of this stack: it reads
	// stacks and the bootstrap bucket, and assumes the bootstrap roles of
	// this account, which only the tag condition selects.
	nagsuppress.On(child(cp, "UpdatePipeline", "SelfMutation"), true, &cdknag.NagPackSuppression{
		Id: jsii.String("AwsSolutions-IAM5"), Reason: jsii.String(whySelfMutation), AppliesTo: &[]interface{}{
			"Resource::*",
			regex(`^Resource::arn:\*:iam::\d{12}:role/\*$`),
		}})
	// In another region CodePipeline keeps the artifacts in the support
	// stack's replication bucket, encrypted with a key this stack knows by
	// alias only.
	nagsuppress.On(child(cp, "Pipeline", "Role"), true, &cdknag.NagPackSuppression{
		Id: jsii.String("AwsSolutions-IAM5"), Reason: jsii.String(whyReplication), AppliesTo: &[]interface{}{
			"Resource::*",
			regex(`^Resource::arn:[^:]+:s3:::privates3-pipeline-supporeplicationbucket[0-9a-f]+/\*$`),
		}})
	// The asset publishing projects share one role, which CDK Pipelines
	// grants the CodeBuild logs and report groups of all of them, and the
	// starting of their builds.
	nagsuppress.On(child(cp, "Assets", "FileRole"), true, &cdknag.NagPackSuppression{
		Id: jsii.String("AwsSolutions-IAM5"), Reason: jsii.String(whyAssetRole), AppliesTo: &[]interface{}{
			"Resource::*",
			regex(`^Resource::arn:[^:]+:logs:[^:]+:\d{12}:log-group:/aws/codebuild/\*$`),
			regex(`^Resource::arn:[^:]+:codebuild:[^:]+:\d{12}:report-group/\*$`),
		}})
}

// child is the construct at path under c, as CDK Pipelines names it; a
// rename in a later CDK fails the synth here rather than leave findings
// suppressed elsewhere.
func child(c constructs.IConstruct, path ...string) constructs.IConstruct {
	for _, id := range path {
		c = c.Node().FindChild(jsii.String(id))
	}
	return c
}

// suppressSupportStack covers CodePipeline's support stack of another
// region: its replication bucket holds a copy of the run's artifacts there
// for the deploy actions of that region.
func suppressSupportStack(c constructs.IConstruct) {
	nagsuppress.On(c, true,
		nagsuppress.Rule("AwsSolutions-S1", whyReplicaBucket),
		nagsuppress.Rule("HIPAA.Security-S3BucketLoggingEnabled", whyReplicaBucket),
		nagsuppress.Rule("NIST.800.53.R5-S3BucketLoggingEnabled", whyReplicaBucket),
		nagsuppress.Rule("PCI.DSS.321-S3BucketLoggingEnabled", whyReplicaBucket),
		nagsuppress.Rule("HIPAA.Security-S3BucketVersioningEnabled", whyReplicaBucket),
		nagsuppress.Rule("NIST.800.53.R5-S3BucketVersioningEnabled", whyReplicaBucket),
		nagsuppress.Rule("PCI.DSS.321-S3BucketVersioningEnabled", whyReplicaBucket),
		nagsuppress.Rule("HIPAA.Security-S3BucketReplicationEnabled", whyReplicaBucket),
		nagsuppress.Rule("NIST.800.53.R5-S3BucketReplicationEnabled", whyReplicaBucket),
		nagsuppress.Rule("PCI.DSS.321-S3BucketReplicationEnabled", whyReplicaBucket),
	)
}

// suppressStepRole covers what CDK Pipelines adds to a check step's role
// (its default policy: the step's logs, report groups and input artifacts);
// the role's own right, in its managed policy, is not suppressed.
func suppressStepRole(role awsiam.Role) {
	nagsuppress.On(role.Node().FindChild(jsii.String("DefaultPolicy")), true, cdkGrants()...)
}

// cdkGrants are the findings in the grants CDK Pipelines writes to every
// role it uses: read or read-write of the artifact bucket and its key, and
// a CodeBuild project's own log group and report groups, all as inline
// default policies.
func cdkGrants() []*cdknag.NagPackSuppression {
	return []*cdknag.NagPackSuppression{
		{Id: jsii.String("AwsSolutions-IAM5"), Reason: jsii.String(whyArtifactGrants), AppliesTo: &[]interface{}{
			"Action::s3:GetBucket*", "Action::s3:GetObject*", "Action::s3:List*", "Action::s3:Abort*", "Action::s3:DeleteObject*",
			"Action::kms:GenerateDataKey*", "Action::kms:ReEncrypt*",
			regex(`^Resource::<ArtifactsBucket[0-9A-F]{8}\.Arn>/\*$`),
		}},
		{Id: jsii.String("AwsSolutions-IAM5"), Reason: jsii.String(whyProjectLogs), AppliesTo: &[]interface{}{
			regex(`^Resource::arn:[^:]+:logs:[^:]+:\d{12}:log-group:/aws/codebuild/<[A-Za-z0-9]+>:\*$`),
			regex(`^Resource::arn:[^:]+:codebuild:[^:]+:\d{12}:report-group/<[A-Za-z0-9]+>-\*$`),
		}},
		nagsuppress.Rule("HIPAA.Security-IAMNoInlinePolicy", whyInline),
		nagsuppress.Rule("NIST.800.53.R5-IAMNoInlinePolicy", whyInline),
		nagsuppress.Rule("PCI.DSS.321-IAMNoInlinePolicy", whyInline),
	}
}

const (
	whyArtifactGrants = "CDK Pipelines' grants on the pipeline's own artifact bucket and its key (Bucket.grantRead/grantReadWrite, Key.grantEncryptDecrypt): the wildcards are S3's and KMS's action groups and the bucket's objects, nothing outside the bucket and key."
	whyProjectLogs    = "CDK's grant to a CodeBuild project of its own log group (/aws/codebuild/<project>, its streams) and its own report groups (<project>-*): the wildcard is the streams and reports of that one project."
	whyInline         = "CDK Pipelines writes every grant to its roles into the role's default (inline) policy as it wires the pipeline; our own rights (the check's sts:AssumeRole) are a customer managed policy."
	whySelfMutation   = "The self-mutation step is `cdk deploy` of the pipeline's stack: cloudformation:DescribeStacks and s3:ListBucket on * (the CLI's reads of stacks and the bootstrap bucket), and sts:AssumeRole on this account's roles, only those tagged aws-cdk:bootstrap-role deploy, file-publishing or image-publishing."
	whyAssetRole      = "CDK Pipelines' asset publishing projects share one role: granted the logs and report groups of the account's /aws/codebuild namespace (there is one project per asset), and codebuild:StartBuild, BatchGetBuilds and StopBuild on * as the asset actions' role; its sts:AssumeRole is only on the environments' file-publishing roles."
	whyReplication    = "CodePipeline's grants on the support stack's replication bucket (its objects) and key of another region: the key lives in that region's stack and is named here by alias, so CDK writes its KMS statement on *."
	whyReplicaBucket  = "CodePipeline's replication bucket in another region holds a copy of each run's artifacts for that region's deploy actions; CDK makes it (KMS-encrypted with a rotating key, TLS only), each run copies its own artifacts there under new keys, and the pipeline's own artifact bucket is the versioned, logged original."
	whyNoOAuth        = "The projects take their input from CodePipeline (source type CODEPIPELINE), not from a repository: the repository is read by the pipeline's source action through the CodeStar connection, which authorizes with the host's own app installation, so there is no OAuth setting on a project to make."
)

func regex(r string) *cdknag.RegexAppliesTo {
	return &cdknag.RegexAppliesTo{Regex: jsii.String("/" + r + "/")}
}
