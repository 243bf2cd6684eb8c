package stack_test

import (
	"slices"
	"testing"

	"github.com/aws/jsii-runtime-go"

	"github.com/privates3/privates3/app/accessmatrix/network"
	"github.com/privates3/privates3/app/config"
	"github.com/privates3/privates3/app/internal/cdkout"
	"github.com/privates3/privates3/app/stack"
)

// The lookups of `-c vpcId=…`, answered as the CLI answers them from
// cdk.context.json: a VPC with a public subnet and two isolated ones, and
// the region's S3 prefix list.
const (
	vpcLookupKey    = "vpc-provider:account=123456789012:filter.vpc-id=vpc-0123456789abcdef0:region=eu-west-1:returnAsymmetricSubnets=true"
	prefixLookupKey = "cc-api-provider:account=123456789012:expectedMatchCount=exactly-one:propertiesToReturn.0=PrefixListId:propertyMatch.PrefixListName=com.amazonaws.eu-west-1.s3:region=eu-west-1:typeName=AWS$:$:EC2$:$:PrefixList"
)

var lookedUp = map[string]any{
	"vpcId": "vpc-0123456789abcdef0",
	vpcLookupKey: js(`{"vpcId": "vpc-0123456789abcdef0", "vpcCidrBlock": "10.20.0.0/16", "availabilityZones": [],
	  "subnetGroups": [
	    {"name": "Public", "type": "Public", "subnets": [
	      {"subnetId": "subnet-0pub0000000000001", "cidr": "10.20.0.0/24", "availabilityZone": "eu-west-1a", "routeTableId": "rtb-0pub0000000000001"}]},
	    {"name": "Data", "type": "Isolated", "subnets": [
	      {"subnetId": "subnet-0iso0000000000001", "cidr": "10.20.1.0/24", "availabilityZone": "eu-west-1a", "routeTableId": "rtb-0iso0000000000001"},
	      {"subnetId": "subnet-0iso0000000000002", "cidr": "10.20.2.0/24", "availabilityZone": "eu-west-1b", "routeTableId": "rtb-0iso0000000000002"}]}]}`),
	prefixLookupKey: js(`[{"PrefixListId": "pl-6da54004"}]`),
}

func concreteEnv(t *testing.T) {
	t.Setenv("CDK_DEFAULT_ACCOUNT", "123456789012")
	t.Setenv("CDK_DEFAULT_REGION", "eu-west-1")
}

// An existing VPC: the uploader goes in its isolated subnets only, the new
// endpoint on exactly their route tables, egress to the looked-up prefix
// list; no network resource is created but the endpoint.
func TestExistingVpcFromLookup(t *testing.T) {
	concreteEnv(t)
	s := synth(t, lookedUp)
	noNagFindings(t, s)
	tp := s.template
	for _, typ := range []string{"AWS::EC2::VPC", "AWS::EC2::Subnet", "AWS::EC2::RouteTable", "AWS::EC2::NatGateway", "AWS::EC2::InternetGateway", "Custom::AWS"} {
		if n := len(tp.resources(typ)); n != 0 {
			t.Errorf("%d %s resources with an existing VPC, want 0", n, typ)
		}
	}
	_, fn := tp.one(t, "AWS::Lambda::Function", "UploaderFunction")
	equal(t, "uploader subnets", get(props(fn), "VpcConfig", "SubnetIds"), []any{"subnet-0iso0000000000001", "subnet-0iso0000000000002"})
	_, e := tp.one(t, "AWS::EC2::VPCEndpoint", "")
	equal(t, "endpoint VpcId", props(e)["VpcId"], "vpc-0123456789abcdef0")
	tables := toStrings(props(e)["RouteTableIds"])
	slices.Sort(tables)
	equal(t, "endpoint route tables", tables, []string{"rtb-0iso0000000000001", "rtb-0iso0000000000002"})
	_, sg := tp.one(t, "AWS::EC2::SecurityGroup", "UploaderSecurityGroup")
	equal(t, "egress prefix list", get(props(sg), "SecurityGroupEgress", 0, "DestinationPrefixListId"), "pl-6da54004")
	if err := s.subject.Check("lookup", s.raw); err != nil {
		t.Error(err)
	}
}

// Before the CLI has answered the lookup, CDK hands the app a placeholder
// VPC whose subnets would be refused: the stack waits instead, and the
// assembly asks for the lookup.
func TestPendingLookupDoesNotRefuseThePlaceholder(t *testing.T) {
	concreteEnv(t)
	app := newApp(map[string]any{"vpcId": "vpc-0123456789abcdef0"})
	cfg, err := config.Parse(func(k string) any { return app.Node().TryGetContext(jsii.String(k)) })
	if err != nil {
		t.Fatal(err)
	}
	stack.New(app, cfg, root)
	asm := app.Synth(nil)
	keys, err := cdkout.MissingLookups(*asm.Directory())
	if err != nil {
		t.Fatal(err)
	}
	equal(t, "lookups the assembly asks for", keys, []string{vpcLookupKey})
}

// An existing VPC and its existing endpoint: nothing of the network is
// created, the bucket accepts that endpoint, and the invariants follow the
// subnets' route tables to it.
func TestExistingVpcAndEndpoint(t *testing.T) {
	concreteEnv(t)
	ctx := map[string]any{"endpointId": "vpce-0123456789abcdef0", "endpointRouteTableIds": "rtb-0iso0000000000001,rtb-0iso0000000000002"}
	for k, v := range lookedUp {
		ctx[k] = v
	}
	s := synth(t, ctx)
	noNagFindings(t, s)
	if n := len(s.template.resources("AWS::EC2::VPCEndpoint")); n != 0 {
		t.Errorf("%d VPC endpoints created while reusing one, want 0", n)
	}
	_, pol := s.template.one(t, "AWS::S3::BucketPolicy", "StoragePolicy")
	equal(t, "allowed endpoints", get(statements(props(pol)["PolicyDocument"])["DenyObjectsOutsideEndpoint"], "Condition", "StringNotEquals", "aws:SourceVpce"), []any{"vpce-0123456789abcdef0"})
	if err := s.subject.Check("reused-endpoint", s.raw); err != nil {
		t.Error(err)
	}
	// Without what the stack knows of the network outside the template,
	// the uploader's path cannot be proven.
	bare := s.subject
	bare.External = network.External{}
	if err := bare.Check("reused-endpoint", s.raw); err == nil {
		t.Error("Check without the external network = nil, want the uploader's path unproven")
	}
}
