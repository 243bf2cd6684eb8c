package probe

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	cftypes "github.com/aws/aws-sdk-go-v2/service/cloudformation/types"
	"github.com/aws/smithy-go"
)

// DriftDetector is what the drift check calls on CloudFormation.
type DriftDetector interface {
	DetectStackDrift(context.Context, *cloudformation.DetectStackDriftInput, ...func(*cloudformation.Options)) (*cloudformation.DetectStackDriftOutput, error)
	DescribeStackDriftDetectionStatus(context.Context, *cloudformation.DescribeStackDriftDetectionStatusInput, ...func(*cloudformation.Options)) (*cloudformation.DescribeStackDriftDetectionStatusOutput, error)
	DescribeStackResourceDrifts(context.Context, *cloudformation.DescribeStackResourceDriftsInput, ...func(*cloudformation.Options)) (*cloudformation.DescribeStackResourceDriftsOutput, error)
	ListStackResources(context.Context, *cloudformation.ListStackResourcesInput, ...func(*cloudformation.Options)) (*cloudformation.ListStackResourcesOutput, error)
}

// guarded are the resource types whose drift fails the check, with what
// they are in the design: the bucket and its policy (privacy itself), the
// endpoint (its policy limits what goes through it), the functions and
// their roles and policies (who may write). Drift of any other resource
// (a log group, say) is reported but does not fail.
var guarded = map[string]string{
	"AWS::S3::Bucket":         "bucket",
	"AWS::S3::BucketPolicy":   "bucket policy",
	"AWS::EC2::VPCEndpoint":   "VPC endpoint",
	"AWS::Lambda::Function":   "function",
	"AWS::IAM::Role":          "role",
	"AWS::IAM::Policy":        "role policy",
	"AWS::IAM::ManagedPolicy": "managed policy",
	// Its key policy holds the cross-account writers' grant.
	"AWS::KMS::Key": "KMS key",
}

// DriftOptions bound the wait for CloudFormation's drift detection.
type DriftOptions struct {
	// Wait is how long to poll DescribeStackDriftDetectionStatus while it
	// says DETECTION_IN_PROGRESS before giving up (DetectStackDrift "can
	// take up to several minutes, depending on the number of resources":
	// CloudFormation API Reference, DetectStackDrift).
	Wait time.Duration
	// Interval is the first pause between polls; it doubles up to
	// maxPollInterval.
	Interval time.Duration
}

const maxPollInterval = 15 * time.Second

// Difference is one PropertyDifference of a drifted resource (CloudFormation
// API Reference, PropertyDifference), values trimmed to valueChars.
type Difference struct {
	Path     string `json:"path"`
	Type     string `json:"type"`
	Expected string `json:"expected"`
	Actual   string `json:"actual"`
}

// ResourceDrift is one StackResourceDrift (CloudFormation API Reference)
// whose status is MODIFIED, DELETED or UNKNOWN, or one resource that
// ListStackResources says is NOT_CHECKED.
type ResourceDrift struct {
	LogicalID  string `json:"logical_id"`
	PhysicalID string `json:"physical_id,omitempty"`
	Type       string `json:"type"`
	Status     string `json:"status"`
	// Guarded is true for the types whose drift fails the check.
	Guarded     bool         `json:"guarded"`
	Differences []Difference `json:"differences,omitempty"`
	// Reason is CloudFormation's DriftStatusReason (why it is UNKNOWN).
	Reason string `json:"reason,omitempty"`
}

