// Command app is the CDK app: it reads the context, composes the private-S3
// stack and synthesizes it to cdk.out. The CDK CLI runs it (cdk.json); it
// needs no AWS account unless the context asks for a lookup.
package main

import (
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"

	"github.com/privates3/privates3/app/config"
	"github.com/privates3/privates3/app/environments"
	"github.com/privates3/privates3/app/internal/cdkout"
	"github.com/privates3/privates3/app/pipeline"
	"github.com/privates3/privates3/app/stack"
)

func main() {
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
	app := awscdk.NewApp(props)
	all, _ := app.Node().GetAllContext(nil).(map[string]any)
	get := func(key string) any { return app.Node().TryGetContext(jsii.String(key)) }
	cfg, err := config.Parse(get)
	// The pipeline switch is read here, not by config.Parse.
	if err = errors.Join(err, config.UnknownKeys(slices.Sorted(maps.Keys(all)), pipeline.ContextKey)); err != nil {
		return fmt.Errorf("bad context (see README, Configuration):\n%w", err)
	}
	withPipeline, err := pipeline.Enabled(get(pipeline.ContextKey))
	if err != nil {
		return err
	}
	var stacks []built
	if withPipeline && cfg.Environments == "" {
		return fmt.Errorf("context %q needs \"environments\": the pipeline deploys the environments of a file, and reads its own account, region and source from the file's \"pipeline\" object (see README, Pipeline)", pipeline.ContextKey)
	}
	if file := cfg.Environments; file != "" {
		for _, k := range config.Keys {
			if _, set := all[k]; set && k != "environments" {
				return fmt.Errorf("context %q is set together with \"environments\": set it per environment in %s instead", k, file)
			}
		}
		given := file
		if !filepath.IsAbs(file) {
			file = filepath.Join(root, file)
		}
		f, err := environments.LoadFile(file)
		if err != nil {
			return err
		}
		stages, err := newStages(app, f, given, file, root, withPipeline)
		if err != nil {
			return err
		}
		for _, s := range stages {
			stage := s.Stage
			stacks = append(stacks, built{cfg: s.Config, st: s.Stack, dir: func() string { return *stage.Synth(nil).Directory() }})
		}
	} else {
		stacks = append(stacks, built{cfg: cfg, st: stack.New(app, cfg, root), dir: func() string { return *app.Synth(nil).Directory() }})
	}
	assembly := app.Synth(nil)
	missing, err := cdkout.MissingLookups(*assembly.Directory())
	if err != nil {
		return err
	}
	if len(missing) > 0 {
		// Lookups pending: the CLI looks them up and runs the app again;
		// the invariants are checked on that final template.
		return nil
	}
	var errs []error
	for _, b := range stacks {
		path := filepath.Join(b.dir(), *b.st.TemplateFile())
		template, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		errs = append(errs, stack.CheckInvariants(b.cfg, root, path, template, b.st.External))
	}
	return errors.Join(errs...)
}

// newStages makes the environments' stages: plain ones, or (withPipeline)
// the pipeline's stack and the stages it deploys. given is the file as the
// context names it, path the same file made absolute.
func newStages(app awscdk.App, f environments.File, given, path, root string, withPipeline bool) ([]stack.EnvStage, error) {
	if !withPipeline {
		return stack.NewEnvironments(app, f.Environments, root), nil
	}
	if f.Pipeline == nil {
		return nil, fmt.Errorf("%s: no \"pipeline\" object: give the pipeline's account, region, repository, branch and connectionArn (see README, Pipeline)", given)
	}
	rel, err := filepath.Rel(root, path)
	if err != nil {
		return nil, err
	}
	p, err := pipeline.New(app, pipeline.Props{File: filepath.ToSlash(rel), Root: root, Environments: f.Environments, Settings: *f.Pipeline})
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
