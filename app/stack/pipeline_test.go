package stack_test

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/aws/jsii-runtime-go"

	"github.com/privates3/privates3/app/environments"
	"github.com/privates3/privates3/app/internal/cfnlint"
	"github.com/privates3/privates3/app/invariants"
	"github.com/privates3/privates3/app/pipeline"
	"github.com/privates3/privates3/app/stack"
)

// The pipeline variant of examples/pipeline.json: the pipeline in account
// 999999999999, dev in 111111111111 and prod (production: true) in
// 222222222222, all in eu-west-1. Its one synth is shared by the tests
// below. The availability zones of the two new VPCs are stubbed, as the
// CLI answers them from cdk.context.json, so the assembly is the complete
// one the pipeline would deploy (and cfn-lint reads it).

const pipelineFile = "examples/pipeline.json"

var pipelineContext = map[string]any{
	"availability-zones:account=111111111111:region=eu-west-1": []any{"eu-west-1a", "eu-west-1b", "eu-west-1c"},
	"availability-zones:account=222222222222:region=eu-west-1": []any{"eu-west-1a", "eu-west-1b", "eu-west-1c"},
}

type pipelineSynth struct {
	p        *pipeline.Pipeline
	file     environments.File
	template tmpl            // the pipeline's stack
	stages   map[string]tmpl // each environment's stack, by name
	raw      map[string][]byte
	warnings []string // every assembly's, the stages' included
	errors   []string
}

var (
	pipelineMu    sync.Mutex
	pipelineCache *pipelineSynth
)

func synthPipeline(t *testing.T) *pipelineSynth {
	t.Helper()
	pipelineMu.Lock()
	defer pipelineMu.Unlock()
	if pipelineCache != nil {
		return pipelineCache
	}
	f, err := environments.LoadFile(filepath.Join(root, pipelineFile))
	if err != nil {
		t.Fatal(err)
	}
	app := newApp(pipelineContext)
	p, err := pipeline.New(app, pipeline.Props{File: pipelineFile, Root: root, Environments: f.Environments, Settings: *f.Pipeline})
	if err != nil {
		t.Fatal(err)
	}
	dir := *app.Synth(nil).Directory()
	s := &pipelineSynth{p: p, file: f, stages: map[string]tmpl{}, raw: map[string][]byte{}}
	read := func(path string, into *tmpl) []byte {
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(b, into); err != nil {
			t.Fatal(err)
		}
		return b
	}
	read(filepath.Join(dir, *p.Stack.TemplateFile()), &s.template)
	dirs := []string{dir}
	for _, e := range p.Stages {
		sdir := *e.Stage.Synth(nil).Directory()
		var tp tmpl
		s.raw[e.Env.Name] = read(filepath.Join(sdir, *e.Stack.TemplateFile()), &tp)
		s.stages[e.Env.Name] = tp
		dirs = append(dirs, sdir)
	}
	for _, d := range dirs {
		s.warnings = append(s.warnings, assemblyMessages(t, d, "aws:cdk:warning")...)
		s.errors = append(s.errors, assemblyMessages(t, d, "aws:cdk:error")...)
	}
	pipelineCache = s
	return s
}

// codePipeline returns the CodePipeline's stages, each as its name and its
// actions in run order.
func (s *pipelineSynth) codePipeline(t *testing.T) (names []string, actions map[string][]map[string]any) {
	t.Helper()
	_, cp := s.template.one(t, "AWS::CodePipeline::Pipeline", "Pipeline")
	actions = map[string][]map[string]any{}
	for _, st := range get(props(cp), "Stages").([]any) {
		name := get(st, "Name").(string)
		names = append(names, name)
		for _, a := range get(st, "Actions").([]any) {
			actions[name] = append(actions[name], a.(map[string]any))
		}
		sort.SliceStable(actions[name], func(i, j int) bool {
			return runOrder(actions[name][i]) < runOrder(actions[name][j])
		})
	}
	return names, actions
}

