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
	cfg, err := config.Parse(func(key string) any { return app.Node().TryGetContext(jsii.String(key)) })
	if err = errors.Join(err, config.UnknownKeys(slices.Sorted(maps.Keys(all)))); err != nil {
		return fmt.Errorf("bad context (see README, Configuration):\n%w", err)
	}
	st := stack.New(app, cfg, root)
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
	path := filepath.Join(*assembly.Directory(), *st.TemplateFile())
	template, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	return stack.CheckInvariants(cfg, root, path, template, st.External)
}
