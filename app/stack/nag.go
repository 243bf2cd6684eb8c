package stack

import (
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/cloudformationinclude"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"

	"github.com/privates3/privates3/app/internal/cdkout"
)

// applyPacks adds cdk-nag's AwsSolutions, HIPAA Security, NIST 800-53 R5,
// PCI DSS 3.2.1 and Serverless rule packs to scope. A finding is an error
// or warning annotation on the resource; a suppression sits in the
// resource's Metadata, written beside the construct it concerns with its
// reason.
//
// The app applies them only to the synthesized templates (CheckTemplates),
// not also to its construct tree: in the tree cdk-nag's rules test
// `instanceof CfnFunction`, `CfnRole` and so on, so a resource CDK writes
// as a plain CfnResource (the handler and role of every
// CustomResourceProvider, such as a new VPC's restrictDefaultSecurityGroup)
// passes them unchecked, while in a template included with CfnInclude
// every resource is its L1 class. One pass over the templates sees all the
// tree pass saw and more, for half the time of both.
func applyPacks(scope constructs.IConstruct, props *cdknag.NagPackProps) {
	for _, pack := range []awscdk.IAspect{
		cdknag.NewAwsSolutionsChecks(props),
		cdknag.NewHIPAASecurityChecks(props),
		cdknag.NewNIST80053R5Checks(props),
		cdknag.NewPCIDSS321Checks(props),
		cdknag.NewServerlessChecks(props),
	} {
		awscdk.Aspects_Of(scope).Add(pack, nil)
	}
}

// NagFindings are the packs' unsuppressed findings over synthesized
// templates, each "/NAME/Template/LOGICAL-ID: RULE: message", NAME being
// the template's name given to CheckTemplates.
type NagFindings struct {
	Errors, Warnings []string
}

// CheckTemplates runs the packs over synthesized templates (by name), as a
// reviewer or a pipeline that has only the templates does: each is
// included with CfnInclude, which makes every resource its L1 class, into
// a stack of one throwaway app, synthesized once into a temporary folder.
// Suppressions survive: cdk-nag reads them from each resource's Metadata
// (cdk_nag), which the template keeps.
func CheckTemplates(templates map[string][]byte) (NagFindings, error) {
	var f NagFindings
	dir, err := os.MkdirTemp("", "privates3-nag-")
	if err != nil {
		return f, err
	}
	defer os.RemoveAll(dir)
	out := filepath.Join(dir, "out")
	app := awscdk.NewApp(&awscdk.AppProps{
		Outdir: jsii.String(out),
		// The included templates carry their own CDKMetadata resource.
		AnalyticsReporting: jsii.Bool(false),
		// A finding is an error annotation; with the validation report on,
		// the first would stop the synth before the rest are recorded.
		Context: &map[string]any{"@aws-cdk/core:annotationsInValidationReport": false},
	})
	// The included templates carry their own BootstrapVersion parameter
	// and rule.
	synthesizer := &awscdk.DefaultStackSynthesizerProps{GenerateBootstrapVersionRule: jsii.Bool(false)}
	for i, name := range slices.Sorted(maps.Keys(templates)) {
		if !json.Valid(templates[name]) {
			return f, fmt.Errorf("template %s is not JSON: pass a synthesized template (cdk.out/*.template.json)", name)
		}
		in := filepath.Join(dir, fmt.Sprintf("%d.template.json", i))
		if err := os.WriteFile(in, templates[name], 0o600); err != nil {
			return f, err
		}
		// The construct id names the template in every finding; the stack
		// name must be a valid CloudFormation name, which an artifact id
		// (cross-region-stack-999999999999_eu-central-1) need not be.
		st := awscdk.NewStack(app, jsii.String(name), &awscdk.StackProps{
			StackName:   jsii.String(fmt.Sprintf("Nag%d", i)),
			Synthesizer: awscdk.NewDefaultStackSynthesizer(synthesizer),
		})
		if err := include(st, in); err != nil {
			return f, fmt.Errorf("template %s: %w", name, err)
		}
	}
	// No CSV reports: the findings are read back from the assembly.
	applyPacks(app, &cdknag.NagPackProps{Verbose: jsii.Bool(true), Reports: jsii.Bool(false)})
	app.Synth(nil)
	if f.Errors, err = cdkout.Messages(out, cdkout.Error); err != nil {
		return f, err
	}
	f.Warnings, err = cdkout.Messages(out, "aws:cdk:warning")
	return f, err
}

// include adds the template at path to st. CfnInclude refuses what it
// cannot read (an unknown intrinsic, a Ref to nothing) with a jsii error,
// which reaches Go as a panic: it is returned as an error instead.
func include(st awscdk.Stack, path string) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("CfnInclude cannot read it: %v", r)
		}
	}()
	cloudformationinclude.NewCfnInclude(st, jsii.String("Template"), &cloudformationinclude.CfnIncludeProps{TemplateFile: jsii.String(path)})
	return nil
}

// CheckAssembly runs the packs over every stack template of the cloud
// assembly in dir and of its nested assemblies (an environments file's
// stages), and fails with each unsuppressed error and warning.
func CheckAssembly(dir string) error {
	stacks, err := cdkout.Stacks(dir)
	if err != nil {
		return err
	}
	templates := map[string][]byte{}
	for _, s := range stacks {
		b, err := os.ReadFile(s.Template)
		if err != nil {
			return err
		}
		templates[s.ID] = b
	}
	f, err := CheckTemplates(templates)
	if err != nil {
		return fmt.Errorf("cdk-nag over the synthesized templates: %w", err)
	}
	if all := append(f.Errors, f.Warnings...); len(all) > 0 {
		return fmt.Errorf("cdk-nag over the synthesized templates: %d unsuppressed finding(s); fix each, or suppress it beside the construct that makes it (constructs/nagsuppress) with its reason:\n  %s", len(all), strings.Join(all, "\n  "))
	}
	return nil
}
