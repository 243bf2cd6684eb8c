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
	if err = errors.Join(err, config.UnknownKeys(slices.Sorted(maps.Keys(all)))); err != nil {
		return fmt.Errorf("bad context (see README, Configuration):\n%w", err)
	}
	var stacks []built
	if file := cfg.Environments; file != "" {
		for _, k := range config.Keys {
			if _, set := all[k]; set && k != "environments" {
				return fmt.Errorf("context %q is set together with \"environments\": set it per environment in %s instead", k, file)
			}
		}
		if !filepath.IsAbs(file) {
			file = filepath.Join(root, file)
		}
		envs, err := environments.Load(file)
		if err != nil {
			return err
		}
		for _, s := range stack.NewEnvironments(app, envs, root) {
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

// built is one stack the app composed, and where its template is written.
type built struct {
	cfg config.Config
	st  *stack.Stack
	dir func() string
}
