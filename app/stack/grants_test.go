package stack_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/jsii-runtime-go"

	"github.com/privates3/privates3/app/accessmatrix/cfn"
	"github.com/privates3/privates3/app/accessmatrix/matrix"
	"github.com/privates3/privates3/constructs/functions"
	"github.com/privates3/privates3/constructs/network"
)

// inVpcFunction is a second workload in the network's subnets: any
// function, not this project's handler.
func inVpcFunction(st awscdk.Stack, id string, net *network.PrivateNetwork) awslambda.Function {
	return awslambda.NewFunction(st, jsii.String(id), &awslambda.FunctionProps{
		Runtime:    awslambda.Runtime_PYTHON_3_12(),
		Handler:    jsii.String("index.handler"),
		Code:       awslambda.Code_FromInline(jsii.String("def handler(event, context):\n    return None\n")),
		Vpc:        net.Vpc,
		VpcSubnets: &awsec2.SubnetSelection{Subnets: &net.Subnets},
	})
}

// synthStack synthesizes app and returns st's template, as written and decoded.
func synthStack(t *testing.T, app awscdk.App, st awscdk.Stack) ([]byte, tmpl) {
	t.Helper()
	asm := app.Synth(nil)
	b, err := os.ReadFile(filepath.Join(*asm.Directory(), *st.TemplateFile()))
	if err != nil {
		t.Fatal(err)
	}
	var tp tmpl
	if err := json.Unmarshal(b, &tp); err != nil {
		t.Fatal(err)
	}
	return b, tp
}

// A second function in the subnets, granted through the network, gets the
// right in IAM and in the endpoint policy, and the access matrix proves it
// can read through the endpoint. (Granted behind the network's back, the
// synth is refused: see TestRefusals.)
func TestSecondFunctionGrantedThroughTheConstructs(t *testing.T) {
	app := newApp(nil)
	st := awscdk.NewStack(app, jsii.String("Grants"), nil)
	net := network.NewPrivateNetwork(st, jsii.String("Net"), nil)
	b := privateBucket(st, net)
	functions.NewUploader(st, jsii.String("Uploader"), fnProps(b, net))
	reader := inVpcFunction(st, "Reader", net)
	net.GrantRead(reader, b.Bucket, "")
	raw, tp := synthStack(t, app, st)

	roleID, _ := tp.one(t, "AWS::IAM::Role", "ReaderServiceRole")
	bucketID, _ := tp.one(t, "AWS::S3::Bucket", privateBucketID)
	_, e := tp.one(t, "AWS::EC2::VPCEndpoint", "")
	st0 := statements(get(props(e), "PolicyDocument"))
	for sid, want := range map[string]map[string]any{
		"ReaderThroughEndpoint1": {"Action": []any{"s3:GetObject", "s3:GetObjectTagging"}, "Resource": objectsOf(bucketID)},
		"ReaderThroughEndpoint2": {"Action": "s3:ListBucket", "Resource": getAtt(bucketID, "Arn")},
	} {
		s := st0[sid]
		equal(t, sid+" Principal", s["Principal"], "*")
		equal(t, sid+" Condition", s["Condition"], map[string]any{"ArnEquals": map[string]any{"aws:PrincipalArn": []any{getAtt(roleID, "Arn")}}})
		equal(t, sid+" Action", s["Action"], want["Action"])
		equal(t, sid+" Resource", s["Resource"], want["Resource"])
	}

	parsed, err := cfn.Parse("grants", raw)
	if err != nil {
		t.Fatal(err)
	}
	rows, err := matrix.BuildWith(matrix.Options{Actions: []string{"s3:GetObject", "s3:ListBucket", "s3:PutObject"}, NoProbes: true}, parsed)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"s3:GetObject": matrix.Allowed, "s3:ListBucket": matrix.Allowed, "s3:PutObject": "implicit-deny"}
	for _, r := range rows {
		if !strings.HasPrefix(r.Function, "Reader") || r.Bucket != privateBucketID {
			continue
		}
		if r.Path != "vpc-endpoint" || r.Decision != want[r.Action] {
			t.Errorf("Reader %s: path %s, decision %s (%s), want vpc-endpoint, %s", r.Action, r.Path, r.Decision, r.Reason, want[r.Action])
		}
		delete(want, r.Action)
	}
	if len(want) > 0 {
		t.Errorf("no matrix rows for Reader %v", want)
	}
}

// The VPC PrivateNetwork creates restricts its default security group
// whatever the caller's feature flags say.
func TestDefaultSecurityGroupRestrictedWithoutTheFlag(t *testing.T) {
	app := newApp(map[string]any{"@aws-cdk/aws-ec2:restrictDefaultSecurityGroup": false})
	st := awscdk.NewStack(app, jsii.String("NoFlag"), nil)
	network.NewPrivateNetwork(st, jsii.String("Net"), nil).AllowThroughEndpoint(network.EndpointStatement("X", *jsii.Strings("arn:aws:iam::123456789012:role/R"), []string{"s3:GetObject", "s3:GetObjectTagging"}, *jsii.Strings("arn:aws:s3:::b/*")))
	_, tp := synthStack(t, app, st)
	if n := len(tp.resources("Custom::VpcRestrictDefaultSG")); n != 1 {
		t.Errorf("%d Custom::VpcRestrictDefaultSG with the flag off, want 1", n)
	}
}