func runOrder(a map[string]any) float64 { n, _ := a["RunOrder"].(float64); return n }
func provider(a map[string]any) string  { s, _ := get(a, "ActionTypeId", "Provider").(string); return s }

// The pipeline: the source, the synth, its own update, the assets, then
// one stage per environment in the file's order.
func TestPipelineStagesInFileOrder(t *testing.T) {
	s := synthPipeline(t)
	names, actions := s.codePipeline(t)
	want := []string{"Source", "Build", "UpdatePipeline", "Assets"}
	for _, e := range s.file.Environments {
		want = append(want, e.Name)
	}
	if !slices.Equal(names, want) {
		t.Errorf("pipeline stages = %v, want %v", names, want)
	}
	src := actions["Source"]
	if len(src) != 1 || provider(src[0]) != "CodeStarSourceConnection" {
		t.Fatalf("Source actions = %v, want one CodeStarSourceConnection", src)
	}
	equal(t, "source configuration", get(src[0], "Configuration"), map[string]any{
		"ConnectionArn":    s.file.Pipeline.ConnectionArn,
		"FullRepositoryId": "acme/privates3",
		"BranchName":       "main",
	})
	for _, e := range s.file.Environments {
		var stacks []string
		for _, a := range actions[e.Name] {
			if provider(a) == "CloudFormation" {
				stacks = append(stacks, get(a, "Configuration", "StackName").(string))
			}
		}
		equal(t, e.Name+" stage deploys", stacks, []string{"PrivateS3-" + e.Name, "PrivateS3-" + e.Name}) // prepare, then execute the change set
	}
	_, pl := s.template.one(t, "AWS::CodePipeline::Pipeline", "Pipeline")
	equal(t, "pipeline type", props(pl)["PipelineType"], "V2")
}

// A manual approval comes before every production environment's deploy,
// and nowhere else.
func TestPipelineApprovalBeforeProductionOnly(t *testing.T) {
	s := synthPipeline(t)
	names, actions := s.codePipeline(t)
	production := map[string]bool{}
	for _, e := range s.file.Environments {
		production[e.Name] = e.Production
	}
	if !production["prod"] || production["dev"] {
		t.Fatalf("%s: want dev, and prod with production: true", pipelineFile)
	}
	for _, stage := range names {
		var manual []map[string]any
		firstDeploy := -1.0
		for _, a := range actions[stage] {
			switch provider(a) {
			case "Manual":
				manual = append(manual, a)
			case "CloudFormation":
				if firstDeploy < 0 {
					firstDeploy = runOrder(a)
				}
			}
		}
		switch {
		case production[stage]:
			if len(manual) != 1 {
				t.Fatalf("stage %s (production) has %d manual approvals, want 1", stage, len(manual))
			}
			if runOrder(manual[0]) >= firstDeploy {
				t.Errorf("stage %s: approval at run order %v, deploy at %v: the approval must come first", stage, runOrder(manual[0]), firstDeploy)
			}
			equal(t, stage+" approval", get(manual[0], "Name"), "Approve")
			if c, _ := get(manual[0], "Configuration", "CustomData").(string); !strings.Contains(c, "prod, a production environment (account 222222222222, eu-west-1)") {
				t.Errorf("stage %s approval comment = %q, want it to name the environment and where it deploys", stage, c)
			}
		case len(manual) > 0:
			t.Errorf("stage %s is not production but has a manual approval %v", stage, get(manual[0], "Name"))
		}
	}
}

