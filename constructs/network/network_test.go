package network_test

// One jsii start-up for the package (about a second): the grants are read
// from one template synthesized in TestMain; refusals at construct time
// need no synth, and each refusal at synth time synthesizes a small app of
// its own in the same process (tens of milliseconds).

import (
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/jsii-runtime-go"

	"github.com/privates3/privates3/constructs/internal/cdktest"
	"github.com/privates3/privates3/constructs/network"
)

func TestMain(m *testing.M) { cdktest.Main(m, buildGrants) }

// inSubnets is a function of the user's own in the network's subnets.
func inSubnets(st awscdk.Stack, id string, net *network.PrivateNetwork) awslambda.Function {
	return awslambda.NewFunction(st, jsii.String(id), &awslambda.FunctionProps{
		Runtime:    awslambda.Runtime_PYTHON_3_12(),
		Handler:    jsii.String("index.handler"),
		Code:       awslambda.Code_FromInline(jsii.String("def handler(event, context):\n    return None\n")),
		Vpc:        net.Vpc,
		VpcSubnets: &awsec2.SubnetSelection{Subnets: &net.Subnets},
	})
}

// tmpl is a synthesized template as JSON.
type tmpl map[string]any

func synth(app awscdk.App, st awscdk.Stack) tmpl {
	asm := app.Synth(nil)
	b, err := os.ReadFile(*asm.Directory() + "/" + *st.TemplateFile())
	if err != nil {
		panic(err)
	}
	var tp tmpl
	if err := json.Unmarshal(b, &tp); err != nil {
		panic(err)
	}
	return tp
}

// one returns the logical id and properties of the only resource of a type
// whose logical id starts with prefix.
func (tp tmpl) one(t *testing.T, typ, prefix string) (string, map[string]any) {
	t.Helper()
	var id string
	var props map[string]any
	n := 0
	for k, r := range tp["Resources"].(map[string]any) {
		r := r.(map[string]any)
		if r["Type"] == typ && strings.HasPrefix(k, prefix) {
			id, n = k, n+1
			props, _ = r["Properties"].(map[string]any)
		}
	}
	if n != 1 {
		t.Fatalf("%d %s resources with logical id prefix %q, want 1", n, typ, prefix)
	}
	return id, props
}

// statements returns a policy document's statements by Sid ("" for those
// without one, which must then be alone).
func statements(doc any) map[string]map[string]any {
	out := map[string]map[string]any{}
	for _, s := range doc.(map[string]any)["Statement"].([]any) {
		s := s.(map[string]any)
		sid, _ := s["Sid"].(string)
		out[sid] = s
	}
	return out
}

// refusal runs build and returns what it panicked with ("" if nothing).
func refusal(build func()) (msg string) {
	defer func() {
		if r := recover(); r != nil {
			msg = fmt.Sprint(r)
		}
	}()
	build()
	return ""
}

func holdsAll(t *testing.T, what, msg string, want []string) {
	t.Helper()
	if msg == "" {
		t.Errorf("%s: not refused; want a message holding %q", what, want)
		return
	}
	for _, w := range want {
		if !strings.Contains(msg, w) {
			t.Errorf("%s: message %q\ndoes not hold %q", what, msg, w)
		}
	}
}

func getAtt(id, attr string) map[string]any {
	return map[string]any{"Fn::GetAtt": []any{id, attr}}
}

// objects is CDK's rendering of bucket.ArnForObjects(pattern).
func objects(bucketID, pattern string) map[string]any {
	return map[string]any{"Fn::Join": []any{"", []any{getAtt(bucketID, "Arn"), "/" + pattern}}}
}

// vpcWithAllSubnetTypes has public, NAT-routed and isolated subnets.
func vpcWithAllSubnetTypes(st awscdk.Stack) awsec2.Vpc {
	return awsec2.NewVpc(st, jsii.String("Vpc"), &awsec2.VpcProps{
		MaxAzs:      jsii.Number(2),
		NatGateways: jsii.Number(1),
		SubnetConfiguration: &[]*awsec2.SubnetConfiguration{
			{Name: jsii.String("Public"), SubnetType: awsec2.SubnetType_PUBLIC},
			{Name: jsii.String("Nat"), SubnetType: awsec2.SubnetType_PRIVATE_WITH_EGRESS},
			{Name: jsii.String("Isolated"), SubnetType: awsec2.SubnetType_PRIVATE_ISOLATED},
		},
	})
}

