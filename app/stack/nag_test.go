package stack_test

import (
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3"
	"github.com/aws/jsii-runtime-go"

	"github.com/privates3/privates3/app/stack"
)

// cdk-nag's five packs run on every synth of the stack: no configuration
// has an unsuppressed finding, error or warning.
func TestNagPacksFindNothingUnsuppressed(t *testing.T) {
	for name, ctx := range configurations {
		t.Run(name, func(t *testing.T) { noNagFindings(t, synth(t, ctx)) })
	}
}

// noNagFindings fails on any error annotation and any cdk-nag warning of a
// synthesized configuration (the existing-VPC ones call it too).
func noNagFindings(t *testing.T, s *synthesized) {
	t.Helper()
	for _, w := range s.warnings {
		if isNagRule(w) {
			t.Errorf("cdk-nag warning: %s", w)
		}
	}
	for _, e := range s.errors {
		t.Errorf("error annotation: %s", e)
	}
}

func isNagRule(msg string) bool {
	for _, p := range []string{"AwsSolutions-", "HIPAA.Security-", "NIST.800.53.R5-", "PCI.DSS.321-", "Serverless-"} {
		if strings.HasPrefix(msg, p) {
			return true
		}
	}
	return false
}

// The packs are really applied: a plain bucket outside the constructs
// gets cdk-nag's findings (read from the assembly: with the validation
// report off, an error annotation does not stop the synth).
func TestNagPacksFlagAPlainBucket(t *testing.T) {
	app := newApp(map[string]any{"@aws-cdk/core:annotationsInValidationReport": false})
	st := awscdk.NewStack(app, jsii.String("Plain"), nil)
	awss3.NewBucket(st, jsii.String("Plain"), nil)
	stack.ApplyNagPacks(st)
	msg := strings.Join(assemblyMessages(t, *app.Synth(nil).Directory(), "aws:cdk:error"), "\n")
	for _, want := range []string{"AwsSolutions-S1", "HIPAA.Security-S3BucketLoggingEnabled", "NIST.800.53.R5-S3BucketReplicationEnabled", "PCI.DSS.321-S3DefaultEncryptionKMS"} {
		if !strings.Contains(msg, want) {
			t.Errorf("synth of a plain bucket under the packs did not report %s:\n%.2000s", want, msg)
		}
	}
}

// Every suppression carries a reason a reviewer can read: at least a
// sentence, and one suppression of each rule per resource.
func TestNagSuppressionsHaveReasons(t *testing.T) {
	tp := synth(t, full).template
	n := 0
	for id, r := range tp["Resources"].(map[string]any) {
		list, _ := get(r, "Metadata", "cdk_nag", "rules_to_suppress").([]any)
		seen := map[string]bool{}
		for _, s := range list {
			rid, _ := get(s, "id").(string)
			reason, _ := get(s, "reason").(string)
			n++
			if len(reason) < 60 || !strings.HasSuffix(strings.TrimSpace(reason), ".") {
				t.Errorf("%s: suppression of %s has reason %q, want at least a sentence", id, rid, reason)
			}
			if seen[rid] {
				t.Errorf("%s: %s suppressed twice: give a rule one suppression, and one reason, per resource", id, rid)
			}
			seen[rid] = true
		}
	}
	if n == 0 {
		t.Fatal("no cdk-nag suppressions in the template: is the metadata still written?")
	}
}
