// Package probe is the post-deploy check: it reads a deployed privates3
// stack's outputs, invokes the uploader and the control function with a
// probe event, and judges what it observed against the design. The uploader
// (inside the VPC, through the endpoint) must store the object; the control
// (same code and rights, outside any VPC) must be refused with AccessDenied
// by the bucket policy: an explicit deny in a resource-based policy. A
// control that succeeds means the bucket is not private; a control refused
// by anything else (an Organizations policy, a permissions boundary, a
// session policy, IAM, a message that names no policy) or failing for any
// other reason proves nothing.
//
// The synth-time access matrix proves the same thing from the template; this
// check proves it against what AWS actually deployed. DetectDrift adds
// CloudFormation's own drift detection: whether the bucket, its policy, the
// endpoint, the functions and their roles are still what the template says.
package probe

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	lambdatypes "github.com/aws/aws-sdk-go-v2/service/lambda/types"
	"github.com/aws/smithy-go"

	stackoutputs "github.com/privates3/privates3/app/stack/outputs"
	"github.com/privates3/privates3/lambda/uploader/contract"
)

// Output keys of the stack, and where probe objects go (a lifecycle rule
// of the stack expires them).
const (
	OutputBucketName   = stackoutputs.BucketName
	OutputUploaderName = stackoutputs.UploaderName
	OutputControlName  = stackoutputs.ControlName
	OutputEndpointID   = stackoutputs.EndpointID
	KeyPrefix          = stackoutputs.ProbePrefix
)

// StackReader is what the check calls on CloudFormation.
type StackReader interface {
	DescribeStacks(context.Context, *cloudformation.DescribeStacksInput, ...func(*cloudformation.Options)) (*cloudformation.DescribeStacksOutput, error)
}

// Invoker is what the check calls on Lambda.
type Invoker interface {
	Invoke(context.Context, *lambda.InvokeInput, ...func(*lambda.Options)) (*lambda.InvokeOutput, error)
}

// Stack is what the check needs from the deployed stack.
type Stack struct {
	Name       string `json:"name"`
	Status     string `json:"status"`
	Bucket     string `json:"bucket"`
	EndpointID string `json:"endpoint_id,omitempty"`
	Uploader   string `json:"uploader"`
	// Control is empty when the stack was deployed with
	// includeControl=false.
	Control string `json:"control,omitempty"`
}

// ErrStackNotFound is returned (wrapped) when CloudFormation has no stack
// of that name in the region.
var ErrStackNotFound = errors.New("stack not found")

// stackName is CloudFormation's rule for names (a stack id ARN is also
// accepted by DescribeStacks).
var stackName = regexp.MustCompile(`^([A-Za-z][A-Za-z0-9-]{0,127}|arn:[^:\s]+:cloudformation:[^:\s]+:\d{12}:stack/[A-Za-z][A-Za-z0-9-]*/[0-9a-f-]+)$`)

// ValidStackName reports a clear error for a name CloudFormation would
// reject, before any request is sent.
func ValidStackName(name string) error {
	if !stackName.MatchString(name) {
		return fmt.Errorf("stack name %q: want a letter followed by up to 127 letters, digits or hyphens (e.g. PrivateS3-dev), or a stack ARN", name)
	}
	return nil
}

// ReadStack reads the stack's outputs.
func ReadStack(ctx context.Context, cf StackReader, name string) (Stack, error) {
	if err := ValidStackName(name); err != nil {
		return Stack{}, err
	}
	out, err := cf.DescribeStacks(ctx, &cloudformation.DescribeStacksInput{StackName: aws.String(name)})
	if err != nil {
		var ae smithy.APIError
		// CloudFormation reports a missing stack as a ValidationError whose
		// message says "does not exist"; there is no dedicated code.
		if errors.As(err, &ae) && ae.ErrorCode() == "ValidationError" && strings.Contains(ae.ErrorMessage(), "does not exist") {
			return Stack{}, fmt.Errorf("%w: %s (%s)", ErrStackNotFound, name, ae.ErrorMessage())
		}
		return Stack{}, fmt.Errorf("describe stack %s: %w", name, err)
	}
	if out == nil || len(out.Stacks) != 1 {
		n := 0
		if out != nil {
			n = len(out.Stacks)
		}
		return Stack{}, fmt.Errorf("describe stack %s: CloudFormation returned %d stacks, want exactly 1", name, n)
	}
	st := out.Stacks[0]
	s := Stack{Name: aws.ToString(st.StackName), Status: string(st.StackStatus)}
	outputs := map[string]string{}
	for _, o := range st.Outputs {
		outputs[aws.ToString(o.OutputKey)] = aws.ToString(o.OutputValue)
	}
	s.Bucket, s.Uploader, s.Control, s.EndpointID = outputs[OutputBucketName], outputs[OutputUploaderName], outputs[OutputControlName], outputs[OutputEndpointID]
	var missing []string
	if s.Bucket == "" {
		missing = append(missing, OutputBucketName)
	}
	if s.Uploader == "" {
		missing = append(missing, OutputUploaderName)
	}
	if len(missing) > 0 {
		// A stack that failed to create or is still rolling out has no
		// outputs yet; its status says which.
		return s, fmt.Errorf("stack %s (status %s) lacks the output%s %s: is it a privates3 stack, and has its deployment finished?", s.Name, s.Status, plural(len(missing)), strings.Join(missing, ", "))
	}
	return s, nil
}

