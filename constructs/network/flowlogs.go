package network

import (
	"fmt"

	"github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/privates3/privates3/constructs/nagsuppress"
)

// flowLogFields are the flow log record's fields, in order: the version 5
// fields that show a request to S3 leaving through the gateway endpoint
// (pkt-dst-aws-service is S3, dstaddr one of the S3 prefix list's ranges)
// next to the default ones (VPC User Guide, "Flow log records").
var flowLogFields = []string{
	"version", "account-id", "interface-id", "srcaddr", "dstaddr", "srcport", "dstport",
	"protocol", "packets", "bytes", "start", "end", "action", "log-status",
	"subnet-id", "flow-direction", "traffic-path", "pkt-dst-aws-service",
}

// flowLogs records the network's traffic into a log group: the whole VPC
// when this construct created it, only the selected subnets of an existing
// VPC (its other subnets are not this stack's to watch). They answer
// "private routing configured but never used": a put that took the
// endpoint shows as ACCEPT to S3 from the uploader's interface.
func flowLogs(c constructs.Construct, vpc awsec2.IVpc, subnets []awsec2.ISubnet, wholeVpc bool) awslogs.LogGroup {
	logs := awslogs.NewLogGroup(c, jsii.String("FlowLogs"), &awslogs.LogGroupProps{Retention: awslogs.RetentionDays_ONE_MONTH})
	format := make([]awsec2.LogFormat, 0, len(flowLogFields))
	for _, f := range flowLogFields {
		format = append(format, awsec2.LogFormat_Field(jsii.String(f))) // CDK writes ${f}
	}
	add := func(id string, resource awsec2.FlowLogResourceType) {
		fl := awsec2.NewFlowLog(c, jsii.String(id), &awsec2.FlowLogProps{
			ResourceType: resource,
			Destination:  awsec2.FlowLogDestination_ToCloudWatchLogs(logs, nil),
			TrafficType:  awsec2.FlowLogTrafficType_ALL,
			LogFormat:    &format,
			FlowLogName:  jsii.String(id),
		})
		nagsuppress.On(fl, true,
			nagsuppress.Rule("AwsSolutions-IAM5", whyFlowLogRole, `/^Resource::<[A-Za-z0-9]+\.Arn>:\*$/`),
			nagsuppress.Rule("HIPAA.Security-IAMNoInlinePolicy", whyFlowLogRole),
			nagsuppress.Rule("NIST.800.53.R5-IAMNoInlinePolicy", whyFlowLogRole),
			nagsuppress.Rule("PCI.DSS.321-IAMNoInlinePolicy", whyFlowLogRole),
		)
	}
	if wholeVpc {
		add("FlowLog", awsec2.FlowLogResourceType_FromVpc(vpc))
	} else {
		for i, s := range subnets {
			add(fmt.Sprintf("FlowLog%d", i+1), awsec2.FlowLogResourceType_FromSubnet(s))
		}
	}
	nagsuppress.LogGroupNotCMK(logs, whyLogsNotCMK)
	return logs
}

const (
	whyFlowLogRole = "The role CDK's FlowLog creates for delivery to CloudWatch Logs: it may write log streams of this one log group (log streams need the :* suffix) and nothing else."
	whyLogsNotCMK  = "CloudWatch Logs encrypts every log group at rest with AWS-managed keys; a customer managed key would add a fixed monthly cost and a key policy trusting the logs service, for flow records that hold addresses and ports, never object content."
)