// importedVpc is an existing VPC with two isolated subnets on route tables
// rtb-a and rtb-b (nil: route tables unknown).
func importedVpc(st awscdk.Stack, routeTables []string) awsec2.IVpc {
	attrs := &awsec2.VpcAttributes{
		VpcId:             jsii.String("vpc-0123456789abcdef0"),
		AvailabilityZones: jsii.Strings("eu-west-1a", "eu-west-1b"),
		IsolatedSubnetIds: jsii.Strings("subnet-a", "subnet-b"),
	}
	if routeTables != nil {
		attrs.IsolatedSubnetRouteTableIds = jsii.Strings(routeTables...)
	}
	return awsec2.Vpc_FromVpcAttributes(st, jsii.String("Existing"), attrs)
}

// Each bad prop is refused before anything is deployed, with a sentence
// naming the prop and the fix; several at once are refused together.
func TestRefusedProps(t *testing.T) {
	tests := []struct {
		name  string
		props func(st awscdk.Stack) *network.PrivateNetworkProps
		want  []string
	}{
		{"endpoint id that is not one", func(st awscdk.Stack) *network.PrivateNetworkProps {
			return &network.PrivateNetworkProps{Vpc: importedVpc(st, []string{"rtb-a", "rtb-b"}), ExistingEndpointId: jsii.String("vpc-0123"), ExistingEndpointRouteTableIds: *jsii.Strings("rtb-a", "rtb-b")}
		}, []string{"PrivateNetwork: ExistingEndpointId", `"vpc-0123"`, "vpce-0123456789abcdef0"}},
		{"existing endpoint without its route tables", func(st awscdk.Stack) *network.PrivateNetworkProps {
			return &network.PrivateNetworkProps{Vpc: importedVpc(st, []string{"rtb-a", "rtb-b"}), ExistingEndpointId: jsii.String("vpce-0123456789abcdef0")}
		}, []string{"ExistingEndpointRouteTableIds is empty", "name the route tables"}},
		{"route tables without an endpoint", func(st awscdk.Stack) *network.PrivateNetworkProps {
			return &network.PrivateNetworkProps{ExistingEndpointRouteTableIds: *jsii.Strings("rtb-a")}
		}, []string{"ExistingEndpointRouteTableIds is set without ExistingEndpointId", "set both"}},
		{"no AZ", func(st awscdk.Stack) *network.PrivateNetworkProps {
			return &network.PrivateNetworkProps{MaxAzs: jsii.Number(0)}
		}, []string{"MaxAzs 0 is invalid", "2 or more"}},
		{"AZs with an existing VPC", func(st awscdk.Stack) *network.PrivateNetworkProps {
			return &network.PrivateNetworkProps{Vpc: importedVpc(st, nil), MaxAzs: jsii.Number(3)}
		}, []string{"MaxAzs is set with Vpc", "leave it nil"}},
		{"public subnets", func(st awscdk.Stack) *network.PrivateNetworkProps {
			return &network.PrivateNetworkProps{Vpc: vpcWithAllSubnetTypes(st), Subnets: &awsec2.SubnetSelection{SubnetType: awsec2.SubnetType_PUBLIC}}
		}, []string{"Subnets selects public subnet", "no public IP", "PRIVATE_ISOLATED"}},
		{"subnets routed through NAT", func(st awscdk.Stack) *network.PrivateNetworkProps {
			return &network.PrivateNetworkProps{Vpc: vpcWithAllSubnetTypes(st), Subnets: &awsec2.SubnetSelection{SubnetType: awsec2.SubnetType_PRIVATE_WITH_EGRESS}}
		}, []string{"routes through NAT", "only for this region's S3", "leave through NAT to the internet", "PRIVATE_ISOLATED"}},
		{"an isolated subnet with a route to a gateway", func(st awscdk.Stack) *network.PrivateNetworkProps {
			vpc := vpcWithAllSubnetTypes(st)
			s := (*vpc.IsolatedSubnets())[0].(awsec2.Subnet)
			s.AddRoute(jsii.String("ToIgw"), &awsec2.AddRouteOptions{RouterId: jsii.String("igw-0123"), RouterType: awsec2.RouterType_GATEWAY, DestinationCidrBlock: jsii.String("0.0.0.0/0")})
			return &network.PrivateNetworkProps{Vpc: vpc}
		}, []string{"IsolatedSubnet1", "ToIgw", "internet gateway or NAT gateway", "remove the route"}},
		{"existing endpoint not on a subnet's route table", func(st awscdk.Stack) *network.PrivateNetworkProps {
			return &network.PrivateNetworkProps{Vpc: importedVpc(st, []string{"rtb-a", "rtb-b"}), ExistingEndpointId: jsii.String("vpce-0123456789abcdef0"), ExistingEndpointRouteTableIds: *jsii.Strings("rtb-a")}
		}, []string{"ExistingEndpointRouteTableIds [rtb-a] does not include route table rtb-b of subnet subnet-b", "attach the endpoint"}},
		{"existing endpoint, route tables unknown", func(st awscdk.Stack) *network.PrivateNetworkProps {
			return &network.PrivateNetworkProps{Vpc: importedVpc(st, nil), ExistingEndpointId: jsii.String("vpce-0123456789abcdef0"), ExistingEndpointRouteTableIds: *jsii.Strings("rtb-a")}
		}, []string{"subnet subnet-a has no known route table", "IsolatedSubnetRouteTableIds"}},
		{"several at once", func(st awscdk.Stack) *network.PrivateNetworkProps {
			return &network.PrivateNetworkProps{Vpc: vpcWithAllSubnetTypes(st), MaxAzs: jsii.Number(2), ExistingEndpointId: jsii.String("endpoint"), Subnets: &awsec2.SubnetSelection{SubnetType: awsec2.SubnetType_PUBLIC}}
		}, []string{"PrivateNetwork: ExistingEndpointId \"endpoint\"", "\nPrivateNetwork: MaxAzs is set with Vpc", "\nPrivateNetwork: ExistingEndpointRouteTableIds is empty", "\nPrivateNetwork: Subnets selects public subnet"}},
	}
	for _, tc := range tests {
		app := cdktest.NewApp(nil)
		st := awscdk.NewStack(app, jsii.String("Refused"), nil)
		props := tc.props(st)
		holdsAll(t, tc.name, refusal(func() { network.NewPrivateNetwork(st, jsii.String("Net"), props) }), tc.want)
	}
}