// Outcomes of one invocation.
const (
	// Stored: the function returned a contract.Response.
	Stored = "stored"
	// FunctionError: the function ran and returned an error.
	FunctionError = "function-error"
	// InvokeFailed: Lambda did not run the function (not found, no
	// permission, throttled) or returned something unreadable.
	InvokeFailed = "invoke-failed"
	// NotDeployed: the stack has no such function.
	NotDeployed = "not-deployed"
)

// Observation is what one function did with the probe.
type Observation struct {
	// Role is "uploader" or "control".
	Role     string `json:"role"`
	Function string `json:"function,omitempty"`
	Key      string `json:"key,omitempty"`
	// Expected is "stored" for the uploader, "AccessDenied" for the
	// control.
	Expected string `json:"expected"`
	Outcome  string `json:"outcome"`
	// Set when Outcome is Stored.
	Bucket    string `json:"bucket,omitempty"`
	StoredKey string `json:"stored_key,omitempty"`
	VersionID string `json:"version_id,omitempty"`
	// Set when Outcome is FunctionError or InvokeFailed.
	ErrorType    string `json:"error_type,omitempty"`
	ErrorMessage string `json:"error_message,omitempty"`
	// LogTail is the end of the invocation's log, kept only when the
	// observation is not what was expected, to start the investigation.
	LogTail string `json:"log_tail,omitempty"`
	OK      bool   `json:"ok"`
	// Verdict says in one sentence what the observation means.
	Verdict string `json:"verdict"`
}

// Result is the observed matrix and the verdict.
type Result struct {
	Stack    Stack       `json:"stack"`
	Uploader Observation `json:"uploader"`
	Control  Observation `json:"control"`
	Passed   bool        `json:"passed"`
	// Problems lists each observation that was not what the design
	// expects; empty when Passed.
	Problems []string `json:"problems"`
	Summary  string   `json:"summary"`
	// Drift is CloudFormation's drift detection, when asked for
	// (postdeploy --drift); its problems are in Problems too.
	Drift *Drift `json:"drift,omitempty"`
}

// Keys returns the probe keys for a run id: one per function, so each
// write is judged on its own (with one key, the control's conditional write
// of a key the uploader just created would fail with AlreadyExists even on
// a bucket that is not private).
func Keys(id string) (uploader, control string) {
	return KeyPrefix + id + "-uploader.txt", KeyPrefix + id + "-control.txt"
}

var runID = regexp.MustCompile(`^[A-Za-z0-9._-]{1,100}$`)

// Run reads the stack and probes both functions (Prove). id makes the
// keys unique (the command uses the time and random bytes). The error is
// for a check that could not run (bad id, stack not found or unreadable);
// what the functions did, good or bad, is in the Result.
func Run(ctx context.Context, cf StackReader, lam Invoker, stack, id string) (*Result, error) {
	if err := checkID(id); err != nil {
		return nil, err
	}
	st, err := ReadStack(ctx, cf, stack)
	if err != nil {
		return nil, err
	}
	return Prove(ctx, lam, st, id)
}

// Prove probes the functions of st and judges what they did: the one
// judgement of the post-deploy check and the canary (lambda/prover),
// which knows the functions from its environment rather than from the
// stack's outputs. The error is for a bad id only.
func Prove(ctx context.Context, lam Invoker, st Stack, id string) (*Result, error) {
	if err := checkID(id); err != nil {
		return nil, err
	}
	res := &Result{Stack: st}
	upKey, ctlKey := Keys(id)
	res.Uploader = invoke(ctx, lam, "uploader", st.Uploader, upKey)
	judgeUploader(&res.Uploader, st.Bucket)
	if st.Control == "" {
		res.Control = Observation{Role: "control", Expected: contract.ErrAccessDenied, Outcome: NotDeployed, OK: true,
			Verdict: "not deployed (the stack has no " + OutputControlName + " output: includeControl=false), so this run does not prove the bucket is private"}
	} else {
		res.Control = invoke(ctx, lam, "control", st.Control, ctlKey)
		judgeControl(&res.Control, st.Bucket)
	}
	res.judge()
	return res, nil
}

