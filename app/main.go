// Command app is the CDK app: it reads the context, composes the private-S3
// stack and synthesizes it to cdk.out. The CDK CLI runs it (cdk.json); it
// needs no AWS account unless the context asks for a lookup.
package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"

	"github.com/privates3/privates3/app/config"
	"github.com/privates3/privates3/app/internal/cdkout"
	"github.com/privates3/privates3/app/invariants"
	"github.com/privates3/privates3/app/pipeline"
	"github.com/privates3/privates3/app/stack"
)

func main() {
	if err := noArguments(os.Args[1:]); err != nil {
		fmt.Fprintf(os.Stderr, "privates3: %v\n", err)
		os.Exit(2)
	}
	if err := run(); err != nil {
		// On a line of its own: jsii may have written its "waitid: no
		// child processes" note at exit without ending the line.
		fmt.Fprintf(os.Stderr, "\nprivates3: %v\n", err)
		os.Exit(1)
	}
}

func run() error {
	config.QuietNode()
	defer jsii.Close()
	root, err := config.ProjectRoot()
	if err != nil {
		return err
	}
	// The CLI hands the app cdk.json's context (feature flags included) in
	// CDK_CONTEXT_JSON. Run directly (go run ./app, a prebuilt binary), the
	// app reads cdk.json itself, so it synthesizes the same template.
	props := &awscdk.AppProps{}
	if os.Getenv("CDK_CONTEXT_JSON") == "" {
		ctx, err := config.CdkJSONContext(root)
		if err != nil {
			return err
		}
		props.Context = &ctx
	}
	if os.Getenv("CDK_OUTDIR") == "" {
		// Run directly: write where the CLI would, not to a new
		// $TMPDIR/cdk.outXXXX for every run.
		props.Outdir = jsii.String(filepath.Join(root, "cdk.out"))
	}
	return synthesize(awscdk.NewApp(props), root)
}

// synthesize composes what the context of app asks for, synthesizes it and
// checks what was synthesized.
func synthesize(app awscdk.App, root string) error {
	all, _ := app.Node().GetAllContext(nil).(map[string]any)
	set, err := load(root, all)
	if err != nil {
		return err
	}
	var stacks []built
	if set.file != nil {
		stages, err := newStages(app, set, root)
		if err != nil {
			return err
		}
		for _, s := range stages {
			stage := s.Stage
			stacks = append(stacks, built{cfg: s.Config, st: s.Stack, dir: func() string { return *stage.Synth(nil).Directory() }})
		}
	} else {
		stacks = append(stacks, built{cfg: set.cfg, st: stack.New(app, set.cfg, root), dir: func() string { return *app.Synth(nil).Directory() }})
	}
	assembly := app.Synth(nil)
	missing, err := cdkout.MissingLookups(*assembly.Directory())
	if err != nil {
		return err
	}
	for _, key := range missing {
		if all[key] == nil {
			// A lookup pending: the CLI looks it up and runs the app
			// again; the invariants are checked on that final template.
			// A lookup the CLI could not answer is missing too, but has
			// a value (its provider error), which the annotations below
			// report.
			return nil
		}
	}
	// A failed lookup, or a construct's failed validation, is recorded in
	// the assembly and the synth goes on with dummy values; the CLI
	// reports it for the stacks it selects only, which a stage's are not.
	failed, err := cdkout.Messages(*assembly.Directory(), cdkout.Error)
	if err != nil {
		return err
	}
	if len(failed) > 0 {
		return fmt.Errorf("the synth recorded %d error(s); nothing it wrote can be deployed:\n  %s", len(failed), strings.Join(failed, "\n  "))
	}
	var errs []error
	for _, b := range stacks {
		path := filepath.Join(b.dir(), *b.st.TemplateFile())
		template, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		errs = append(errs, invariants.CheckStack(b.cfg, b.st, path, template))
	}
	// cdk-nag's packs, over the templates: there they also see resources
	// CDK creates as plain CfnResources (its custom-resource providers),
	// which rules run on the construct tree skip.
	errs = append(errs, stack.CheckAssembly(*assembly.Directory()))
	return errors.Join(errs...)
}

// noArguments refuses what the app cannot take: its settings are context,
// which the CLI passes in CDK_CONTEXT_JSON, never as arguments.
func noArguments(args []string) error {
	if len(args) == 0 {
		return nil
	}
	return fmt.Errorf("the app takes no arguments, and got %q: its settings are CDK context: set them in cdk.json under \"context\", or pass them as `npx cdk synth -c key=value` or `npm run synth -- -c key=value` (see README, Configuration)", args)
}

// newStages makes the stages of the environments file of set: plain ones,
// or the pipeline's stack and the stages it deploys.
func newStages(app awscdk.App, set settings, root string) ([]stack.EnvStage, error) {
	if !set.pipeline {
		return stack.NewEnvironments(app, set.file.Environments, root), nil
	}
	rel, err := filepath.Rel(root, set.path)
	if err != nil {
		return nil, err
	}
	p, err := pipeline.New(app, pipeline.Props{File: filepath.ToSlash(rel), Root: root, Environments: set.file.Environments, Settings: *set.file.Pipeline})
	if err != nil {
		return nil, err
	}
	return p.Stages, nil
}

// built is one stack the app composed, and where its template is written.
type built struct {
	cfg config.Config
	st  *stack.Stack
	dir func() string
}