// The deploy-time prefix-list lookup invokes CDK's provider function; the
// stack creates that function's log group, so the lookup must wait for it
// or Lambda may create /aws/lambda/<fn> first and the LogGroup fails with
// AlreadyExists.
func TestPrefixListLookupWaitsForItsProviderLogGroup(t *testing.T) {
	tp := defaults(t)
	logID, _ := tp.one(t, "AWS::Logs::LogGroup", "AWS679f53fac002430cb0da5b7982bd2287")
	_, lookup := tp.one(t, "Custom::AWS", "UploaderS3PrefixListLookup")
	deps, _ := lookup["DependsOn"].([]any)
	if !slices.Contains(deps, any(logID)) {
		t.Errorf("prefix-list lookup DependsOn = %v, want it to hold %s", deps, logID)
	}
}

// Sizing and extra environment reach both functions; the defaults are
// what FunctionProps documents.
func TestFunctionSizingAndEnvironment(t *testing.T) {
	app := newApp(nil)
	st := awscdk.NewStack(app, jsii.String("Sizing"), nil)
	net := network.NewPrivateNetwork(st, jsii.String("Net"), nil)
	p := fnProps(privateBucket(st, net), net)
	p.MemorySize = jsii.Number(512)
	p.Timeout = awscdk.Duration_Seconds(jsii.Number(30))
	p.Environment = map[string]*string{"LOG_LEVEL": jsii.String("debug")}
	functions.NewUploader(st, jsii.String("Uploader"), p)
	control := *p
	control.Network, control.PrefixListId = nil, nil
	control.MemorySize, control.Timeout = nil, nil
	functions.NewControl(st, jsii.String("Control"), &control)
	_, tp := synthStack(t, app, st)
	_, up := tp.one(t, "AWS::Lambda::Function", "UploaderFunction")
	equal(t, "uploader MemorySize", props(up)["MemorySize"], 512.0)
	equal(t, "uploader Timeout", props(up)["Timeout"], 30.0)
	equal(t, "uploader LOG_LEVEL", get(props(up), "Environment", "Variables", "LOG_LEVEL"), "debug")
	_, ctl := tp.one(t, "AWS::Lambda::Function", "ControlFunction")
	equal(t, "control default MemorySize", props(ctl)["MemorySize"], 256.0)
	equal(t, "control default Timeout", props(ctl)["Timeout"], 15.0)
	equal(t, "control LOG_LEVEL", get(props(ctl), "Environment", "Variables", "LOG_LEVEL"), "debug")
}

// Without Entry the functions use this module's handler wherever the
// caller runs: another module's app lives in another folder.
func TestDefaultEntryDoesNotDependOnTheCurrentFolder(t *testing.T) {
	t.Chdir(t.TempDir())
	app := newApp(nil)
	st := awscdk.NewStack(app, jsii.String("Elsewhere"), nil)
	net := network.NewPrivateNetwork(st, jsii.String("Net"), nil)
	p := fnProps(privateBucket(st, net), net)
	p.Entry = nil
	functions.NewUploader(st, jsii.String("Uploader"), p)
	_, tp := synthStack(t, app, st)
	_, up := tp.one(t, "AWS::Lambda::Function", "UploaderFunction")
	if get(props(up), "Code", "S3Key") == nil {
		t.Errorf("uploader Code = %v, want the bundled handler asset", get(props(up), "Code"))
	}
}

// An AWS managed policy on an in-subnet function's role cannot be read at
// synth: the check says so with a warning instead of passing it as checked.
// Lambda's own execution policies (no S3 rights) give none.
func TestUnreadableManagedPolicyIsAWarning(t *testing.T) {
	app := newApp(nil)
	st := awscdk.NewStack(app, jsii.String("Managed"), nil)
	net := network.NewPrivateNetwork(st, jsii.String("Net"), nil)
	b := privateBucket(st, net)
	functions.NewUploader(st, jsii.String("Uploader"), fnProps(b, net))
	reader := inVpcFunction(st, "Reader", net)
	net.GrantRead(reader, b.Bucket, "")
	msgs := func() []string {
		return assemblyMessages(t, *app.Synth(nil).Directory(), "aws:cdk:warning")
	}
	for _, w := range msgs() {
		if strings.Contains(w, "managed policy") {
			t.Errorf("warning for Lambda's own execution policies: %s", w)
		}
	}
	app = newApp(nil)
	st = awscdk.NewStack(app, jsii.String("Managed"), nil)
	net = network.NewPrivateNetwork(st, jsii.String("Net"), nil)
	b = privateBucket(st, net)
	functions.NewUploader(st, jsii.String("Uploader"), fnProps(b, net))
	reader = inVpcFunction(st, "Reader", net)
	reader.Role().AddManagedPolicy(awsiam.ManagedPolicy_FromAwsManagedPolicyName(jsii.String("AmazonS3ReadOnlyAccess")))
	found := false
	for _, w := range msgs() {
		if strings.Contains(w, "Reader") && strings.Contains(w, "AmazonS3ReadOnlyAccess") && strings.Contains(w, "cannot read") {
			found = true
		}
	}
	if !found {
		t.Errorf("no warning that Reader's AmazonS3ReadOnlyAccess could not be checked; warnings: %q", msgs())
	}
}
