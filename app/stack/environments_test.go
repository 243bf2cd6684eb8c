package stack_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/privates3/privates3/app/environments"
	"github.com/privates3/privates3/app/invariants"
	"github.com/privates3/privates3/app/stack"
)

// The example environments (examples/environments.json): dev creates its
// VPC, prod imports an existing one (its lookup stubbed here, as the CLI
// answers it from cdk.context.json) and allows dev's endpoint, read from
// SSM at deploy time, and a partner's VPC endpoint through which a writer
// role of another account (210987654321) may put objects. Both stages
// synthesize with concrete environments and pass the access invariants,
// the cross-account writer's included (proven, not unknown: prod's account
// is known); prod, a production environment, has no control.
func TestTwoEnvironments(t *testing.T) {
	envs, err := environments.Load(filepath.Join(root, "examples", "environments.json"))
	if err != nil {
		t.Fatal(err)
	}
	app := newApp(map[string]any{
		"vpc-provider:account=111111111111:filter.vpc-id=vpc-0e0a0b0c0d0e0f001:region=eu-west-1:returnAsymmetricSubnets=true": js(`{"vpcId": "vpc-0e0a0b0c0d0e0f001", "vpcCidrBlock": "10.30.0.0/16", "availabilityZones": [],
		  "subnetGroups": [{"name": "Data", "type": "Isolated", "subnets": [
		    {"subnetId": "subnet-0prod000000000001", "cidr": "10.30.1.0/24", "availabilityZone": "eu-west-1a", "routeTableId": "rtb-0prod000000000001"},
		    {"subnetId": "subnet-0prod000000000002", "cidr": "10.30.2.0/24", "availabilityZone": "eu-west-1b", "routeTableId": "rtb-0prod000000000002"}]}]}`),
	})
	stages := stack.NewEnvironments(app, envs, root)
	app.Synth(nil)
	tps := map[string]tmpl{}
	for _, s := range stages {
		dir := *s.Stage.Synth(nil).Directory()
		raw, err := os.ReadFile(filepath.Join(dir, *s.Stack.TemplateFile()))
		if err != nil {
			t.Fatal(err)
		}
		if err := invariants.CheckStack(s.Config, s.Stack, s.Env.Name, raw); err != nil {
			t.Errorf("stage %s: %v", s.Env.Name, err)
		}
		var tp tmpl
		if err := json.Unmarshal(raw, &tp); err != nil {
			t.Fatal(err)
		}
		tps[s.Env.Name] = tp
		equal(t, s.Env.Name+" stack name", *s.Stack.StackName(), "PrivateS3-"+s.Env.Name)
		equal(t, s.Env.Name+" account", *s.Stack.Account(), "111111111111")
		for _, m := range assemblyMessages(t, dir, "aws:cdk:error") {
			t.Errorf("stage %s: error annotation %s", s.Env.Name, m)
		}
	}
	// dev publishes its endpoint id; prod's bucket accepts it.
	_, param := tps["dev"].one(t, "AWS::SSM::Parameter", "EndpointIdParameter")
	equal(t, "dev's parameter name", props(param)["Name"], environments.EndpointParameter("dev"))
	var ssm string
	for name, p := range tps["prod"]["Parameters"].(map[string]any) {
		if get(p, "Default") == environments.EndpointParameter("dev") {
			ssm = name
			equal(t, "prod's parameter type", get(p, "Type"), "AWS::SSM::Parameter::Value<String>")
		}
	}
	if ssm == "" {
		t.Fatalf("prod reads no SSM parameter %s", environments.EndpointParameter("dev"))
	}
	_, pol := tps["prod"].one(t, "AWS::S3::BucketPolicy", "StoragePolicy")
	allowed := get(statements(props(pol)["PolicyDocument"])["DenyObjectsOutsideEndpoint"], "Condition", "StringNotEquals", "aws:SourceVpce").([]any)
	if len(allowed) != 3 || allowed[1] != "vpce-0b1c2d3e4f5a6b7c8" || get(allowed[2], "Ref") != ssm {
		t.Errorf("prod's allowed endpoints = %v, want its own, the partner's vpce-0b1c2d3e4f5a6b7c8 and dev's (Ref %s)", allowed, ssm)
	}
	equal(t, "prod's cross-account writer", get(statements(props(pol)["PolicyDocument"])["CrossAccountWriters"], "Principal"), map[string]any{"AWS": "arn:aws:iam::210987654321:role/Writer"})
	for id := range tps["prod"].resources("AWS::Lambda::Function") {
		if strings.HasPrefix(id, "Control") {
			t.Errorf("prod (production) has the control function %s", id)
		}
	}
	if len(tps["dev"].resources("AWS::EC2::VPC")) != 1 || len(tps["prod"].resources("AWS::EC2::VPC")) != 0 {
		t.Error("dev must create its VPC and prod use the existing one")
	}
}
