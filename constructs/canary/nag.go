package canary

import (
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsevents"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"

	"github.com/privates3/privates3/constructs/nagsuppress"
)

// The cdk-nag findings the canary keeps on purpose, each suppressed on the
// resource it concerns with the reason a reviewer needs.

const (
	whyOutsideVPC           = "The prover calls Lambda's API to invoke the uploader and the control; the isolated subnets have no route to it (no NAT, no Lambda interface endpoint, which would add a fixed monthly cost), and the prover touches no data: its role may invoke the two functions and write its log, nothing else."
	whyNoDLQ                = "EventBridge's schedule invokes the prover asynchronously with retries off; a run that fails publishes no metric, and the canary's alarm treats missing data as a failed proof, so a dead-letter queue would hold nothing the alarm has not already said."
	whyNoFailureDestination = "A run that fails (the prover could not judge, or Lambda could not start it) publishes no metric, and the canary's alarm treats missing data as a failed proof: the alarm is where a failed run is seen, and a failure destination would hold only the scheduled event, which carries nothing to reprocess."
	whyNoTracing            = "Each run's verdict is one log line (and its metric); the two invocations it makes are the uploader's and the control's, whose own logs carry the request ids."
	whyLogsNotCMK           = "CloudWatch Logs encrypts every log group at rest with AWS-managed keys; the prover's log holds verdicts and error messages, never object content, and a customer managed key would add a fixed monthly cost."
	whyNoAction             = "No AlarmTopic was given (the app's canaryTopicArn): the alarm's state is in CloudWatch, where a console, a dashboard or an EventBridge rule on alarm state changes reads it; give a topic to be notified."
	whyNoReserve            = "ReservedConcurrency is -1 by the app's choice, as for the functions: an account whose quota leaves no more than 100 unreserved cannot reserve any (Lambda Developer Guide, \"Configuring reserved concurrency for a function\"). The schedule starts one run per interval."
)

func suppressProverFindings(fn awslambda.Function, noReservation bool) {
	nagsuppress.On(fn, false,
		nagsuppress.Rule("HIPAA.Security-LambdaInsideVPC", whyOutsideVPC),
		nagsuppress.Rule("NIST.800.53.R5-LambdaInsideVPC", whyOutsideVPC),
		nagsuppress.Rule("PCI.DSS.321-LambdaInsideVPC", whyOutsideVPC),
		nagsuppress.Rule("HIPAA.Security-LambdaDLQ", whyNoDLQ),
		nagsuppress.Rule("NIST.800.53.R5-LambdaDLQ", whyNoDLQ),
		nagsuppress.Rule("Serverless-LambdaDLQ", whyNoDLQ),
		nagsuppress.Rule("Serverless-LambdaTracing", whyNoTracing),
	)
	// On the function's EventInvokeConfig, its child.
	nagsuppress.On(fn, true, nagsuppress.Rule("Serverless-LambdaAsyncFailureDestination", whyNoFailureDestination))
	if noReservation {
		nagsuppress.On(fn, false,
			nagsuppress.Rule("HIPAA.Security-LambdaConcurrency", whyNoReserve),
			nagsuppress.Rule("NIST.800.53.R5-LambdaConcurrency", whyNoReserve),
		)
	}
}

func suppressRuleFindings(rule awsevents.Rule) {
	nagsuppress.On(rule, false, nagsuppress.Rule("Serverless-EventBusDLQ", whyNoFailureDestination))
}

func suppressNoAlarmAction(alarm awscloudwatch.Alarm) {
	nagsuppress.On(alarm, false,
		nagsuppress.Rule("HIPAA.Security-CloudWatchAlarmAction", whyNoAction),
		nagsuppress.Rule("NIST.800.53.R5-CloudWatchAlarmAction", whyNoAction),
	)
}
