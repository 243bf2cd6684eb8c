package stack_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/privates3/privates3/app/stack"
)

// configurations are the synthesized variants the invariants must hold for.
var configurations = map[string]map[string]any{
	"default": nil,
	"full":    full,
	"minimal": {"includeControl": "false", "denyMode": "object-actions"},
}

func TestInvariantsHoldForEveryConfiguration(t *testing.T) {
	for name, ctx := range configurations {
		t.Run(name, func(t *testing.T) {
			s := synth(t, ctx)
			if err := stack.CheckInvariants(s.cfg, root, name, s.raw, s.external); err != nil {
				t.Error(err)
			}
		})
	}
}

// The check can fail: without the deny outside the endpoint the control's
// write is no longer denied, and the error shows the matrix.
func TestInvariantsCatchAnOpenBucket(t *testing.T) {
	s := synth(t, nil)
	var tp tmpl
	if err := json.Unmarshal(s.raw, &tp); err != nil {
		t.Fatal(err)
	}
	for _, r := range tp.resources("AWS::S3::BucketPolicy") {
		doc := props(r)["PolicyDocument"].(map[string]any)
		var kept []any
		for _, st := range doc["Statement"].([]any) {
			if get(st, "Sid") != "DenyObjectsOutsideEndpoint" {
				kept = append(kept, st)
			}
		}
		doc["Statement"] = kept
	}
	open, err := json.Marshal(tp)
	if err != nil {
		t.Fatal(err)
	}
	err = stack.CheckInvariants(s.cfg, root, "open", open, s.external)
	if err == nil {
		t.Fatal("CheckInvariants(bucket policy without DenyObjectsOutsideEndpoint) = nil, want the control's write flagged")
	}
	for _, want := range []string{"Control*", "s3:PutObject", "explicit-deny", "The access matrix that shows why", "ControlFunction"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error does not hold %q:\n%s", want, err)
		}
	}
}
