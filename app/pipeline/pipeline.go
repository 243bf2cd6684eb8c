// Package pipeline builds the CDK Pipelines variant of the app (-c
// pipeline=true with an environments file): a CodePipeline in the
// pipeline's own account that builds the repository as `npm ci && npm run
// synth` does, deploys the file's environments in its order (a manual
// approval before each production one) and runs the post-deploy check
// after each, with a role in the environment's account that can do exactly
// what the check does.
package pipeline

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscodebuild"
	"github.com/aws/aws-cdk-go/awscdk/v2/pipelines"
	"github.com/aws/jsii-runtime-go"

	"github.com/privates3/privates3/app/environments"
	"github.com/privates3/privates3/app/stack"
	"github.com/privates3/privates3/app/stack/outputs"
)

// ContextKey is the context switch: -c pipeline=true.
const ContextKey = "pipeline"

// StackName is the pipeline's stack, in the pipeline's account and region.
const StackName = "PrivateS3-Pipeline"

// binDir is the synth step's second output: the post-deploy check, built
// once, which every check step runs.
const binDir = "postdeploy-bin"

// Enabled reads the switch's context value: absent, a boolean (cdk.json)
// or "true"/"false" (-c pipeline=true).
func Enabled(v any) (bool, error) {
	switch v := v.(type) {
	case nil:
		return false, nil
	case bool:
		return v, nil
	case string:
		switch v {
		case "true":
			return true, nil
		case "false":
			return false, nil
		}
	}
	return false, fmt.Errorf("context %q is %v: want true or false", ContextKey, v)
}

// Props are what New builds from.
type Props struct {
	// File is the environments file as the synth step passes it to the
	// app: relative to Root, where the repository is checked out.
	File string
	// Root is the project folder (cdk.json, go.mod, package.json).
	Root string
	// Environments and Settings are the file's, as environments.LoadFile
	// read them.
	Environments []environments.Env
	Settings     environments.Pipeline
}

// Pipeline is the pipeline's stack and the stages it deploys.
type Pipeline struct {
	Stack    awscdk.Stack
	Pipeline pipelines.CodePipeline
	// Stages are the environments' stages, in the file's order, as
	// stack.NewEnvironments made them; each stack has its check role.
	Stages []stack.EnvStage
	// Checks are the check steps' roles and the roles they assume, by
	// environment name.
	Checks map[string]*Check
}

var safePath = regexp.MustCompile(`^[A-Za-z0-9._/-]+$`)

// New adds the pipeline's stack and the environments' stages to app. Its
// errors are the project's (an unreadable go.mod or package.json, a file
// outside the project); the settings are checked by environments.Parse.
func New(app awscdk.App, p Props) (*Pipeline, error) {
	if !safePath.MatchString(p.File) || strings.HasPrefix(p.File, "/") || strings.HasPrefix(p.File, "../") || p.File == ".." {
		return nil, fmt.Errorf("environments file %q: the pipeline's synth step reads it from the repository, so it must be a committed file inside the project, named with letters, digits, '.', '_', '-' and '/'", p.File)
	}
	goVersion, err := goRuntime(p.Root)
	if err != nil {
		return nil, err
	}
	cli, err := cliVersion(p.Root)
	if err != nil {
		return nil, err
	}
	s := p.Settings
	st := awscdk.NewStack(app, jsii.String(StackName), &awscdk.StackProps{
		StackName:   jsii.String(StackName),
		Description: jsii.String("Private S3: the CDK pipeline that deploys the environments of " + p.File + " in order and checks each"),
		Env:         &awscdk.Environment{Account: jsii.String(s.Account), Region: jsii.String(s.Region)},
	})
	source := pipelines.CodePipelineSource_Connection(jsii.String(s.Repository), jsii.String(s.Branch), &pipelines.ConnectionSourceOptions{
		ConnectionArn: jsii.String(s.ConnectionArn),
	})
	synth := pipelines.NewCodeBuildStep(jsii.String("Synth"), &pipelines.CodeBuildStepProps{
		Input:                  source,
		Commands:               jsii.Strings(SynthCommands(p.File)...),
		PrimaryOutputDirectory: jsii.String("cdk.out"),
		BuildEnvironment: &awscodebuild.BuildEnvironment{
			BuildImage: awscodebuild.LinuxBuildImage_STANDARD_7_0(),
			// Compiling the CDK's Go bindings is the heavy part of the
			// synth (about a minute on two cores): four cores and 7 GB.
			ComputeType: awscodebuild.ComputeType_MEDIUM,
		},
		PartialBuildSpec: runtimes(goVersion),
	})
	bin := synth.AddOutputDirectory(jsii.String(binDir))
	cp := pipelines.NewCodePipeline(st, jsii.String("Pipeline"), &pipelines.CodePipelineProps{
		PipelineName: jsii.String("PrivateS3"),
		Synth:        synth,
		// Deploying to other accounts needs the artifacts encrypted with a
		// key their deploy roles are granted: the bucket's own, and in
		// another region the replication bucket's, which CDK makes with a
		// key (rotating) only with CrossAccountKeys.
		ArtifactBucket:    newArtifactBucket(st),
		CrossAccountKeys:  jsii.Bool(true),
		EnableKeyRotation: jsii.Bool(true),
		// The self-mutation step deploys the pipeline with the CLI that
		// package.json pins, not npm's latest.
		CliVersion: jsii.String(cli),
	})
	out := &Pipeline{Stack: st, Pipeline: cp, Checks: map[string]*Check{}}
	out.Stages = stack.NewEnvironments(app, p.Environments, p.Root)
	for _, e := range out.Stages {
		check := newCheck(st, e, s.Account)
		out.Checks[e.Env.Name] = check
		opts := &pipelines.AddStageOpts{Post: &[]pipelines.Step{check.step(e, bin)}}
		if e.Env.Production {
			opts.Pre = &[]pipelines.Step{pipelines.NewManualApprovalStep(jsii.String("Approve"), &pipelines.ManualApprovalStepProps{
				Comment: jsii.String(fmt.Sprintf("Deploy %s, a production environment (account %s, %s)? Every stage before it has deployed and passed its post-deploy check.", e.Env.Name, e.Env.Account, e.Env.Region)),
			})}
		}
		cp.AddStage(e.Stage, opts)
	}
	// Built now, not at synth, so that the suppressions below find the
	// constructs CDK Pipelines makes.
	cp.BuildPipeline()
	suppressPipelineFindings(cp)
	for _, c := range *app.Node().Children() {
		// CodePipeline's support stacks, one per other region it deploys
		// to, in the pipeline's account: a replication bucket and its key.
		if strings.HasPrefix(*c.Node().Id(), "cross-region-stack-") {
			suppressSupportStack(c)
		}
	}
	for _, c := range out.Checks {
		suppressStepRole(c.StepRole)
	}
	return out, nil
}

