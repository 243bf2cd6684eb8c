package stack_test

// cfn-lint runs once per test binary, after the tests, over every distinct
// template the tests synthesized: whatever a test builds (the app's stack
// through synth, a stack of its own through app.Synth) is deployable
// CloudFormation or the binary fails.
//
// How the templates are collected: every app of the binary is made by newApp
// and writes to outRoot, and tests synthesize one app at a time, so when
// newApp is called (and once more after the tests) outRoot holds the
// assembly of the previous app, if it was synthesized. noteApp copies that
// assembly's templates before the next synth overwrites them. This needs no
// change to the tests that call app.Synth themselves, and no CDK
// policy-validation plugin (deprecated API, a report printed on every synth,
// and a jsii callback per synth).

import (
	"crypto/sha256"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/privates3/privates3/app/internal/cdkout"
	"github.com/privates3/privates3/app/internal/cfnlint"
)

// lintExemptions are the cfn-lint findings accepted in the synthesized
// templates, with the reason; everything else cfn-lint reports, errors,
// warnings and informational findings alike, fails the test binary.
var lintExemptions = []cfnlint.Exemption{
	// W3005, "obsolete DependsOn": each Lambda function depends on its
	// execution role both through Properties.Role (a GetAtt) and through
	// DependsOn. CDK writes the DependsOn, not our code: aws-lambda's Function
	// adds it for every function it creates, and core's custom-resource
	// provider for its handler. It is redundant, not wrong (CloudFormation
	// orders the two the same way), and removing it would take an escape
	// hatch on CDK's own resources. One entry per function, so that a new
	// function, or a DependsOn of our own, is reported.
	{Rule: "W3005", Resource: "UploaderFunction79114915", Reason: dependsOnRole},
	{Rule: "W3005", Resource: "ControlFunction8A0764F3", Reason: dependsOnRole},
	{Rule: "W3005", Resource: "CanaryProverD0FBC2CE", Reason: dependsOnRole + " (the privacy canary's prover, -c canary)"},
	{Rule: "W3005", Resource: "ReaderF7BF189D", Reason: dependsOnRole + " (grants_test.go's second function)"},
	{Rule: "W3005", Resource: "AWS679f53fac002430cb0da5b7982bd22872D164C4C", Reason: dependsOnRole + " (the AwsCustomResource singleton behind the endpoint's custom resources)"},
	{Rule: "W3005", Resource: "CustomVpcRestrictDefaultSGCustomResourceProviderHandlerDC833E5E", Reason: dependsOnRole + " (the provider behind @aws-cdk/aws-ec2:restrictDefaultSecurityGroup)"},
	// I1022, "prefer Fn::Sub over Fn::Join with an empty delimiter": CDK
	// renders every string built from tokens (each ARN of the bucket, the
	// role's managed policies, the endpoint's service name) as Fn::Join with
	// "". It is a matter of how the template reads, the same deployment
	// either way, and it is CDK's token resolver that writes it, so no
	// resource can be fixed. The other informational rules (I3510: policy
	// actions against their resources, I3042: hard-coded partitions, I3011:
	// stateful resources without a DeletionPolicy) still run, and count.
	{Rule: "I1022", Resource: cfnlint.EveryResource, Reason: "CDK writes every token concatenation as Fn::Join with an empty delimiter; style only, not ours to change"},
}

const dependsOnRole = "CDK's redundant DependsOn from a Lambda function to its own execution role, which Properties.Role already references"

// lintInput is one distinct synthesized template.
type lintInput struct {
	name  string // file name below outRoot/cfnlint
	about string // the stack and the app's context, for the report
	body  []byte
}

var (
	lintMu     sync.Mutex
	lintInputs []lintInput
	lintSeen   = map[[sha256.Size]byte]bool{}
	lintErrs   []error
	lintAbout  string // the context of the app whose assembly outRoot holds
)

