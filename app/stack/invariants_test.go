package stack_test

import (
	"strings"
	"testing"

	"github.com/aws/jsii-runtime-go"

	"github.com/privates3/privates3/app/config"
	"github.com/privates3/privates3/app/invariants"
	"github.com/privates3/privates3/app/stack"
)

// configurations are the synthesized variants the invariants must hold for.
// The invariants' own tests (app/invariants) break them on the committed
// snapshots; here they hold on what the stack synthesizes.
var configurations = map[string]map[string]any{
	"default": nil,
	"full":    full,
	"minimal": {"includeControl": "false", "denyMode": "object-actions", "reservedConcurrency": "-1"},
}

func TestInvariantsHoldForEveryConfiguration(t *testing.T) {
	for name, ctx := range configurations {
		t.Run(name, func(t *testing.T) {
			s := synth(t, ctx)
			if err := s.subject.Check(name, s.raw); err != nil {
				t.Error(err)
			}
		})
	}
}

// The invariants find the bucket and the functions through the stack's
// fields: the logical ids are those the template gives the private bucket
// (construct path Storage/Resource) and the two functions, and no control
// when the configuration leaves it out.
func TestInvariantsSubjectComesFromTheStackFields(t *testing.T) {
	for name, want := range map[string][3]string{
		"default": {privateBucketID, "UploaderFunction79114915", "ControlFunction8A0764F3"},
		"minimal": {privateBucketID, "UploaderFunction79114915", ""},
	} {
		s := synth(t, configurations[name]).subject
		if got := [3]string{s.Bucket, s.Uploader, s.Control}; got != want {
			t.Errorf("%s: invariants.Of logical ids (bucket, uploader, control) = %q, want %q", name, got, want)
		}
	}
}

// While the VPC lookup is pending the stack holds no bucket: Of says so
// in a sentence instead of checking a placeholder.
func TestInvariantsWaitForAPendingLookup(t *testing.T) {
	concreteEnv(t)
	app := newApp(map[string]any{"vpcId": "vpc-0123456789abcdef0"})
	cfg, err := config.Parse(func(k string) any { return app.Node().TryGetContext(jsii.String(k)) })
	if err != nil {
		t.Fatal(err)
	}
	st := stack.New(app, cfg, root)
	_, err = invariants.Of(cfg, st)
	if err == nil || !strings.Contains(err.Error(), "VPC lookup is pending") {
		t.Errorf("invariants.Of(a stack waiting for its VPC lookup) error = %v, want one saying the lookup is pending", err)
	}
}