// A network whose endpoint policy allows nothing is refused at synth: no
// policy is AWS's allow-all for every bucket, only Deny statements allow
// nothing. A statement that names a principal other than "*" allows no
// role through a gateway endpoint and is refused when added.
func TestRefusedEndpointPolicies(t *testing.T) {
	bucketObjects := jsii.Strings("arn:aws:s3:::b/*")
	tests := []struct {
		name  string
		build func(net *network.PrivateNetwork)
		want  []string
	}{
		{"no policy", func(*network.PrivateNetwork) {}, []string{"endpoint policy is empty", "allow-all", "GrantRead"}},
		{"only Deny statements", func(net *network.PrivateNetwork) {
			net.Endpoint.AddToPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{Effect: awsiam.Effect_DENY,
				Principals: &[]awsiam.IPrincipal{awsiam.NewAnyPrincipal()}, Actions: jsii.Strings("s3:DeleteObject"), Resources: jsii.Strings("*")}))
		}, []string{"only Deny statements", "allows nothing", "add an Allow"}},
		{"a role as principal", func(net *network.PrivateNetwork) {
			net.AllowThroughEndpoint(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{Sid: jsii.String("RoleAsPrincipal"),
				Principals: &[]awsiam.IPrincipal{awsiam.NewArnPrincipal(jsii.String("arn:aws:iam::123456789012:role/Reader"))},
				Actions:    jsii.Strings("s3:GetObject"), Resources: bucketObjects}))
		}, []string{"RoleAsPrincipal", "arn:aws:iam::123456789012:role/Reader", `Principal "*"`, "aws:PrincipalArn", "Principals for gateway endpoints", "EndpointStatement"}},
		{"an account as principal", func(net *network.PrivateNetwork) {
			net.AllowThroughEndpoint(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
				Principals: &[]awsiam.IPrincipal{awsiam.NewAccountPrincipal(jsii.String("123456789012"))},
				Actions:    jsii.Strings("s3:GetObject"), Resources: bucketObjects}))
		}, []string{"123456789012", "aws:PrincipalArn", "EndpointStatement"}},
		{"an endpoint statement for no role", func(net *network.PrivateNetwork) {
			net.AllowThroughEndpoint(network.EndpointStatement("Nobody", nil, []string{"s3:GetObject"}, *bucketObjects))
		}, []string{`EndpointStatement "Nobody"`, "roleArns is empty"}},
	}
	for _, tc := range tests {
		app := cdktest.NewApp(nil)
		st := awscdk.NewStack(app, jsii.String("Refused"), nil)
		net := network.NewPrivateNetwork(st, jsii.String("Net"), nil)
		msg := refusal(func() {
			tc.build(net)
			app.Synth(nil)
		})
		holdsAll(t, tc.name, msg, tc.want)
	}
}
