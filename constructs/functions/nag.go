package functions

import (
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"

	"github.com/privates3/privates3/constructs/nagsuppress"
)

// The cdk-nag findings these functions keep on purpose, each suppressed on
// the resource it concerns with the reason a reviewer needs.

const (
	whyNoDLQ          = "The functions are invoked synchronously (the post-deploy check, a caller's SDK): every error returns to the caller with its type, and nothing invokes them asynchronously, so a dead-letter queue would be a queue nobody reads."
	whyNoTracing      = "Active X-Ray tracing sends segments through the function's network, which in the isolated subnets has no path to the X-Ray API; the JSON log line carries the request id, and CloudTrail data events record each S3 request."
	whyLogsNotCMK     = "CloudWatch Logs encrypts every log group at rest with AWS-managed keys; a customer managed key would add a fixed monthly cost and a key policy trusting the logs service, for logs that hold request metadata and never object content."
	whyObjectWildcard = "Object keys are the caller's choice, so the grant covers every key under the bucket (or KEY_PREFIX); the actions are only PutObject and PutObjectTagging, and the endpoint policy and bucket policy narrow them further."
	whyENIWildcard    = "Lambda manages the function's network interfaces with these EC2 actions (Lambda Developer Guide, execution role permissions for a VPC); EC2's Describe actions support no resource-level permissions, so the resource must be \"*\"."
	whyProvider       = "CDK's AwsCustomResource provider, run once per deploy to read the region's S3 prefix list id with ec2:DescribeManagedPrefixLists (which takes no resource) and nothing else, no S3 rights; CDK sets its runtime, memory, role and network. Pass prefixListId and it is not created at all."
	whyNoReservation  = "ReservedConcurrency is -1 by the app's choice: Lambda lets a function reserve only what leaves 100 of the account's concurrency unreserved (Lambda Developer Guide, \"Configuring reserved concurrency for a function\": \"You can reserve up to the Unreserved account concurrency value minus 100\"), so an account whose quota is below that, as a new account's reduced quota can be (Lambda Developer Guide, \"Lambda quotas\"), cannot reserve any and the deploy would fail."
	whyOutsideVPC     = "The control function runs outside any VPC on purpose: its write must be denied by the bucket policy, which is the living proof that the bucket refuses requests not made through the endpoint. It can be left out with includeControl=false."
)

// objectWildcard is how cdk-nag spells the bucket's objects (under a prefix).
const objectWildcard = `/^Resource::<[A-Za-z0-9]+\.Arn>\/.*\*$/`

func suppressFunctionFindings(fn awslambda.Function, rights awsiam.ManagedPolicy, inVpc, noReservation bool) {
	if noReservation {
		nagsuppress.On(fn, false,
			nagsuppress.Rule("HIPAA.Security-LambdaConcurrency", whyNoReservation),
			nagsuppress.Rule("NIST.800.53.R5-LambdaConcurrency", whyNoReservation),
		)
	}
	nagsuppress.On(fn, false,
		nagsuppress.Rule("HIPAA.Security-LambdaDLQ", whyNoDLQ),
		nagsuppress.Rule("NIST.800.53.R5-LambdaDLQ", whyNoDLQ),
		nagsuppress.Rule("Serverless-LambdaDLQ", whyNoDLQ),
		nagsuppress.Rule("Serverless-LambdaTracing", whyNoTracing),
	)
	if !inVpc {
		nagsuppress.On(fn, false,
			nagsuppress.Rule("HIPAA.Security-LambdaInsideVPC", whyOutsideVPC),
			nagsuppress.Rule("NIST.800.53.R5-LambdaInsideVPC", whyOutsideVPC),
			nagsuppress.Rule("PCI.DSS.321-LambdaInsideVPC", whyOutsideVPC),
		)
	}
	// One suppression of a rule per resource, with both reasons: the one
	// sentence a reviewer reads for it.
	if inVpc {
		nagsuppress.On(rights, false, nagsuppress.Rule("AwsSolutions-IAM5", whyObjectWildcard+" "+whyENIWildcard, objectWildcard, `/^Resource::\*$/`))
	} else {
		nagsuppress.On(rights, false, nagsuppress.Rule("AwsSolutions-IAM5", whyObjectWildcard, objectWildcard))
	}
}

func suppressLogFindings(logs awslogs.ILogGroup) { nagsuppress.LogGroupNotCMK(logs, whyLogsNotCMK) }

func suppressProviderFindings(provider constructs.IConstruct) {
	ids := []string{
		"AwsSolutions-L1", "Serverless-LambdaLatestVersion", "Serverless-LambdaDefaultMemorySize", "Serverless-LambdaTracing",
		"HIPAA.Security-LambdaConcurrency", "NIST.800.53.R5-LambdaConcurrency",
		"HIPAA.Security-LambdaDLQ", "NIST.800.53.R5-LambdaDLQ", "Serverless-LambdaDLQ",
		"HIPAA.Security-LambdaInsideVPC", "NIST.800.53.R5-LambdaInsideVPC", "PCI.DSS.321-LambdaInsideVPC",
		"HIPAA.Security-CloudWatchLogGroupEncrypted", "NIST.800.53.R5-CloudWatchLogGroupEncrypted", "PCI.DSS.321-CloudWatchLogGroupEncrypted",
	}
	var s []*cdknag.NagPackSuppression
	for _, id := range ids {
		s = append(s, nagsuppress.Rule(id, whyProvider))
	}
	s = append(s, nagsuppress.Rule("AwsSolutions-IAM4", whyProvider, `/^Policy::arn:<AWS::Partition>:iam::aws:policy\/service-role\/AWSLambdaBasicExecutionRole$/`))
	nagsuppress.On(provider, true, s...)
}