func checkID(id string) error {
	if !runID.MatchString(id) {
		return fmt.Errorf("probe id %q: want 1-100 letters, digits, dots, hyphens or underscores", id)
	}
	return nil
}

// AddDrift adds the drift detection's outcome to the result: its problems
// fail the check as the probes' do.
func (res *Result) AddDrift(d *Drift) {
	res.Drift = d
	res.judge()
}

// judge sets Problems, Passed and Summary from the observations and the
// drift detection, if any.
func (res *Result) judge() {
	res.Problems = []string{} // [] rather than null in JSON
	for _, o := range []*Observation{&res.Uploader, &res.Control} {
		if !o.OK {
			res.Problems = append(res.Problems, o.Role+": "+o.Verdict)
		}
	}
	if res.Drift != nil {
		res.Problems = append(res.Problems, res.Drift.Problems...)
	}
	res.Passed = len(res.Problems) == 0
	switch {
	case !res.Passed:
		res.Summary = "FAIL: " + strings.Join(res.Problems, "; ")
	case res.Control.Outcome == NotDeployed:
		res.Summary = "PASS (uploader only): the uploader stored the probe through the endpoint; the control is not deployed, so privacy was not probed (deploy with -c includeControl=true to prove it)"
	default:
		res.Summary = "PASS: the uploader stored the probe through the endpoint and the control outside the VPC was refused: the bucket is private"
	}
	if res.Passed && res.Drift != nil {
		res.Summary += "; CloudFormation found no drift in the bucket, its policy, the endpoint, the functions or their roles"
		if n := len(res.Drift.NotChecked); n > 0 {
			res.Summary += fmt.Sprintf(" (%d resource%s not checked: drift detection does not support %s)", n, plural(n), notCheckedTypes(res.Drift.NotChecked))
		}
	}
}

func notCheckedTypes(rs []ResourceDrift) string {
	seen := map[string]bool{}
	var types []string
	for _, r := range rs {
		if !seen[r.Type] {
			seen[r.Type] = true
			types = append(types, r.Type)
		}
	}
	return strings.Join(types, ", ")
}

// logTailBytes bounds the log kept from a failed invocation; Lambda returns
// at most the last 4 KB anyway.
const logTailBytes = 4096

func invoke(ctx context.Context, lam Invoker, role, fn, key string) Observation {
	o := Observation{Role: role, Function: fn, Key: key, Expected: Stored}
	if role == "control" {
		o.Expected = contract.ErrAccessDenied
	}
	content := "privates3 post-deploy probe " + key
	payload, err := json.Marshal(contract.Event{Key: key, Content: &content, ContentType: "text/plain", Overwrite: false})
	if err != nil {
		o.Outcome, o.ErrorMessage = InvokeFailed, err.Error()
		return o
	}
	out, err := lam.Invoke(ctx, &lambda.InvokeInput{
		FunctionName:   aws.String(fn),
		InvocationType: lambdatypes.InvocationTypeRequestResponse,
		LogType:        lambdatypes.LogTypeTail,
		Payload:        payload,
	})
	if err != nil {
		o.Outcome = InvokeFailed
		var ae smithy.APIError
		if errors.As(err, &ae) {
			o.ErrorType, o.ErrorMessage = ae.ErrorCode(), ae.ErrorMessage()
		} else {
			o.ErrorMessage = err.Error()
		}
		return o
	}
	if out.LogResult != nil {
		if b, err := base64.StdEncoding.DecodeString(*out.LogResult); err == nil {
			if len(b) > logTailBytes {
				b = b[len(b)-logTailBytes:]
			}
			o.LogTail = string(b)
		}
	}
	if out.FunctionError != nil {
		o.Outcome = FunctionError
		var fe struct {
			Type    string `json:"errorType"`
			Message string `json:"errorMessage"`
		}
		if err := json.Unmarshal(out.Payload, &fe); err != nil || fe.Type == "" {
			// Lambda's own failures (a crash, a timeout) have this shape
			// too; anything else is reported as Lambda gave it.
			o.ErrorType = "Unreadable" + *out.FunctionError + "Error"
			o.ErrorMessage = fmt.Sprintf("function error payload is not {errorType, errorMessage}: %.300q", out.Payload)
			return o
		}
		o.ErrorType, o.ErrorMessage = fe.Type, fe.Message
		return o
	}
	// Unknown fields are allowed: a newer handler may add some, and the
	// check needs only these.
	var resp contract.Response
	if err := json.Unmarshal(out.Payload, &resp); err != nil || resp.Key == "" || resp.Bucket == "" {
		o.Outcome = InvokeFailed
		o.ErrorType = "UnreadableResponse"
		o.ErrorMessage = fmt.Sprintf("the function succeeded but its response is not the uploader's {bucket, key, version_id, ...}: %.300q", out.Payload)
		return o
	}
	o.Outcome, o.Bucket, o.StoredKey, o.VersionID = Stored, resp.Bucket, resp.Key, resp.VersionID
	return o
}