// Drift is the outcome of CloudFormation drift detection on the stack.
type Drift struct {
	DetectionID string `json:"detection_id,omitempty"`
	// DetectionStatus is CloudFormation's (DETECTION_COMPLETE,
	// DETECTION_FAILED, DETECTION_IN_PROGRESS when the wait ran out), or
	// empty when detection could not be started or read.
	DetectionStatus string `json:"detection_status,omitempty"`
	StackStatus     string `json:"stack_drift_status,omitempty"`
	Reason          string `json:"detection_status_reason,omitempty"`
	// Drifted are the MODIFIED and DELETED resources, guarded first.
	Drifted []ResourceDrift `json:"drifted"`
	// Unknown are resources CloudFormation could not run drift detection
	// for (UNKNOWN, with a reason): a guarded one fails the check.
	Unknown []ResourceDrift `json:"unknown"`
	// NotChecked are resources whose type drift detection does not
	// support: neither a pass nor a failure.
	NotChecked []ResourceDrift `json:"not_checked"`
	Passed     bool            `json:"passed"`
	Problems   []string        `json:"problems"`
}

// DetectDrift runs CloudFormation's own drift detection on the stack
// (DetectStackDrift, then DescribeStackDriftDetectionStatus until it is no
// longer DETECTION_IN_PROGRESS, then DescribeStackResourceDrifts for what
// drifted and ListStackResources for what was not checked), so policies are
// compared by CloudFormation, not here. It never returns an
// error: anything that kept detection from concluding is a problem in the
// result, because drift that cannot be ruled out is not a pass.
func DetectDrift(ctx context.Context, cf DriftDetector, stack string, opt DriftOptions) *Drift {
	d := &Drift{Drifted: []ResourceDrift{}, Unknown: []ResourceDrift{}, NotChecked: []ResourceDrift{}, Problems: []string{}}
	fail := func(msg string) *Drift { // Passed stays false
		d.Problems = append(d.Problems, msg)
		return d
	}
	start, err := cf.DetectStackDrift(ctx, &cloudformation.DetectStackDriftInput{StackName: aws.String(stack)})
	if err != nil {
		msg := "drift detection could not start: " + apiMessage(err)
		if refused(err) {
			msg += needs
		}
		return fail(msg)
	}
	d.DetectionID = aws.ToString(start.StackDriftDetectionId)
	status, err := waitForDetection(ctx, cf, d.DetectionID, opt)
	if err != nil {
		return fail(err.Error())
	}
	d.DetectionStatus, d.StackStatus, d.Reason = string(status.DetectionStatus), string(status.StackDriftStatus), aws.ToString(status.DetectionStatusReason)
	switch status.DetectionStatus {
	case cftypes.StackDriftDetectionStatusDetectionInProgress:
		return fail(fmt.Sprintf("drift detection %s was still in progress after %v (it can take several minutes on a large stack): run again with a longer --drift-wait, or read the result later with aws cloudformation describe-stack-drift-detection-status --stack-drift-detection-id %s", d.DetectionID, opt.Wait, d.DetectionID))
	case cftypes.StackDriftDetectionStatusDetectionFailed:
		// "Results will be available for resources on which CloudFormation
		// successfully completed drift detection" (API Reference,
		// DescribeStackDriftDetectionStatus): read them, but what was not
		// checked may have drifted.
		d.Problems = append(d.Problems, fmt.Sprintf("drift detection %s failed for at least one resource (%s), so drift cannot be ruled out"+needs, d.DetectionID, orNone(d.Reason)))
	}
	if err := readResourceDrifts(ctx, cf, stack, d); err != nil {
		return fail(err.Error())
	}
	if err := readNotChecked(ctx, cf, stack, d); err != nil {
		return fail(err.Error())
	}
	for _, r := range append(append([]ResourceDrift{}, d.Drifted...), d.Unknown...) {
		if r.Guarded {
			d.Problems = append(d.Problems, driftProblem(r))
		}
	}
	d.Passed = len(d.Problems) == 0
	return d
}

// needs says what drift detection needs when it could not read a resource
// (CloudFormation User Guide, "Detect unmanaged configuration changes to
// stacks and resources with drift detection", section "Considerations when
// detecting drift").
const needs = ": the caller needs cloudformation:DetectStackDrift, DescribeStackDriftDetectionStatus, DescribeStackResourceDrifts and ListStackResources, and (when the stack has no service role) read access to every resource type in the stack"