// After each environment's deploy, its post-deploy check: a CodeBuild
// action after every CloudFormation action of the stage, running the check
// the synth step built, on that stack and region, with the environment's
// check role.
func TestPipelinePostDeployCheckAfterEachDeploy(t *testing.T) {
	s := synthPipeline(t)
	_, actions := s.codePipeline(t)
	for _, e := range s.file.Environments {
		t.Run(e.Name, func(t *testing.T) {
			acts := actions[e.Name]
			last := acts[len(acts)-1]
			equal(t, "last action", get(last, "Name"), "PostDeployCheck")
			equal(t, "last action provider", provider(last), "CodeBuild")
			for _, a := range acts[:len(acts)-1] {
				if runOrder(a) >= runOrder(last) {
					t.Errorf("action %v runs at %v, not before the check (%v)", get(a, "Name"), runOrder(a), runOrder(last))
				}
			}
			equal(t, "check input", get(last, "InputArtifacts"), js(`[{"Name": "Synth_postdeploy_bin"}]`))

			projectID, _ := get(last, "Configuration", "ProjectName", "Ref").(string)
			project, ok := s.template.resources("AWS::CodeBuild::Project")[projectID]
			if !ok {
				t.Fatalf("check action's project %q is not in the template", projectID)
			}
			var spec map[string]any
			if err := json.Unmarshal([]byte(get(props(project), "Source", "BuildSpec").(string)), &spec); err != nil {
				t.Fatal(err)
			}
			equal(t, "check commands", get(spec, "phases", "build", "commands"), toAny([]string{
				"chmod +x postdeploy",
				`./postdeploy --stack PrivateS3-` + e.Name + ` --region ` + e.Region + ` --role-arn "$CHECK_ROLE_ARN" --drift`,
			}))
			equal(t, "check environment", get(props(project), "Environment", "EnvironmentVariables"), toAnyMaps([]map[string]any{
				{"Name": "CHECK_ROLE_ARN", "Type": "PLAINTEXT", "Value": "arn:aws:iam::" + e.Account + ":role/" + pipeline.TargetRoleName(e.Name)},
			}))
			stepRole, _ := s.template.one(t, "AWS::IAM::Role", "PostDeployCheck"+e.Name+"Role")
			equal(t, "check project's role", props(project)["ServiceRole"], getAtt(stepRole, "Arn"))
		})
	}
}

// The check step's own role, in the pipeline's account: assumed by
// CodeBuild, allowed sts:AssumeRole on its environment's check role and
// nothing else of its own. What CDK Pipelines adds (its logs, reports and
// input artifacts) grants no CloudFormation, Lambda, IAM or STS right.
func TestPipelineCheckStepRole(t *testing.T) {
	s := synthPipeline(t)
	for _, e := range s.file.Environments {
		t.Run(e.Name, func(t *testing.T) {
			id, role := s.template.one(t, "AWS::IAM::Role", "PostDeployCheck"+e.Name+"Role")
			equal(t, "role name", props(role)["RoleName"], pipeline.StepRoleName(e.Name))
			equal(t, "trust", get(props(role), "AssumeRolePolicyDocument", "Statement"), js(`[{"Action": "sts:AssumeRole", "Effect": "Allow", "Principal": {"Service": "codebuild.amazonaws.com"}}]`))
			if props(role)["ManagedPolicyArns"] != nil || props(role)["Policies"] != nil {
				t.Errorf("role has AWS managed or inline policies: %v", props(role))
			}
			var assume []map[string]any
			for _, st := range roleStatements(s.template, id) {
				for _, a := range toStrings(st["Action"]) {
					switch {
					case a == "sts:AssumeRole":
						assume = append(assume, st)
					case strings.HasPrefix(a, "cloudformation:"), strings.HasPrefix(a, "lambda:"), strings.HasPrefix(a, "iam:"), strings.HasPrefix(a, "sts:"), a == "*":
						t.Errorf("check step role has %s on %v: its only right of its own is to assume the check role", a, st["Resource"])
					}
				}
			}
			want := "arn:aws:iam::" + e.Account + ":role/" + pipeline.TargetRoleName(e.Name)
			if len(assume) != 1 || !slices.Equal(toStrings(assume[0]["Resource"]), []string{want}) || assume[0]["Condition"] != nil {
				t.Errorf("sts:AssumeRole statements = %v, want one, on %s alone", assume, want)
			}
		})
	}
}