// hints explain the uploader's contract errors in terms of the deployment.
var hints = map[string]string{
	contract.ErrAccessDenied:  "the bucket refused the uploader: check that the endpoint id in the bucket policy is the one on the uploader's route tables, and the endpoint policy",
	contract.ErrS3Unreachable: "the uploader could not reach S3: check that the gateway endpoint is on the uploader subnets' route tables and the security group allows 443 to the S3 prefix list",
	contract.ErrAlreadyExists: "the probe key already exists, which a fresh unique key should never do: was the same probe id reused?",
	contract.ErrThrottled:     "S3 throttled the write: run the check again",
	contract.ErrInvalidInput:  "the uploader rejected the probe event: the deployed handler does not match this check's contract",
}

func judgeUploader(o *Observation, bucket string) {
	switch o.Outcome {
	case Stored:
		if o.Bucket != bucket {
			o.Verdict = fmt.Sprintf("stored %s in bucket %s, but the stack's bucket is %s", o.StoredKey, o.Bucket, bucket)
			return
		}
		o.OK = true
		o.LogTail = ""
		o.Verdict = "stored " + o.StoredKey + " " + version(o.VersionID)
	case FunctionError:
		o.Verdict = fmt.Sprintf("failed with %s: %s", o.ErrorType, o.ErrorMessage)
		if h := hints[o.ErrorType]; h != "" {
			o.Verdict += " (" + h + ")"
		}
	default:
		o.Verdict = invokeFailure(o)
	}
}

func judgeControl(o *Observation, bucket string) {
	switch {
	case o.Outcome == Stored:
		o.Verdict = fmt.Sprintf("stored %s %s from outside the VPC: the bucket is NOT private; find out why before using it", o.StoredKey, version(o.VersionID))
	case o.Outcome == FunctionError && o.ErrorType == contract.ErrAccessDenied && credentialsRefused(o.ErrorMessage) != "":
		o.Verdict = "refused with AccessDenied, but for its credentials (" + credentialsRefused(o.ErrorMessage) + "), not by the bucket policy, so the probe proves nothing: " + o.ErrorMessage
	case o.Outcome == FunctionError && o.ErrorType == contract.ErrAccessDenied:
		// Only the bucket policy's own refusal proves privacy (denial.go
		// says which message forms AWS documents and why).
		ok, why := ParseDenial(o.ErrorMessage).BucketRefused(bucket)
		if !ok {
			o.Verdict = "refused with AccessDenied, but " + why + ", so the probe proves nothing: " + o.ErrorMessage
			return
		}
		o.OK = true
		o.LogTail = ""
		o.Verdict = "refused with AccessDenied " + why + ", as it must be: " + o.ErrorMessage
	case o.Outcome == FunctionError:
		o.Verdict = fmt.Sprintf("failed with %s, not AccessDenied, so the probe proves nothing about the bucket policy: %s", o.ErrorType, o.ErrorMessage)
	default:
		o.Verdict = invokeFailure(o) + ", so the probe proves nothing about the bucket policy"
	}
}

// credentialCodes are S3 error codes the handler reports as AccessDenied
// although they refuse the caller's credentials or account, before any
// policy is read. The handler's message names the code in parentheses.
var credentialCodes = []string{"InvalidAccessKeyId", "SignatureDoesNotMatch", "ExpiredToken", "InvalidToken", "TokenRefreshRequired", "AccountProblem", "AllAccessDisabled"}

func credentialsRefused(msg string) string {
	for _, c := range credentialCodes {
		if strings.Contains(msg, "("+c+")") {
			return c
		}
	}
	return ""
}

func invokeFailure(o *Observation) string {
	if o.ErrorType != "" {
		return fmt.Sprintf("could not be invoked: %s: %s", o.ErrorType, o.ErrorMessage)
	}
	return "could not be invoked: " + o.ErrorMessage
}

func version(id string) string {
	if id == "" {
		// The bucket is versioned by design, so S3 always returns one;
		// its absence is worth a look but does not fail the check.
		return "(no version id: is versioning on?)"
	}
	return "(version " + id + ")"
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}