// noteApp collects the templates of the assembly in outRoot, which belongs
// to the previous app, and remembers the next app's context to describe
// its templates by.
func noteApp(extra map[string]any) {
	lintMu.Lock()
	defer lintMu.Unlock()
	if err := collectAssembly(outRoot, lintAbout); err != nil {
		lintErrs = append(lintErrs, err)
	}
	ctx, _ := json.Marshal(extra)
	lintAbout = "context " + string(ctx)
	if len(lintAbout) > 160 { // a looked-up VPC is kilobytes of JSON
		lintAbout = strings.ToValidUTF8(lintAbout[:160], "") + "…"
	}
}

// collectAssembly copies the stack templates of the cloud assembly in dir
// (and of its nested assemblies). An assembly that still waits for context
// lookups is skipped: CDK filled it with placeholder values (a dummy VPC),
// and the CLI synthesizes again, with the answers, before deploying. (A
// stage's pending lookups are in the root manifest too.)
func collectAssembly(dir, about string) error {
	missing, err := cdkout.MissingLookups(dir)
	if errors.Is(err, os.ErrNotExist) {
		return nil // nothing synthesized yet
	}
	if err != nil || len(missing) > 0 {
		return err
	}
	stacks, err := cdkout.Stacks(dir)
	if err != nil {
		return err
	}
	for _, st := range stacks {
		body, err := os.ReadFile(st.Template)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(body)
		if lintSeen[sum] {
			continue
		}
		lintSeen[sum] = true
		name := fmt.Sprintf("%03d-%s", len(lintInputs)+1, filepath.Base(st.Template))
		lintInputs = append(lintInputs, lintInput{name: name, about: "stack " + st.ID + ", " + about, body: body})
	}
	return nil
}

// lintSynthesized is the step TestMain runs after the tests: it lints what
// they synthesized. Exemptions that covered nothing fail it only when every
// test ran (-run, -skip or -failfast may synthesize fewer configurations).
func lintSynthesized() error {
	lintMu.Lock()
	defer lintMu.Unlock()
	if err := collectAssembly(outRoot, lintAbout); err != nil {
		lintErrs = append(lintErrs, err)
	}
	if err := errors.Join(lintErrs...); err != nil {
		return fmt.Errorf("cfn-lint: collecting the synthesized templates: %w", err)
	}
	if flagSet("test.bench") {
		return nil // benchmarks synthesize throw-away stages by the hundred
	}
	wholeSuite := !flagSet("test.run") && !flagSet("test.skip") && !flagSet("test.failfast")
	return lintTemplates(filepath.Join(outRoot, "cfnlint"), lintInputs, lintExemptions, wholeSuite)
}

// flagSet reports whether a go test flag has a value other than its
// default ("" for strings, "false" for -failfast).
func flagSet(name string) bool {
	f := flag.Lookup(name)
	return f != nil && f.Value.String() != f.DefValue
}