func waitForDetection(ctx context.Context, cf DriftDetector, id string, opt DriftOptions) (*cloudformation.DescribeStackDriftDetectionStatusOutput, error) {
	deadline := time.Now().Add(opt.Wait)
	pause := opt.Interval
	for {
		out, err := cf.DescribeStackDriftDetectionStatus(ctx, &cloudformation.DescribeStackDriftDetectionStatusInput{StackDriftDetectionId: aws.String(id)})
		if err != nil {
			return nil, fmt.Errorf("drift detection %s: reading its status failed: %s", id, apiMessage(err))
		}
		remaining := time.Until(deadline)
		if out.DetectionStatus != cftypes.StackDriftDetectionStatusDetectionInProgress || remaining <= 0 {
			return out, nil
		}
		t := time.NewTimer(min(pause, remaining))
		select {
		case <-ctx.Done():
			t.Stop()
			return nil, fmt.Errorf("drift detection %s: gave up waiting: %w", id, ctx.Err())
		case <-t.C:
		}
		pause = min(2*pause, maxPollInterval)
	}
}

// driftFilters ask only for what the check reports; IN_SYNC resources are
// the bulk and say nothing. NOT_CHECKED is not among them: in a
// StackResourceDrift "CloudFormation does not currently return this value"
// (API Reference, StackResourceDrift); a resource whose type drift
// detection does not support is NOT_CHECKED in its DriftInformation
// (StackResourceDriftInformationSummary), which ListStackResources returns.
var driftFilters = []cftypes.StackResourceDriftStatus{
	cftypes.StackResourceDriftStatusModified,
	cftypes.StackResourceDriftStatusDeleted,
	cftypes.StackResourceDriftStatusUnknown,
}

func readResourceDrifts(ctx context.Context, cf DriftDetector, stack string, d *Drift) error {
	var token *string
	for {
		out, err := cf.DescribeStackResourceDrifts(ctx, &cloudformation.DescribeStackResourceDriftsInput{
			StackName: aws.String(stack), StackResourceDriftStatusFilters: driftFilters, NextToken: token,
		})
		if err != nil {
			return fmt.Errorf("drift detection %s: reading the resources' drift failed: %s", d.DetectionID, apiMessage(err))
		}
		for _, r := range out.StackResourceDrifts {
			rd := ResourceDrift{
				LogicalID: aws.ToString(r.LogicalResourceId), PhysicalID: aws.ToString(r.PhysicalResourceId),
				Type: aws.ToString(r.ResourceType), Status: string(r.StackResourceDriftStatus),
			}
			_, rd.Guarded = guarded[rd.Type]
			for _, p := range r.PropertyDifferences {
				rd.Differences = append(rd.Differences, Difference{
					Path: aws.ToString(p.PropertyPath), Type: string(p.DifferenceType),
					Expected: trimValue(aws.ToString(p.ExpectedValue)), Actual: trimValue(aws.ToString(p.ActualValue)),
				})
			}
			switch r.StackResourceDriftStatus {
			case cftypes.StackResourceDriftStatusModified, cftypes.StackResourceDriftStatusDeleted:
				d.Drifted = append(d.Drifted, rd)
			default:
				// UNKNOWN, or a status newer than this check: not a pass.
				rd.Reason = aws.ToString(r.DriftStatusReason)
				d.Unknown = append(d.Unknown, rd)
			}
		}
		token = out.NextToken
		if aws.ToString(token) == "" {
			break
		}
	}
	// Guarded first, then by logical id: the failures lead the report.
	for _, rs := range [][]ResourceDrift{d.Drifted, d.Unknown} {
		sort.SliceStable(rs, func(i, j int) bool {
			if rs[i].Guarded != rs[j].Guarded {
				return rs[i].Guarded
			}
			return rs[i].LogicalID < rs[j].LogicalID
		})
	}
	return nil
}

