package probe

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/privates3/privates3/app/postdeploy/internal/fakeaws"
	"github.com/privates3/privates3/lambda/uploader/contract"
)

// The shapes below follow the CloudFormation API Reference (StackResourceDrift,
// PropertyDifference) and the User Guide's "Detect drift on an entire
// CloudFormation stack" examples, whose property paths read like
// /RedrivePolicy/maxReceiveCount.

const policyPath = "/PolicyDocument/Statement/0/Condition/StringNotEquals/aws:SourceVpce"

var (
	inSyncBucket  = fakeaws.ResourceDrift{LogicalID: "StorageBucket19DB2FF8", PhysicalID: bucket, Type: "AWS::S3::Bucket", Status: "IN_SYNC"}
	driftedPolicy = fakeaws.ResourceDrift{LogicalID: "StorageBucketPolicy3A4B5C6D", PhysicalID: bucket, Type: "AWS::S3::BucketPolicy", Status: "MODIFIED",
		Differences: []fakeaws.PropertyDifference{{Path: policyPath, Type: "NOT_EQUAL", Expected: "vpce-0abc1234", Actual: "vpce-0ffffffff"}}}
	driftedLogGroup = fakeaws.ResourceDrift{LogicalID: "UploaderLogGroupA1B2C3D4", PhysicalID: "/aws/lambda/" + uploader, Type: "AWS::Logs::LogGroup", Status: "MODIFIED",
		Differences: []fakeaws.PropertyDifference{{Path: "/RetentionInDays", Type: "NOT_EQUAL", Expected: "30", Actual: "7"}}}
	notChecked = fakeaws.ResourceDrift{LogicalID: "CustomVpcRestrictDefaultSGCustomResource4A1B2C3D", PhysicalID: "sg-0abc", Type: "Custom::VpcRestrictDefaultSG", Status: "NOT_CHECKED"}
	complete   = fakeaws.DetectionStatus{Detection: "DETECTION_COMPLETE", Stack: "IN_SYNC"}
	inProgress = fakeaws.DetectionStatus{Detection: "DETECTION_IN_PROGRESS"}
)

// fast polls quickly; no test asserts how long anything took.
var fast = DriftOptions{Wait: time.Minute, Interval: time.Millisecond}

func detect(t *testing.T, d *fakeaws.Drift, opt DriftOptions) (*Drift, *fakeaws.Server) {
	t.Helper()
	s := server(t, outputs(true), nil, nil)
	s.Drifts[stack] = d
	cf, _ := clients(s)
	return DetectDrift(context.Background(), cf, stack, opt), s
}

func actions(s *fakeaws.Server) []string {
	var a []string
	for _, c := range s.DriftCalls() {
		a = append(a, c.Get("Action"))
	}
	return a
}

func TestDriftNone(t *testing.T) {
	d, s := detect(t, &fakeaws.Drift{Statuses: []fakeaws.DetectionStatus{complete}, Resources: []fakeaws.ResourceDrift{inSyncBucket}}, fast)
	if !d.Passed || len(d.Problems) != 0 || len(d.Drifted) != 0 || len(d.NotChecked) != 0 {
		t.Fatalf("DetectDrift = %+v, want a pass with nothing drifted", d)
	}
	if d.DetectionID != fakeaws.DetectionID || d.DetectionStatus != "DETECTION_COMPLETE" || d.StackStatus != "IN_SYNC" {
		t.Errorf("detection = %s %s %s, want %s DETECTION_COMPLETE IN_SYNC", d.DetectionID, d.DetectionStatus, d.StackStatus, fakeaws.DetectionID)
	}
	calls := s.DriftCalls()
	if got := strings.Join(actions(s), ","); got != "DetectStackDrift,DescribeStackDriftDetectionStatus,DescribeStackResourceDrifts,ListStackResources" {
		t.Fatalf("calls = %s", got)
	}
	if calls[0].Get("StackName") != stack || calls[1].Get("StackDriftDetectionId") != fakeaws.DetectionID {
		t.Errorf("DetectStackDrift for %q, status of %q; want %s and %s", calls[0].Get("StackName"), calls[1].Get("StackDriftDetectionId"), stack, fakeaws.DetectionID)
	}
	// MODIFIED and DELETED fail or are reported, UNKNOWN is not a pass;
	// NOT_CHECKED comes from ListStackResources.
	f := calls[2]
	if f.Get("StackName") != stack || f.Get("StackResourceDriftStatusFilters.member.1") != "MODIFIED" || f.Get("StackResourceDriftStatusFilters.member.2") != "DELETED" || f.Get("StackResourceDriftStatusFilters.member.3") != "UNKNOWN" || f.Has("StackResourceDriftStatusFilters.member.4") {
		t.Errorf("DescribeStackResourceDrifts form = %v, want filters MODIFIED, DELETED, UNKNOWN", f)
	}
	if calls[3].Get("StackName") != stack {
		t.Errorf("ListStackResources for %q, want %s", calls[3].Get("StackName"), stack)
	}
}