// lintTemplates writes the templates to dir and lints them with one
// cfn-lint process; lintReport judges the findings.
func lintTemplates(dir string, inputs []lintInput, exemptions []cfnlint.Exemption, checkUnused bool) error {
	if err := cfnlint.Check(exemptions); err != nil {
		return err
	}
	if len(inputs) == 0 {
		return nil
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	files := make([]string, len(inputs))
	for i, in := range inputs {
		files[i] = filepath.Join(dir, in.name)
		if err := os.WriteFile(files[i], in.body, 0o644); err != nil {
			return err
		}
	}
	findings, err := cfnlint.Run(files)
	if err != nil {
		return err
	}
	return lintReport(findings, inputs, exemptions, checkUnused)
}

// lintReport returns an error listing every finding no exemption covers,
// by template, and, if checkUnused, every exemption that covered nothing.
func lintReport(findings []cfnlint.Finding, inputs []lintInput, exemptions []cfnlint.Exemption, checkUnused bool) error {
	kept, unused := cfnlint.Apply(findings, exemptions)
	var lines []string
	if len(kept) > 0 {
		lines = append(lines, fmt.Sprintf("cfn-lint %s: %s in %s the tests synthesized (fix the template, or exempt the rule on that one resource in lintExemptions, app/stack/cfnlint_test.go, with the reason):", cfnlint.Version, count(len(kept), "finding"), count(len(inputs), "template")))
		about := map[string]string{}
		for _, in := range inputs {
			about[in.name] = in.about
		}
		cfnlint.Sort(kept)
		file := ""
		for _, f := range kept {
			if name := filepath.Base(f.File); name != file {
				file = name
				lines = append(lines, fmt.Sprintf("  %s (%s):", name, about[name]))
			}
			lines = append(lines, fmt.Sprintf("    %s %s %s (line %d): %s", f.Rule, f.Level, f.Path, f.Line, f.Message))
		}
	}
	if checkUnused {
		for _, e := range unused {
			lines = append(lines, fmt.Sprintf("cfn-lint exemption %s on %s covered nothing in %s the tests synthesized: remove it", e.Rule, e.Resource, count(len(inputs), "template")))
		}
	}
	if len(lines) > 0 {
		return errors.New(strings.Join(lines, "\n"))
	}
	return nil
}

func count(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

// The lint step fails on what cfn-lint finds in a broken template, naming
// the template, the rule, the resource path and the message; an exemption
// removes exactly its finding, and one that covers nothing is reported.
// (cfnlint's own tests run the real linter over this template: a second
// Python start-up here would only repeat them.)
func TestLintStepReportsABrokenTemplate(t *testing.T) {
	in := []lintInput{{name: "001-Broken.template.json", about: "stack Broken, a test's"}}
	findings := []cfnlint.Finding{ // cfnlint.Run on app/internal/cfnlint/testdata/broken.template.json
		{File: "/out/cfnlint/001-Broken.template.json", Rule: "E3035", Level: "Error", Resource: "Queue", Path: "Resources/Queue/DeletionPolicy", Line: 3, Message: "'Keep' is not one of ['Delete', 'Retain', 'RetainExceptOnCreate']"},
		{File: "/out/cfnlint/001-Broken.template.json", Rule: "E3002", Level: "Error", Resource: "Bucket", Path: "Resources/Bucket/Properties/BucketNam", Line: 2, Message: "Additional properties are not allowed ('BucketNam' was unexpected. Did you mean 'BucketName'?)"},
	}
	err := lintReport(findings, in, nil, true)
	if err == nil {
		t.Fatal("lintReport(a broken template's findings) = nil, want them listed")
	}
	want := "cfn-lint " + cfnlint.Version + ": 2 findings in 1 template the tests synthesized (fix the template, or exempt the rule on that one resource in lintExemptions, app/stack/cfnlint_test.go, with the reason):\n" +
		"  001-Broken.template.json (stack Broken, a test's):\n" +
		"    E3002 Error Resources/Bucket/Properties/BucketNam (line 2): Additional properties are not allowed ('BucketNam' was unexpected. Did you mean 'BucketName'?)\n" +
		"    E3035 Error Resources/Queue/DeletionPolicy (line 3): 'Keep' is not one of ['Delete', 'Retain', 'RetainExceptOnCreate']"
	if err.Error() != want {
		t.Errorf("lintReport(a broken template's findings) =\n%v\nwant\n%s", err, want)
	}

	bucket := []cfnlint.Exemption{{Rule: "E3002", Resource: "Bucket", Reason: "only to prove an exemption removes its one finding"}}
	if err := lintReport(findings, in, bucket, true); err == nil || strings.Contains(err.Error(), "E3002") || !strings.Contains(err.Error(), "E3035 Error Resources/Queue") {
		t.Errorf("lintReport(E3002 on Bucket exempted) = %v, want E3035 only", err)
	}
	stale := append(bucket, cfnlint.Exemption{Rule: "E3035", Resource: "Bucket", Reason: "covers nothing: the DeletionPolicy finding is on Queue"})
	if err := lintReport(findings[1:], in, stale, true); err == nil || err.Error() != "cfn-lint exemption E3035 on Bucket covered nothing in 1 template the tests synthesized: remove it" {
		t.Errorf("lintReport(an exemption covering nothing) = %v, want it named", err)
	}
	if err := lintReport(findings[1:], in, stale, false); err != nil {
		t.Errorf("lintReport(an exemption covering nothing, in a partial run) = %v, want nil", err)
	}
}