// judged reports whether a summary status is a verdict: IN_SYNC, or a
// drift DescribeStackResourceDrifts has reported. Any other status
// (NOT_CHECKED; UNSUPPORTED, "Resource type does not support actual state
// comparison", in newer versions of the API; a status added later) is no
// verdict, and must not vanish from the report.
func judged(s cftypes.StackResourceDriftStatus) bool {
	switch s {
	case cftypes.StackResourceDriftStatusInSync, cftypes.StackResourceDriftStatusModified, cftypes.StackResourceDriftStatusDeleted:
		return true
	}
	return false
}

// readNotChecked lists the stack's resources that drift detection did not
// check: after a detection of the whole stack, those whose type it does
// not support (API Reference, StackResourceDriftInformationSummary).
func readNotChecked(ctx context.Context, cf DriftDetector, stack string, d *Drift) error {
	// A resource DescribeStackResourceDrifts already reported (UNKNOWN,
	// say) is not listed twice, whatever its summary says.
	reported := map[string]bool{}
	for _, r := range append(append([]ResourceDrift{}, d.Drifted...), d.Unknown...) {
		reported[r.LogicalID] = true
	}
	var token *string
	for {
		out, err := cf.ListStackResources(ctx, &cloudformation.ListStackResourcesInput{StackName: aws.String(stack), NextToken: token})
		if err != nil {
			return fmt.Errorf("drift detection %s: listing the resources it did not check failed: %s", d.DetectionID, apiMessage(err))
		}
		for _, r := range out.StackResourceSummaries {
			if r.DriftInformation != nil && !judged(r.DriftInformation.StackResourceDriftStatus) && !reported[aws.ToString(r.LogicalResourceId)] {
				d.NotChecked = append(d.NotChecked, ResourceDrift{
					LogicalID: aws.ToString(r.LogicalResourceId), PhysicalID: aws.ToString(r.PhysicalResourceId),
					Type: aws.ToString(r.ResourceType), Status: string(r.DriftInformation.StackResourceDriftStatus),
				})
			}
		}
		token = out.NextToken
		if aws.ToString(token) == "" {
			return nil
		}
	}
}

// Describe names a drifted resource: what it is in the design, its logical
// id, its type and physical id.
func (r ResourceDrift) Describe() string {
	what := guarded[r.Type]
	if what == "" {
		what = "resource"
	}
	s := fmt.Sprintf("%s %s (%s", what, r.LogicalID, r.Type)
	if r.PhysicalID != "" {
		s += ", " + r.PhysicalID
	}
	return s + ")"
}

func driftProblem(r ResourceDrift) string {
	s := "drift: " + r.Describe() + " " + r.Status
	switch r.Status {
	case string(cftypes.StackResourceDriftStatusDeleted):
		return s + ": it was deleted outside CloudFormation"
	case string(cftypes.StackResourceDriftStatusModified):
	default:
		return s + ": CloudFormation could not check it (" + orNone(r.Reason) + "), so drift cannot be ruled out"
	}
	parts := make([]string, 0, len(r.Differences))
	for _, p := range r.Differences {
		parts = append(parts, p.String())
	}
	if len(parts) > 0 {
		s += ": " + strings.Join(parts, "; ")
	}
	return s
}

// String is "PATH TYPE (expected E, actual A)".
func (p Difference) String() string {
	return fmt.Sprintf("%s %s (expected %s, actual %s)", p.Path, p.Type, orNone(p.Expected), orNone(p.Actual))
}

// valueChars bounds each expected and actual value: a whole policy
// document would bury the path that says where it differs.
const valueChars = 200

func trimValue(s string) string {
	r := []rune(s)
	if len(r) <= valueChars {
		return s
	}
	return string(r[:valueChars-1]) + "…"
}

func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}

// refused reports whether err is IAM's refusal (AccessDenied, or
// AccessDeniedException in JSON protocols), the case where the rights the
// caller needs are worth saying.
func refused(err error) bool {
	var ae smithy.APIError
	return errors.As(err, &ae) && strings.HasPrefix(ae.ErrorCode(), "AccessDenied")
}

func apiMessage(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode() + ": " + ae.ErrorMessage()
	}
	return err.Error()
}