func TestDriftedBucketPolicyFails(t *testing.T) {
	long := `{"Version":"2012-10-17","Statement":[` + strings.Repeat(`{"Effect":"Deny"},`, 40) + `]}`
	role := fakeaws.ResourceDrift{LogicalID: "UploaderRoleB1C2D3E4", PhysicalID: "PrivateS3-dev-UploaderRole-x", Type: "AWS::IAM::Role", Status: "MODIFIED",
		Differences: []fakeaws.PropertyDifference{{Path: "/Policies/0/PolicyDocument", Type: "NOT_EQUAL", Expected: long, Actual: "{}"}}}
	d, _ := detect(t, &fakeaws.Drift{
		Statuses:  []fakeaws.DetectionStatus{{Detection: "DETECTION_COMPLETE", Stack: "DRIFTED", Drifted: 3}},
		Resources: []fakeaws.ResourceDrift{driftedLogGroup, inSyncBucket, driftedPolicy, role},
	}, fast)
	if d.Passed {
		t.Fatalf("Passed with a drifted bucket policy: %+v", d)
	}
	if len(d.Problems) != 2 {
		t.Fatalf("problems = %q, want the bucket policy and the role (the log group only reported)", d.Problems)
	}
	want := "drift: bucket policy StorageBucketPolicy3A4B5C6D (AWS::S3::BucketPolicy, " + bucket + ") MODIFIED: " + policyPath + " NOT_EQUAL (expected vpce-0abc1234, actual vpce-0ffffffff)"
	// Ordered by logical id: the bucket policy, then the role.
	if d.Problems[0] != want {
		t.Errorf("problem = %q\nwant      %q", d.Problems[0], want)
	}
	if !strings.HasPrefix(d.Problems[1], "drift: role UploaderRoleB1C2D3E4 (AWS::IAM::Role, PrivateS3-dev-UploaderRole-x) MODIFIED: /Policies/0/PolicyDocument NOT_EQUAL (expected {\"Version\"") {
		t.Errorf("role problem = %q", d.Problems[1])
	}
	// A whole policy would bury the path: each value is cut to 200 runes.
	if e := d.Drifted[1].Differences[0].Expected; len([]rune(e)) != 200 || !strings.HasSuffix(e, "…") || !strings.HasPrefix(long, strings.TrimSuffix(e, "…")) {
		t.Errorf("expected value kept as %d runes %q, want the first 199 and an ellipsis", len([]rune(e)), e)
	}
	// Guarded first; the log group is reported but not guarded.
	if len(d.Drifted) != 3 || d.Drifted[2].LogicalID != driftedLogGroup.LogicalID || d.Drifted[2].Guarded || !d.Drifted[0].Guarded || !d.Drifted[1].Guarded {
		t.Errorf("drifted = %+v, want the role and the policy (guarded) then the log group", d.Drifted)
	}
}

func TestDriftInProgressThenComplete(t *testing.T) {
	d, s := detect(t, &fakeaws.Drift{Statuses: []fakeaws.DetectionStatus{inProgress, inProgress, complete}}, fast)
	if !d.Passed || d.DetectionStatus != "DETECTION_COMPLETE" {
		t.Fatalf("DetectDrift = %+v, want a pass once detection completes", d)
	}
	if got := strings.Join(actions(s), ","); got != "DetectStackDrift,DescribeStackDriftDetectionStatus,DescribeStackDriftDetectionStatus,DescribeStackDriftDetectionStatus,DescribeStackResourceDrifts,ListStackResources" {
		t.Errorf("calls = %s, want three status polls before the resources are read", got)
	}
}

func TestDriftDetectionFailed(t *testing.T) {
	const reason = "Failed to detect drift on resource [UploaderRoleB1C2D3E4]: User is not authorized to perform iam:GetRole"
	d, _ := detect(t, &fakeaws.Drift{
		Statuses:  []fakeaws.DetectionStatus{inProgress, {Detection: "DETECTION_FAILED", Stack: "DRIFTED", Reason: reason}},
		Resources: []fakeaws.ResourceDrift{driftedLogGroup},
	}, fast)
	if d.Passed || d.Reason != reason || len(d.Problems) != 1 {
		t.Fatalf("DetectDrift = %+v, want a failure with the reason", d)
	}
	if p := d.Problems[0]; !strings.Contains(p, "failed for at least one resource ("+reason+")") || !strings.Contains(p, "read access to every resource type") {
		t.Errorf("problem = %q, want the reason and what the caller needs", p)
	}
	// Results for the resources CloudFormation did check are still read.
	if len(d.Drifted) != 1 || d.Drifted[0].LogicalID != driftedLogGroup.LogicalID {
		t.Errorf("drifted = %+v, want the log group", d.Drifted)
	}
}