// The check's role in each environment's account: only the pipeline's
// check step role may assume it (the pipeline's account as principal,
// aws:PrincipalArn the step role), and it may do exactly what the check
// does with --drift: DescribeStacks and drift detection on this one stack,
// DescribeStackDriftDetectionStatus on * (the Service Authorization
// Reference gives it no resource type), InvokeFunction on the stack's
// uploader and control (prod has no control: the uploader alone).
func TestPipelineCheckRoleRights(t *testing.T) {
	s := synthPipeline(t)
	for _, e := range s.file.Environments {
		t.Run(e.Name, func(t *testing.T) {
			tp := s.stages[e.Name]
			id, role := tp.one(t, "AWS::IAM::Role", "PostDeployCheckRole")
			equal(t, "role name", props(role)["RoleName"], pipeline.TargetRoleName(e.Name))
			equal(t, "trust", get(props(role), "AssumeRolePolicyDocument", "Statement"), js(`[{
				"Action": "sts:AssumeRole", "Effect": "Allow",
				"Principal": {"AWS": "arn:aws:iam::999999999999:root"},
				"Condition": {"ArnEquals": {"aws:PrincipalArn": "arn:aws:iam::999999999999:role/`+pipeline.StepRoleName(e.Name)+`"}}}]`))
			if props(role)["ManagedPolicyArns"] != nil || props(role)["Policies"] != nil {
				t.Errorf("role has AWS managed or inline policies: %v", props(role))
			}
			functions := []any{}
			for _, prefix := range []string{"ControlFunction", "UploaderFunction"} {
				for fid := range tp.resources("AWS::Lambda::Function") {
					if strings.HasPrefix(fid, prefix) {
						functions = append(functions, getAtt(fid, "Arn"))
					}
				}
			}
			if want := 2; e.Production {
				want = 1
				if len(functions) != want {
					t.Fatalf("prod has %d of the two functions, want the uploader alone", len(functions))
				}
			} else if len(functions) != want {
				t.Fatalf("%s has %d of the two functions, want both", e.Name, len(functions))
			}
			wantInvoke := any(functions)
			if len(functions) == 1 {
				wantInvoke = functions[0]
			}
			equal(t, "the role's statements", roleStatements(tp, id), []map[string]any{
				{"Sid": "DescribeThisStack", "Effect": "Allow", "Action": "cloudformation:DescribeStacks", "Resource": ref("AWS::StackId")},
				{"Sid": "DetectDriftOfThisStack", "Effect": "Allow", "Action": []any{
					"cloudformation:DescribeStackResourceDrifts", "cloudformation:DetectStackDrift",
					"cloudformation:DetectStackResourceDrift", "cloudformation:ListStackResources",
				}, "Resource": ref("AWS::StackId")},
				{"Sid": "ReadDriftDetectionStatus", "Effect": "Allow", "Action": "cloudformation:DescribeStackDriftDetectionStatus", "Resource": "*"},
				{"Sid": "InvokeTheProbes", "Effect": "Allow", "Action": "lambda:InvokeFunction", "Resource": wantInvoke},
			})
		})
	}
}

// roleStatements returns every statement of the policies (inline
// AWS::IAM::Policy and customer managed) attached to the role id.
func roleStatements(tp tmpl, id string) []map[string]any {
	var out []map[string]any
	for _, typ := range []string{"AWS::IAM::Policy", "AWS::IAM::ManagedPolicy"} {
		for _, pid := range keys(tp.resources(typ)) {
			p := tp.resources(typ)[pid]
			attached := false
			for _, r := range get(props(p), "Roles").([]any) {
				attached = attached || get(r, "Ref") == id
			}
			if !attached {
				continue
			}
			for _, st := range get(props(p), "PolicyDocument", "Statement").([]any) {
				out = append(out, st.(map[string]any))
			}
		}
	}
	return out
}

