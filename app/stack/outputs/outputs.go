// Package outputs names what the deployed stack tells the outside world: its
// name and its output keys. The stack writes them, the post-deploy check
// reads them; this package imports nothing, so the check does not link the
// CDK.
package outputs

// Output keys of the stack.
const (
	BucketName   = "BucketName"
	UploaderName = "UploaderFunctionName"
	ControlName  = "ControlFunctionName"
	EndpointID   = "EndpointId"
	// KeyArn is the bucket's KMS key, with KMS on: a cross-account writer's
	// identity policy names it.
	KeyArn = "KeyArn"
	// CanaryAlarmName is the privacy canary's alarm, with canary set.
	CanaryAlarmName = "CanaryAlarmName"
	// CanaryProverName is the canary's function, with canary set.
	CanaryProverName = "CanaryProverName"
)

// ProbePrefix is where the post-deploy check writes its probe objects; the
// stack expires them.
const ProbePrefix = "probe/"

// StackName returns the stack name for a stage.
func StackName(stage string) string { return "PrivateS3-" + stage }
