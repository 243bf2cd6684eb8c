package nagsuppress

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
)

// RestrictDefaultSG suppresses, with their reasons, what the packs find in
// what CDK adds for a new VPC (an awsec2.Vpc) made with
// RestrictDefaultSecurityGroup: the Custom::VpcRestrictDefaultSG
// resource's provider, a CustomResourceProvider that CDK shares among the
// stack's VPCs and writes as plain CfnResources, so that only packs run
// over the template (app/stack.CheckTemplates) see it; and the VPC itself,
// whose default group that resource closes: VPCDefaultSecurityGroupClosed
// looks for CDK's restriction in the construct tree, which a template
// included with CfnInclude does not have, so over the template it always
// fires. Calling it for each VPC of a stack is harmless: cdk-nag writes a
// suppression once.
//
// There is no fix to prefer: CloudFormation has no resource or property
// for a VPC's default security group's rules (which is why CDK removes them
// with a custom resource, aws/aws-cdk#25297), and CDK's provider takes no
// props for its function or its role (aws/aws-cdk#31628).
//
// A CDK release that renames the provider or the VPC's custom resource
// makes FindChild fail the synth here, rather than leave the findings
// unsuppressed in the template.
func RestrictDefaultSG(vpc constructs.IConstruct) {
	vpc.Node().FindChild(jsii.String("RestrictDefaultSecurityGroupCustomResource"))
	On(vpc, false,
		Rule("HIPAA.Security-VPCDefaultSecurityGroupClosed", whyDefaultSGClosed),
		Rule("NIST.800.53.R5-VPCDefaultSecurityGroupClosed", whyDefaultSGClosed),
		Rule("PCI.DSS.321-VPCDefaultSecurityGroupClosed", whyDefaultSGClosed),
	)
	provider := awscdk.Stack_Of(vpc).Node().FindChild(jsii.String("Custom::VpcRestrictDefaultSGCustomResourceProvider"))
	On(provider.Node().FindChild(jsii.String("Handler")), false,
		Rule("AwsSolutions-L1", whyProviderRuntime),
		Rule("Serverless-LambdaLatestVersion", whyProviderRuntime),
		Rule("HIPAA.Security-LambdaConcurrency", whyProviderConcurrency),
		Rule("NIST.800.53.R5-LambdaConcurrency", whyProviderConcurrency),
		Rule("HIPAA.Security-LambdaDLQ", whyProviderDLQ),
		Rule("NIST.800.53.R5-LambdaDLQ", whyProviderDLQ),
		Rule("Serverless-LambdaDLQ", whyProviderDLQ),
		Rule("HIPAA.Security-LambdaInsideVPC", whyProviderOutsideVPC),
		Rule("NIST.800.53.R5-LambdaInsideVPC", whyProviderOutsideVPC),
		Rule("PCI.DSS.321-LambdaInsideVPC", whyProviderOutsideVPC),
		Rule("Serverless-LambdaTracing", whyProviderTracing),
	)
	On(provider.Node().FindChild(jsii.String("Role")), false,
		Rule("AwsSolutions-IAM4", whyProviderLogs, `/^Policy::arn:<AWS::Partition>:iam::aws:policy\/service-role\/AWSLambdaBasicExecutionRole$/`),
		Rule("HIPAA.Security-IAMNoInlinePolicy", whyProviderInline),
		Rule("NIST.800.53.R5-IAMNoInlinePolicy", whyProviderInline),
		Rule("PCI.DSS.321-IAMNoInlinePolicy", whyProviderInline),
	)
}

const (
	whyDefaultSGClosed     = "The VPC's default security group is closed by CDK's Custom::VpcRestrictDefaultSG resource in this template (its DefaultSecurityGroupId is this VPC's DefaultSecurityGroup attribute), which revokes the default group's rules at deploy; the rule recognises it only through the CDK construct tree, which a template read on its own does not have."
	whyProviderRuntime     = "CDK's own handler for Custom::VpcRestrictDefaultSG: CDK bundles its code and chooses its runtime, and moves the runtime forward with its releases; running CDK's code on a runtime CDK has not chosen could fail the deploy. It runs only while CloudFormation deploys the VPC."
	whyProviderConcurrency = "CloudFormation invokes this provider once per create, update or delete of the VPC's Custom::VpcRestrictDefaultSG resource, and it has no resource-based policy letting any other service or account invoke it: there is no load to limit, and CDK offers no prop to set a limit."
	whyProviderDLQ         = "CloudFormation invokes this provider and waits for its answer on a pre-signed URL; a failure fails and rolls back the deploy, where CloudFormation shows it (CloudFormation User Guide, custom resources), so a dead-letter queue would hold events nobody replays."
	whyProviderOutsideVPC  = "The provider calls the EC2 API (Authorize/RevokeSecurityGroupIngress/Egress on the default group) and answers CloudFormation on a pre-signed S3 URL; the VPC's isolated subnets have no path to either (no NAT, no EC2 interface endpoint, an endpoint policy for the one bucket). It touches no data."
	whyProviderTracing     = "CDK's provider takes no prop for X-Ray tracing; it runs once per deploy of the VPC, CloudFormation records each of its calls and results in the stack's events, and CDK logs it to its own CloudWatch log group."
	whyProviderLogs        = "CDK attaches AWSLambdaBasicExecutionRole to its provider's role and offers no way to replace it (aws/aws-cdk#31628): logs:CreateLogGroup, CreateLogStream and PutLogEvents, the function's own logging. Its one other right, inline, is on this VPC's default security group alone."
	whyProviderInline      = "CDK writes its provider's one right inline: ec2:Authorize/RevokeSecurityGroupIngress/Egress on this VPC's default security group only (by ARN). A managed policy would hold the same statement in another resource, and CDK offers no prop to move it there."
)