// The synth step builds with Go (go.mod's) and Node.js on CodeBuild's
// standard image, runs what `npm ci && npm run synth` runs with the
// environments file and the switch, and outputs cdk.out (the cloud
// assembly) and the built check.
func TestPipelineSynthStep(t *testing.T) {
	s := synthPipeline(t)
	_, actions := s.codePipeline(t)
	build := actions["Build"]
	if len(build) != 1 {
		t.Fatalf("Build actions = %v, want the synth step", build)
	}
	project := s.template.resources("AWS::CodeBuild::Project")[get(build[0], "Configuration", "ProjectName", "Ref").(string)]
	equal(t, "synth image", get(props(project), "Environment", "Image"), "aws/codebuild/standard:7.0")
	var spec map[string]any
	if err := json.Unmarshal([]byte(get(props(project), "Source", "BuildSpec").(string)), &spec); err != nil {
		t.Fatal(err)
	}
	goVersion := strings.TrimSuffix(strings.Fields(strings.SplitAfter(string(mustRead(t, filepath.Join(root, "go.mod"))), "\ngo ")[1])[0], ".0")
	equal(t, "runtimes", get(spec, "phases", "install", "runtime-versions"), map[string]any{"golang": goVersion, "nodejs": "22"})
	equal(t, "synth commands", get(spec, "phases", "build", "commands"), toAny(pipeline.SynthCommands(pipelineFile)))
	equal(t, "synth outputs", get(spec, "artifacts", "secondary-artifacts"), js(`{
		"Synth_Output": {"base-directory": "cdk.out", "files": ["**/*"]},
		"Synth_postdeploy_bin": {"base-directory": "postdeploy-bin", "files": ["**/*"]}}`))
	// The self-mutation step deploys with the CLI package.json pins.
	var pkg struct {
		DevDependencies map[string]string `json:"devDependencies"`
	}
	if err := json.Unmarshal(mustRead(t, filepath.Join(root, "package.json")), &pkg); err != nil {
		t.Fatal(err)
	}
	mutate := s.template.resources("AWS::CodeBuild::Project")[get(actions["UpdatePipeline"][0], "Configuration", "ProjectName", "Ref").(string)]
	if spec := get(props(mutate), "Source", "BuildSpec").(string); !strings.Contains(spec, "npm install -g aws-cdk@"+pkg.DevDependencies["aws-cdk"]) {
		t.Errorf("self-mutation buildspec does not install aws-cdk@%s:\n%s", pkg.DevDependencies["aws-cdk"], spec)
	}
}

// The artifacts are encrypted with the bucket's own rotating key (what the
// other accounts' deploy roles are granted), and the bucket is versioned
// and logged.
func TestPipelineArtifactBucket(t *testing.T) {
	s := synthPipeline(t)
	_, cp := s.template.one(t, "AWS::CodePipeline::Pipeline", "Pipeline")
	bucket, b := s.template.one(t, "AWS::S3::Bucket", "ArtifactsBucket")
	key, k := s.template.one(t, "AWS::KMS::Key", "ArtifactsKey")
	equal(t, "artifact store", get(props(cp), "ArtifactStore"), map[string]any{
		"Type": "S3", "Location": ref(bucket), "EncryptionKey": map[string]any{"Type": "KMS", "Id": getAtt(key, "Arn")},
	})
	equal(t, "key rotation", props(k)["EnableKeyRotation"], true)
	equal(t, "versioning", get(props(b), "VersioningConfiguration", "Status"), "Enabled")
	logs, _ := s.template.one(t, "AWS::S3::Bucket", "ArtifactsAccessLogs")
	equal(t, "access logs", get(props(b), "LoggingConfiguration", "DestinationBucketName"), ref(logs))
}

// Each environment's stack passes the access invariants, and no stack of
// the app (the pipeline's, the environments') has an error.
func TestPipelineStacksPassInvariants(t *testing.T) {
	s := synthPipeline(t)
	for _, e := range s.p.Stages {
		if err := invariants.CheckStack(e.Config, e.Stack, e.Env.Name, s.raw[e.Env.Name]); err != nil {
			t.Errorf("stage %s: %v", e.Env.Name, err)
		}
	}
	// cdk-nag's packs over these templates: TestNagPacksOverTheTemplatesFindNothingUnsuppressed.
	for _, e := range s.errors {
		t.Errorf("error annotation: %s", e)
	}
}