func TestDriftNotCheckedIsNamedNotPassedOrFailed(t *testing.T) {
	s := server(t, outputs(true), fakeaws.Stores(bucket, "v1"), fakeaws.Fails(contract.ErrAccessDenied, denied))
	// UNSUPPORTED: newer versions of the API ("Resource type does not
	// support actual state comparison"): no verdict either.
	unsupported := fakeaws.ResourceDrift{LogicalID: "SomethingNew1A2B3C4D", PhysicalID: "x-1", Type: "AWS::New::Thing", Status: "UNSUPPORTED"}
	s.Drifts[stack] = &fakeaws.Drift{Statuses: []fakeaws.DetectionStatus{complete}, Resources: []fakeaws.ResourceDrift{notChecked, inSyncBucket, unsupported}}
	cf, _ := clients(s)
	res := runProbe(t, s)
	res.AddDrift(DetectDrift(context.Background(), cf, stack, fast))
	if len(res.Drift.NotChecked) != 2 || res.Drift.NotChecked[1].LogicalID != unsupported.LogicalID {
		t.Errorf("NotChecked = %+v, want the custom resource and the UNSUPPORTED one", res.Drift.NotChecked)
	}
	if !res.Passed || res.Drift.NotChecked[0].LogicalID != notChecked.LogicalID || len(res.Drift.Drifted) != 0 {
		t.Fatalf("result = %+v, drift %+v; want a pass naming the custom resource as not checked", res, res.Drift)
	}
	if !strings.Contains(res.Summary, "found no drift") || !strings.Contains(res.Summary, "(2 resources not checked: drift detection does not support Custom::VpcRestrictDefaultSG, AWS::New::Thing)") {
		t.Errorf("Summary = %q", res.Summary)
	}
	var b strings.Builder
	if err := WriteText(&b, res, "eu-west-1"); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), "not checked resource "+notChecked.LogicalID+" (Custom::VpcRestrictDefaultSG, sg-0abc): drift detection does not support this type") {
		t.Errorf("text lacks the not-checked line:\n%s", b.String())
	}
}

func TestDriftTimeout(t *testing.T) {
	d, s := detect(t, &fakeaws.Drift{Statuses: []fakeaws.DetectionStatus{inProgress}}, DriftOptions{Wait: 30 * time.Millisecond, Interval: time.Millisecond})
	if d.Passed || d.DetectionStatus != "DETECTION_IN_PROGRESS" || len(d.Problems) != 1 {
		t.Fatalf("DetectDrift = %+v, want a failure while still in progress", d)
	}
	want := "drift detection " + fakeaws.DetectionID + " was still in progress after 30ms"
	if p := d.Problems[0]; !strings.HasPrefix(p, want) || !strings.Contains(p, "--drift-wait") || !strings.Contains(p, "describe-stack-drift-detection-status --stack-drift-detection-id "+fakeaws.DetectionID) {
		t.Errorf("problem = %q, want it to start %q and say how to wait longer or look later", p, want)
	}
	for _, a := range actions(s) {
		if a == "DescribeStackResourceDrifts" {
			t.Error("resource drifts read although detection never finished")
		}
	}
}

func TestDriftDeletedEndpointFails(t *testing.T) {
	d, _ := detect(t, &fakeaws.Drift{
		Statuses:  []fakeaws.DetectionStatus{complete},
		Resources: []fakeaws.ResourceDrift{{LogicalID: "NetworkS3Endpoint1A2B3C4D", PhysicalID: "vpce-0abc1234", Type: "AWS::EC2::VPCEndpoint", Status: "DELETED"}},
	}, fast)
	want := "drift: VPC endpoint NetworkS3Endpoint1A2B3C4D (AWS::EC2::VPCEndpoint, vpce-0abc1234) DELETED: it was deleted outside CloudFormation"
	if d.Passed || len(d.Problems) != 1 || d.Problems[0] != want {
		t.Errorf("problems = %q, want [%q]", d.Problems, want)
	}
}