// SynthCommands are the synth step's commands: those of `npm ci && npm run
// synth` with the environments file and the switch, then the post-deploy
// check built for the check steps.
func SynthCommands(file string) []string {
	return []string{
		"npm ci",
		// The committed cdk.context.json answers every lookup: the step
		// has no rights to look anything up in the environments' accounts.
		"npm run cdk -- synth --quiet -c environments=" + file + " -c " + ContextKey + "=true",
		// The access matrix and Guard over the environments' stacks (one
		// nested assembly per stage); their rules are about the private
		// bucket, and the pipeline's own stack is cdk-nag's.
		"go run ./app/accessmatrix " + StageTemplates,
		"go run ./app/guardcheck -allow-unused " + StageTemplates,
		"CGO_ENABLED=0 go build -trimpath -buildvcs=false -o " + binDir + "/postdeploy ./app/postdeploy",
	}
}

// StageTemplates are the environments' templates in the synth step's
// cdk.out, as a shell pattern: each stage is a nested assembly.
const StageTemplates = "cdk.out/assembly-*/*.template.json"

// runtimes selects the image's Go and Node.js (CodeBuild's Ubuntu
// standard:7.0 carries Go 1.24 to 1.26 and Node.js 20 to 24, per
// aws/aws-codebuild-docker-images, ubuntu/standard/7.0/runtimes.yml): the
// Go of go.mod, and Node.js 22, which jsii supports without its
// end-of-life warning.
func runtimes(goVersion string) awscodebuild.BuildSpec {
	return awscodebuild.BuildSpec_FromObject(&map[string]interface{}{
		"phases": map[string]interface{}{
			"install": map[string]interface{}{
				"runtime-versions": map[string]interface{}{"golang": goVersion, "nodejs": "22"},
			},
		},
	})
}

// goRuntime is go.mod's go directive as a CodeBuild runtime version: its
// major and minor (go 1.26.0 is golang 1.26).
func goRuntime(root string) (string, error) {
	b, err := os.ReadFile(filepath.Join(root, "go.mod"))
	if err != nil {
		return "", err
	}
	m := regexp.MustCompile(`(?m)^go (\d+\.\d+)(\.\d+)?\s*$`).FindSubmatch(b)
	if m == nil {
		return "", errors.New("go.mod has no go directive: the pipeline's synth step needs the Go version")
	}
	return string(m[1]), nil
}

// cliVersion is the CDK CLI package.json pins (devDependencies aws-cdk).
func cliVersion(root string) (string, error) {
	b, err := os.ReadFile(filepath.Join(root, "package.json"))
	if err != nil {
		return "", err
	}
	var pkg struct {
		DevDependencies map[string]string `json:"devDependencies"`
	}
	if err := json.Unmarshal(b, &pkg); err != nil {
		return "", fmt.Errorf("package.json: %w", err)
	}
	v := pkg.DevDependencies["aws-cdk"]
	if !regexp.MustCompile(`^\d+\.\d+\.\d+$`).MatchString(v) {
		return "", fmt.Errorf("package.json pins aws-cdk at %q: the pipeline's self-mutation step needs an exact version such as 2.1148.1", v)
	}
	return v, nil
}

// stackName is the name of e's stack, as the post-deploy check finds it.
func stackName(e stack.EnvStage) string { return outputs.StackName(e.Env.Name) }