// Without the switch the same file makes the plain stages: no pipeline,
// and no check role in the environments' stacks.
func TestEnvironmentsWithoutPipelineHaveNoCheckRole(t *testing.T) {
	s := synthPipeline(t)
	app := newApp(pipelineContext)
	stages := stack.NewEnvironments(app, s.file.Environments, root)
	app.Synth(nil)
	for _, e := range stages {
		var tp tmpl
		if err := json.Unmarshal(mustRead(t, filepath.Join(*e.Stage.Synth(nil).Directory(), *e.Stack.TemplateFile())), &tp); err != nil {
			t.Fatal(err)
		}
		for id, r := range tp.resources("AWS::IAM::Role") {
			if strings.HasPrefix(id, "PostDeployCheck") || props(r)["RoleName"] == pipeline.TargetRoleName(e.Env.Name) {
				t.Errorf("stage %s without the pipeline has the check role %s", e.Env.Name, id)
			}
		}
	}
	if app.Node().TryFindChild(jsii.String(pipeline.StackName)) != nil {
		t.Error("the app without the switch has the pipeline's stack")
	}
}

func mustRead(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func toAnyMaps(ms []map[string]any) []any {
	out := make([]any, len(ms))
	for i, m := range ms {
		out[i] = m
	}
	return out
}

func init() {
	// What cfn-lint finds in the pipeline's assembly beyond what every
	// template of the tests has (cfnlint_test.go), each on one resource.
	lintExemptions = append(lintExemptions,
		cfnlint.Exemption{Rule: "W3005", Resource: "Pipeline9850B417", Reason: "CDK's redundant DependsOn from the CodePipeline to its own role, which Properties.RoleArn already references; CDK Pipelines writes it, not our code"},
		// E3703 validates each action's configuration; on the deploy
		// actions' RoleArn (the environment's CloudFormation execution role
		// of the bootstrap, which CDK writes as Fn::Join of the partition
		// and the name) it reports I1022's style preference as its own.
		cfnlint.Exemption{Rule: "E3703", Resource: "Pipeline9850B417", Reason: "cfn-lint 1.51 reports I1022's 'prefer Fn::Sub over Fn::Join' as E3703 on the deploy actions' RoleArn, which CDK Pipelines builds with Fn::Join; the configuration itself is valid"},
		// W3010: the environments' stacks have concrete accounts and
		// regions, so CDK writes the availability zones it looked up.
		cfnlint.Exemption{Rule: "W3010", Resource: "NetworkVpcIsolatedSubnet1Subnet*", Reason: "an environment's stack is for one account and region: its new VPC's subnets name the availability zones CDK looked up there (cdk.context.json), which is what a concrete environment means"},
		cfnlint.Exemption{Rule: "W3010", Resource: "NetworkVpcIsolatedSubnet2Subnet*", Reason: "an environment's stack is for one account and region: its new VPC's subnets name the availability zones CDK looked up there (cdk.context.json), which is what a concrete environment means"},
	)
}

// An environment in another region: CodePipeline adds a support stack in
// the pipeline's account and that region (its replication bucket, with a
// key, which CrossAccountKeys asks for), the stage deploys there, and
// cdk-nag, which runs on the support stack too, finds nothing
// unsuppressed.
func TestPipelineOtherRegion(t *testing.T) {
	f := synthPipeline(t).file
	envs := slices.Clone(f.Environments)
	envs[1].Region, envs[1].Settings.PrefixListId = "eu-central-1", "pl-6ea54007"
	app := newApp(map[string]any{
		"availability-zones:account=111111111111:region=eu-west-1":    []any{"eu-west-1a", "eu-west-1b"},
		"availability-zones:account=222222222222:region=eu-central-1": []any{"eu-central-1a", "eu-central-1b"},
	})
	p, err := pipeline.New(app, pipeline.Props{File: pipelineFile, Root: root, Environments: envs, Settings: *f.Pipeline})
	if err != nil {
		t.Fatal(err)
	}
	dir := *app.Synth(nil).Directory()
	var m struct {
		Artifacts map[string]struct {
			Type        string `json:"type"`
			Environment string `json:"environment"`
			Properties  struct {
				StackName string `json:"stackName"`
			} `json:"properties"`
		} `json:"artifacts"`
	}
	if err := json.Unmarshal(mustRead(t, filepath.Join(dir, "manifest.json")), &m); err != nil {
		t.Fatal(err)
	}
	support := ""
	for _, a := range m.Artifacts {
		if a.Properties.StackName == pipeline.StackName+"-support-eu-central-1" {
			support = a.Environment
		}
	}
	equal(t, "support stack's environment", support, "aws://999999999999/eu-central-1")
	var tp tmpl
	if err := json.Unmarshal(mustRead(t, filepath.Join(dir, *p.Stack.TemplateFile())), &tp); err != nil {
		t.Fatal(err)
	}
	_, cp := tp.one(t, "AWS::CodePipeline::Pipeline", "Pipeline")
	for _, st := range get(props(cp), "Stages").([]any) {
		if get(st, "Name") != "prod" {
			continue
		}
		for _, a := range get(st, "Actions").([]any) {
			if provider(a.(map[string]any)) == "CloudFormation" && get(a, "Region") != "eu-central-1" {
				t.Errorf("prod action %v in region %v, want eu-central-1", get(a, "Name"), get(a, "Region"))
			}
		}
	}
	dirs := []string{dir}
	for _, e := range p.Stages {
		dirs = append(dirs, *e.Stage.Synth(nil).Directory())
	}
	for _, d := range dirs {
		for _, e := range assemblyMessages(t, d, "aws:cdk:error") {
			t.Errorf("error annotation: %s", e)
		}
	}
	// The packs over the templates, as every synth of the app runs them: the cross-region support stack is synthesized only here,
	// and its artifact id, cross-region-stack-ACCOUNT_REGION, is no valid
	// stack name, which CheckAssembly must survive.
	if err := stack.CheckAssembly(dir); err != nil {
		t.Error(err)
	}
}

// An environment whose existing VPC is not looked up yet: the CLI runs the
// app once without the answer, and the pipeline must not stop that run
// (the stack has no functions until the lookup is answered); the check
// role then has no InvokeTheProbes statement, which the next run writes.
func TestPipelineWithAPendingVpcLookup(t *testing.T) {
	f := synthPipeline(t).file
	envs := slices.Clone(f.Environments)
	envs[1].Vpc = "vpc-0123456789abcdef0"
	app := newApp(pipelineContext)
	p, err := func() (p *pipeline.Pipeline, err error) {
		defer func() {
			if r := recover(); r != nil {
				err = fmt.Errorf("panicked: %v", r)
			}
		}()
		return pipeline.New(app, pipeline.Props{File: pipelineFile, Root: root, Environments: envs, Settings: *f.Pipeline})
	}()
	if err != nil {
		t.Fatalf("pipeline.New with a pending VPC lookup: %v", err)
	}
	for _, e := range p.Stages {
		if e.Env.Name != "prod" {
			continue
		}
		if e.Stack.Uploader != nil {
			t.Fatal("prod has an uploader before its VPC lookup is answered")
		}
		dir := *e.Stage.Synth(nil).Directory()
		var tp tmpl
		if err := json.Unmarshal(mustRead(t, filepath.Join(dir, *e.Stack.TemplateFile())), &tp); err != nil {
			t.Fatal(err)
		}
		_, rights := tp.one(t, "AWS::IAM::ManagedPolicy", "PostDeployCheckRights")
		b, _ := json.Marshal(rights)
		if !strings.Contains(string(b), "DescribeThisStack") || strings.Contains(string(b), "InvokeTheProbes") {
			t.Errorf("prod's check rights while the lookup is pending: %s; want DescribeThisStack alone", b)
		}
	}
}
