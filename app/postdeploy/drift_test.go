package main

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/privates3/privates3/app/postdeploy/internal/fakeaws"
	"github.com/privates3/privates3/lambda/uploader/contract"
)

func privateStack(t *testing.T) *fakeaws.Server {
	return deployed(t, "PrivateS3-dev", outputs(true), fakeaws.Stores(bucket, "v1"), fakeaws.Fails(contract.ErrAccessDenied, bucketDenied))
}

// Without --drift nothing asks CloudFormation to detect drift.
func TestNoDriftFlagNoDetection(t *testing.T) {
	s := privateStack(t)
	s.Drifts["PrivateS3-dev"] = &fakeaws.Drift{Statuses: []fakeaws.DetectionStatus{{Detection: "DETECTION_COMPLETE", Stack: "IN_SYNC"}}}
	if code, _, stderr := runCmd("--region", "eu-west-1"); code != 0 || len(s.DriftCalls()) != 0 {
		t.Errorf("exit %d (%s), %d drift calls; want 0 and none", code, stderr, len(s.DriftCalls()))
	}
}

func TestDriftInSync(t *testing.T) {
	s := privateStack(t)
	s.Drifts["PrivateS3-dev"] = &fakeaws.Drift{
		Statuses:  []fakeaws.DetectionStatus{{Detection: "DETECTION_COMPLETE", Stack: "IN_SYNC"}},
		Resources: []fakeaws.ResourceDrift{{LogicalID: "StorageBucket19DB2FF8", PhysicalID: bucket, Type: "AWS::S3::Bucket", Status: "IN_SYNC"}},
	}
	code, out, stderr := runCmd("--region", "eu-west-1", "--drift")
	if code != 0 {
		t.Fatalf("exit %d, stderr %s, stdout %s", code, stderr, out)
	}
	for _, want := range []string{"drift detection " + fakeaws.DetectionID + ": DETECTION_COMPLETE, stack IN_SYNC", "no resource drifted", "PASS: ", "CloudFormation found no drift"} {
		if !strings.Contains(out, want) {
			t.Errorf("stdout lacks %q:\n%s", want, out)
		}
	}
	// Detection is asked for the stack the check read.
	for _, c := range s.DriftCalls() {
		if c.Get("Action") == "DetectStackDrift" && c.Get("StackName") != "PrivateS3-dev" {
			t.Errorf("DetectStackDrift for %q, want PrivateS3-dev", c.Get("StackName"))
		}
	}
	if n := len(s.DriftCalls()); n != 4 {
		t.Errorf("%d drift calls, want 4", n)
	}
}

// A drifted bucket policy fails the check (exit 1), and --json stays one
// object, with the drift in it.
func TestDriftedBucketPolicyExitsOne(t *testing.T) {
	s := privateStack(t)
	s.Drifts["PrivateS3-dev"] = &fakeaws.Drift{
		Statuses: []fakeaws.DetectionStatus{{Detection: "DETECTION_COMPLETE", Stack: "DRIFTED", Drifted: 1}},
		Resources: []fakeaws.ResourceDrift{{LogicalID: "StorageBucketPolicy3A4B5C6D", PhysicalID: bucket, Type: "AWS::S3::BucketPolicy", Status: "MODIFIED",
			Differences: []fakeaws.PropertyDifference{{Path: "/PolicyDocument/Statement/0/Effect", Type: "NOT_EQUAL", Expected: "Deny", Actual: "Allow"}}}},
	}
	code, out, _ := runCmd("--region", "eu-west-1", "--drift", "--json")
	if code != 1 {
		t.Fatalf("exit %d, want 1; stdout %s", code, out)
	}
	var got struct {
		Passed   bool     `json:"passed"`
		Problems []string `json:"problems"`
		Drift    struct {
			DetectionID string `json:"detection_id"`
			Drifted     []struct {
				LogicalID   string `json:"logical_id"`
				Guarded     bool   `json:"guarded"`
				Differences []struct {
					Path, Type, Expected, Actual string
				} `json:"differences"`
			} `json:"drifted"`
		} `json:"drift"`
	}
	dec := json.NewDecoder(strings.NewReader(out))
	if err := dec.Decode(&got); err != nil || dec.More() {
		t.Fatalf("--json is not one JSON object (%v):\n%s", err, out)
	}
	d := got.Drift
	if got.Passed || d.DetectionID != fakeaws.DetectionID || len(d.Drifted) != 1 || d.Drifted[0].LogicalID != "StorageBucketPolicy3A4B5C6D" || !d.Drifted[0].Guarded ||
		len(d.Drifted[0].Differences) != 1 || d.Drifted[0].Differences[0].Path != "/PolicyDocument/Statement/0/Effect" || d.Drifted[0].Differences[0].Actual != "Allow" {
		t.Errorf("JSON = %+v", got)
	}
	want := "drift: bucket policy StorageBucketPolicy3A4B5C6D (AWS::S3::BucketPolicy, " + bucket + ") MODIFIED: /PolicyDocument/Statement/0/Effect NOT_EQUAL (expected Deny, actual Allow)"
	if len(got.Problems) != 1 || got.Problems[0] != want {
		t.Errorf("problems = %q, want [%q]", got.Problems, want)
	}

	// The text names the resource and the path.
	code, out, _ = runCmd("--region", "eu-west-1", "--drift")
	if code != 1 || !strings.Contains(out, "FAIL  bucket policy StorageBucketPolicy3A4B5C6D") || !strings.Contains(out, "/PolicyDocument/Statement/0/Effect NOT_EQUAL (expected Deny, actual Allow)") {
		t.Errorf("text: exit %d\n%s", code, out)
	}
}
