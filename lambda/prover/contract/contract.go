// Package contract is the privacy canary's prover function's public
// interface: the environment it reads and the CloudWatch metric it
// publishes. The construct that deploys the prover (constructs/canary)
// sets the one and alarms on the other; the prover's judgement
// (app/postdeploy/probe.Canary) reads and writes them. It imports nothing,
// so neither side links the other.
package contract

// Environment variables of the prover.
const (
	// EnvUploader and EnvControl name the functions the prover invokes.
	EnvUploader = "UPLOADER_FUNCTION"
	EnvControl  = "CONTROL_FUNCTION"
	// EnvBucket is the bucket both functions write: the control must be
	// refused by its bucket policy, and the metric's dimension names it.
	EnvBucket = "BUCKET_NAME"
)

// The metric: 1 when a run proved the bucket private, 0 when it did not.
// A run that ends before it can judge publishes nothing, and the alarm
// treats missing data as a failed proof.
const (
	MetricNamespace = "PrivateS3"
	MetricName      = "PrivacyProven"
	// MetricDimension is the metric's one dimension; its value is the
	// bucket's name.
	MetricDimension = "Bucket"
)