func TestDriftPages(t *testing.T) {
	fn := func(id string) fakeaws.ResourceDrift {
		return fakeaws.ResourceDrift{LogicalID: id, PhysicalID: id, Type: "AWS::Lambda::Function", Status: "MODIFIED",
			Differences: []fakeaws.PropertyDifference{{Path: "/Timeout", Type: "NOT_EQUAL", Expected: "30", Actual: "900"}}}
	}
	d, s := detect(t, &fakeaws.Drift{Statuses: []fakeaws.DetectionStatus{complete}, PageSize: 1, Resources: []fakeaws.ResourceDrift{fn("C"), fn("A"), fn("B")}}, fast)
	if len(d.Drifted) != 3 || d.Drifted[0].LogicalID != "A" || d.Drifted[2].LogicalID != "C" || len(d.Problems) != 3 {
		t.Errorf("drifted = %+v, want A, B, C from three pages, each a problem", d.Drifted)
	}
	if n := len(actions(s)); n != 8 {
		t.Errorf("%d calls, want 8 (detect, status, three pages of drifts, three of resources)", n)
	}
}

func TestDriftCannotStart(t *testing.T) {
	d, _ := detect(t, &fakeaws.Drift{DetectError: &fakeaws.Raw{Status: http.StatusForbidden, Body: `<ErrorResponse xmlns="http://cloudformation.amazonaws.com/doc/2010-05-15/"><Error><Type>Sender</Type><Code>AccessDenied</Code><Message>User: arn:aws:sts::123456789012:assumed-role/check/x is not authorized to perform: cloudformation:DetectStackDrift</Message></Error><RequestId>x</RequestId></ErrorResponse>`}}, fast)
	if d.Passed || len(d.Problems) != 1 || !strings.HasPrefix(d.Problems[0], "drift detection could not start: AccessDenied: User: ") || !strings.Contains(d.Problems[0], "cloudformation:DetectStackDrift, DescribeStackDriftDetectionStatus, DescribeStackResourceDrifts and ListStackResources") {
		t.Errorf("problems = %q, want the refusal and what the caller needs", d.Problems)
	}
}

// A resource CloudFormation could not check (UNKNOWN, with its reason) is
// not a pass when it is guarded, and only reported when it is not.
func TestDriftUnknownGuardedFails(t *testing.T) {
	const reason = "Access denied: iam:GetRolePolicy"
	d, _ := detect(t, &fakeaws.Drift{
		Statuses: []fakeaws.DetectionStatus{{Detection: "DETECTION_COMPLETE", Stack: "UNKNOWN"}},
		Resources: []fakeaws.ResourceDrift{
			// Listed as NOT_CHECKED too, it is reported once.
			{LogicalID: "UploaderRoleDefaultPolicy1A2B3C4D", PhysicalID: "Upload-x", Type: "AWS::IAM::Policy", Status: "UNKNOWN", Reason: reason, Summary: "NOT_CHECKED"},
			{LogicalID: "UploaderLogGroupA1B2C3D4", PhysicalID: "/aws/lambda/x", Type: "AWS::Logs::LogGroup", Status: "UNKNOWN", Reason: "Throttling"},
		},
	}, fast)
	want := "drift: role policy UploaderRoleDefaultPolicy1A2B3C4D (AWS::IAM::Policy, Upload-x) UNKNOWN: CloudFormation could not check it (" + reason + "), so drift cannot be ruled out"
	if d.Passed || len(d.Problems) != 1 || d.Problems[0] != want {
		t.Errorf("problems = %q, want [%q]", d.Problems, want)
	}
	if len(d.Unknown) != 2 || len(d.Drifted) != 0 || len(d.NotChecked) != 0 {
		t.Errorf("drift = %+v, want two unknown, nothing drifted or not checked", d)
	}
}

// Any refusal other than IAM's (here a ValidationError; the message is
// made up, not AWS's) is reported in CloudFormation's words, without a
// list of rights that would not help.
func TestDriftRefusedForStackState(t *testing.T) {
	const msg = "Drift detection is not supported for stacks in UPDATE_IN_PROGRESS status"
	d, _ := detect(t, &fakeaws.Drift{DetectError: &fakeaws.Raw{Status: http.StatusBadRequest, Body: `<ErrorResponse xmlns="http://cloudformation.amazonaws.com/doc/2010-05-15/"><Error><Type>Sender</Type><Code>ValidationError</Code><Message>` + msg + `</Message></Error><RequestId>x</RequestId></ErrorResponse>`}}, fast)
	want := "drift detection could not start: ValidationError: " + msg
	if d.Passed || len(d.Problems) != 1 || d.Problems[0] != want {
		t.Errorf("problems = %q, want [%q]", d.Problems, want)
	}
}
