package stack_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3notifications"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssns"
	"github.com/aws/jsii-runtime-go"

	"github.com/privates3/privates3/constructs/functions"
	"github.com/privates3/privates3/constructs/network"
	"github.com/privates3/privates3/constructs/storage"
)

// refused builds constructs into a fresh stack, synthesizes, and returns the
// message of the panic or synth error that refused them ("" if none).
func refused(build func(st awscdk.Stack)) (msg string) {
	defer func() {
		if r := recover(); r != nil {
			msg = fmt.Sprint(r)
		}
	}()
	app := newApp(nil)
	st := awscdk.NewStack(app, jsii.String("Refusal"), nil)
	build(st)
	app.Synth(nil)
	return ""
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

func privateBucket(st awscdk.Stack, net *network.PrivateNetwork) *storage.PrivateBucket {
	return storage.NewPrivateBucket(st, jsii.String("Storage"), &storage.PrivateBucketProps{AllowedEndpointIds: []*string{net.EndpointId}})
}

func fnProps(b *storage.PrivateBucket, net *network.PrivateNetwork) *functions.FunctionProps {
	return &functions.FunctionProps{Entry: jsii.String(root + "/lambda/uploader"), Bucket: b.Bucket, Network: net, PrefixListId: jsii.String("pl-63a5400a")}
}

func TestRefusals(t *testing.T) {
	tests := []struct {
		name  string
		build func(st awscdk.Stack)
		// want are substrings the message must hold: the prop, the value
		// or reason, and the fix.
		want []string
	}{
		{"uploader in public subnets", func(st awscdk.Stack) {
			network.NewPrivateNetwork(st, jsii.String("Net"), &network.PrivateNetworkProps{
				Vpc: vpcWithAllSubnetTypes(st), Subnets: &awsec2.SubnetSelection{SubnetType: awsec2.SubnetType_PUBLIC}})
		}, []string{"Subnets", "public subnet", "no public IP", "select PRIVATE_ISOLATED"}},
		{"uploader in NAT subnets", func(st awscdk.Stack) {
			network.NewPrivateNetwork(st, jsii.String("Net"), &network.PrivateNetworkProps{
				Vpc: vpcWithAllSubnetTypes(st), Subnets: &awsec2.SubnetSelection{SubnetType: awsec2.SubnetType_PRIVATE_WITH_EGRESS}})
		}, []string{"Subnets", "routes through NAT", "leave through NAT to the internet", "select PRIVATE_ISOLATED"}},
		{"isolated subnet with a hand-added internet route", func(st awscdk.Stack) {
			vpc := awsec2.NewVpc(st, jsii.String("Vpc"), &awsec2.VpcProps{MaxAzs: jsii.Number(2), NatGateways: jsii.Number(0),
				SubnetConfiguration: &[]*awsec2.SubnetConfiguration{{Name: jsii.String("Isolated"), SubnetType: awsec2.SubnetType_PRIVATE_ISOLATED}}})
			s := (*vpc.IsolatedSubnets())[0]
			awsec2.NewCfnRoute(s.(awsec2.Subnet), jsii.String("Escape"), &awsec2.CfnRouteProps{RouteTableId: s.RouteTable().RouteTableId(), DestinationCidrBlock: jsii.String("0.0.0.0/0"), GatewayId: jsii.String("igw-0123456789abcdef0")})
			network.NewPrivateNetwork(st, jsii.String("Net"), &network.PrivateNetworkProps{Vpc: vpc})
		}, []string{"route", "internet gateway or NAT", "remove the route"}},
		{"existing endpoint not on the subnets' route tables", func(st awscdk.Stack) {
			vpc := awsec2.Vpc_FromVpcAttributes(st, jsii.String("Vpc"), &awsec2.VpcAttributes{
				VpcId:                       jsii.String("vpc-0123456789abcdef0"),
				AvailabilityZones:           jsii.Strings("eu-west-1a", "eu-west-1b"),
				IsolatedSubnetIds:           jsii.Strings("subnet-0aaaaaaaaaaaaaaaa", "subnet-0bbbbbbbbbbbbbbbb"),
				IsolatedSubnetRouteTableIds: jsii.Strings("rtb-0aaaaaaaaaaaaaaaa", "rtb-0bbbbbbbbbbbbbbbb"),
			})
			network.NewPrivateNetwork(st, jsii.String("Net"), &network.PrivateNetworkProps{Vpc: vpc,
				ExistingEndpointId: jsii.String("vpce-0123456789abcdef0"), ExistingEndpointRouteTableIds: []*string{jsii.String("rtb-0aaaaaaaaaaaaaaaa")}})
		}, []string{"ExistingEndpointRouteTableIds", "rtb-0bbbbbbbbbbbbbbbb", "subnet-0bbbbbbbbbbbbbbbb", "attach the endpoint"}},
		{"existing endpoint without its route tables", func(st awscdk.Stack) {
			network.NewPrivateNetwork(st, jsii.String("Net"), &network.PrivateNetworkProps{ExistingEndpointId: jsii.String("vpce-0123456789abcdef0")})
		}, []string{"ExistingEndpointRouteTableIds is empty", "name the route tables"}},
		{"existing endpoint id that is not one", func(st awscdk.Stack) {
			network.NewPrivateNetwork(st, jsii.String("Net"), &network.PrivateNetworkProps{ExistingEndpointId: jsii.String("vpc-0123"), ExistingEndpointRouteTableIds: []*string{jsii.String("rtb-1")}})
		}, []string{"ExistingEndpointId", `"vpc-0123"`, "vpce-"}},
		{"a VPC given to the control", func(st awscdk.Stack) {
			net := network.NewPrivateNetwork(st, jsii.String("Net"), nil)
			functions.NewControl(st, jsii.String("Control"), fnProps(privateBucket(st, net), net))
		}, []string{"Control", "Network is set", "outside any VPC", "without Network"}},
		{"uploader without a network", func(st awscdk.Stack) {
			net := network.NewPrivateNetwork(st, jsii.String("Net"), nil)
			p := fnProps(privateBucket(st, net), net)
			p.Network = nil
			functions.NewUploader(st, jsii.String("Uploader"), p)
		}, []string{"Uploader", "Network is required"}},
		{"uploader without a handler", func(st awscdk.Stack) {
			net := network.NewPrivateNetwork(st, jsii.String("Net"), nil)
			p := fnProps(privateBucket(st, net), net)
			p.Entry = jsii.String(root + "/lambda")
			functions.NewUploader(st, jsii.String("Uploader"), p)
		}, []string{"Entry", "has no main.go", "leave it nil"}},
		{"bad key prefix", func(st awscdk.Stack) {
			net := network.NewPrivateNetwork(st, jsii.String("Net"), nil)
			p := fnProps(privateBucket(st, net), net)
			p.KeyPrefix = jsii.String("/abs/*")
			functions.NewUploader(st, jsii.String("Uploader"), p)
		}, []string{"KeyPrefix", `"/abs/*"`, "uploads/"}},
		{"bad prefix list id", func(st awscdk.Stack) {
			net := network.NewPrivateNetwork(st, jsii.String("Net"), nil)
			p := fnProps(privateBucket(st, net), net)
			p.PrefixListId = jsii.String("sg-123")
			functions.NewUploader(st, jsii.String("Uploader"), p)
		}, []string{"PrefixListId", `"sg-123"`, "com.amazonaws.<region>.s3"}},
		{"empty allowed-endpoint list", func(st awscdk.Stack) {
			storage.NewPrivateBucket(st, jsii.String("Storage"), &storage.PrivateBucketProps{})
		}, []string{"AllowedEndpointIds is empty", "denies every request", "vpce-"}},
		{"allowed endpoint that is not an endpoint id", func(st awscdk.Stack) {
			storage.NewPrivateBucket(st, jsii.String("Storage"), &storage.PrivateBucketProps{AllowedEndpointIds: []*string{jsii.String("vpc-0123")}})
		}, []string{"AllowedEndpointIds", `"vpc-0123"`, "vpce-0123456789abcdef0"}},
		{"endpoint policy left at the default allow-all", func(st awscdk.Stack) {
			network.NewPrivateNetwork(st, jsii.String("Net"), nil)
		}, []string{"endpoint policy is empty", "allow-all", "GrantRead"}},
		{"endpoint statement naming a role as principal", func(st awscdk.Stack) {
			net := network.NewPrivateNetwork(st, jsii.String("Net"), nil)
			net.AllowThroughEndpoint(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{Sid: jsii.String("RoleAsPrincipal"),
				Principals: &[]awsiam.IPrincipal{awsiam.NewArnPrincipal(jsii.String("arn:aws:iam::123456789012:role/Reader"))},
				Actions:    jsii.Strings("s3:GetObject"), Resources: jsii.Strings("arn:aws:s3:::b/*")}))
		}, []string{"RoleAsPrincipal", "arn:aws:iam::123456789012:role/Reader", `Principal "*"`, "aws:PrincipalArn", "Principals for gateway endpoints", "EndpointStatement"}},
		{"endpoint statement naming an account as principal", func(st awscdk.Stack) {
			net := network.NewPrivateNetwork(st, jsii.String("Net"), nil)
			net.AllowThroughEndpoint(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
				Principals: &[]awsiam.IPrincipal{awsiam.NewAccountPrincipal(jsii.String("123456789012"))},
				Actions:    jsii.Strings("s3:GetObject"), Resources: jsii.Strings("arn:aws:s3:::b/*")}))
		}, []string{"123456789012", "aws:PrincipalArn", "EndpointStatement"}},
		{"function granted on the bucket behind the endpoint's back", func(st awscdk.Stack) {
			net := network.NewPrivateNetwork(st, jsii.String("Net"), nil)
			b := privateBucket(st, net)
			functions.NewUploader(st, jsii.String("Uploader"), fnProps(b, net))
			reader := inVpcFunction(st, "Reader", net)
			b.Bucket.GrantRead(reader, nil)
		}, []string{"Reader", "runs in the endpoint's subnets", "s3:GetObject, s3:GetObjectAcl", "does not", "GrantRead", "aws:PrincipalArn"}},
		{"memory size out of range", func(st awscdk.Stack) {
			net := network.NewPrivateNetwork(st, jsii.String("Net"), nil)
			p := fnProps(privateBucket(st, net), net)
			p.MemorySize = jsii.Number(64)
			functions.NewUploader(st, jsii.String("Uploader"), p)
		}, []string{"MemorySize 64", "128 to 10240", "256"}},
		{"timeout over 15 minutes", func(st awscdk.Stack) {
			net := network.NewPrivateNetwork(st, jsii.String("Net"), nil)
			p := fnProps(privateBucket(st, net), net)
			p.Timeout = awscdk.Duration_Minutes(jsii.Number(20))
			functions.NewUploader(st, jsii.String("Uploader"), p)
		}, []string{"Timeout 20 minutes", "15 minutes", "15 seconds"}},
		{"environment overriding the bucket", func(st awscdk.Stack) {
			net := network.NewPrivateNetwork(st, jsii.String("Net"), nil)
			p := fnProps(privateBucket(st, net), net)
			p.Environment = map[string]*string{"BUCKET_NAME": jsii.String("elsewhere")}
			functions.NewControl(st, jsii.String("Control"), &functions.FunctionProps{Bucket: p.Bucket, Environment: p.Environment})
		}, []string{"Control", "Environment sets BUCKET_NAME", "reserved", "Bucket and KeyPrefix"}},
		// Lambda Developer Guide, "Defined runtime environment variables":
		// the reserved keys cannot be set.
		{"environment setting a Lambda reserved variable", func(st awscdk.Stack) {
			net := network.NewPrivateNetwork(st, jsii.String("Net"), nil)
			p := fnProps(privateBucket(st, net), net)
			p.Environment = map[string]*string{"AWS_REGION": jsii.String("us-east-1")}
			functions.NewUploader(st, jsii.String("Uploader"), p)
		}, []string{"Environment sets AWS_REGION", "reserved"}},
		{"deny-only endpoint policy", func(st awscdk.Stack) {
			net := network.NewPrivateNetwork(st, jsii.String("Net"), nil)
			net.Endpoint.AddToPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{Effect: awsiam.Effect_DENY,
				Principals: &[]awsiam.IPrincipal{awsiam.NewAnyPrincipal()}, Actions: jsii.Strings("s3:DeleteObject"), Resources: jsii.Strings("*")}))
		}, []string{"only Deny statements", "allows nothing", "add an Allow"}},
		{"autoDeleteObjects", func(st awscdk.Stack) {
			storage.NewPrivateBucket(st, jsii.String("Storage"), &storage.PrivateBucketProps{AllowedEndpointIds: []*string{jsii.String("vpce-0123456789abcdef0")}, AutoDeleteObjects: true})
		}, []string{"AutoDeleteObjects is refused", "outside the VPC", "empty the bucket through the endpoint"}},
		{"bucket notifications", func(st awscdk.Stack) {
			b := storage.NewPrivateBucket(st, jsii.String("Storage"), &storage.PrivateBucketProps{AllowedEndpointIds: []*string{jsii.String("vpce-0123456789abcdef0")}})
			b.Bucket.AddEventNotification(awss3.EventType_OBJECT_CREATED, awss3notifications.NewSnsDestination(awssns.NewTopic(st, jsii.String("Topic"), nil)))
		}, []string{"bucket notifications are refused", "custom resource", "EventBridge"}},
		{"invalid bucket name", func(st awscdk.Stack) {
			storage.NewPrivateBucket(st, jsii.String("Storage"), &storage.PrivateBucketProps{AllowedEndpointIds: []*string{jsii.String("vpce-0123456789abcdef0")}, BucketName: jsii.String("My_Bucket")})
		}, []string{"BucketName", `"My_Bucket"`, "lower-case letters"}},
		{"deny of all actions with no deployment exception", func(st awscdk.Stack) {
			storage.NewPrivateBucket(st, jsii.String("Storage"), &storage.PrivateBucketProps{AllowedEndpointIds: []*string{jsii.String("vpce-0123456789abcdef0")}, DeploymentRoleArns: []*string{}})
		}, []string{"DeploymentRoleArns is empty", "locks CloudFormation out", "object-actions"}},
		{"cross-account writer that is not a role ARN", func(st awscdk.Stack) {
			storage.NewPrivateBucket(st, jsii.String("Storage"), &storage.PrivateBucketProps{AllowedEndpointIds: []*string{jsii.String("vpce-0123456789abcdef0")}, CrossAccountWriterRoleArns: []*string{jsii.String("arn:aws:iam::210987654321:user/bob")}})
		}, []string{"CrossAccountWriterRoleArns", "user/bob", "IAM role ARN"}},
		{"unknown deny mode", func(st awscdk.Stack) {
			storage.NewPrivateBucket(st, jsii.String("Storage"), &storage.PrivateBucketProps{AllowedEndpointIds: []*string{jsii.String("vpce-0123456789abcdef0")}, Mode: "everything"})
		}, []string{"Mode", `"everything"`, "all-actions"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			msg := refused(tc.build)
			if msg == "" {
				t.Fatalf("not refused; want a message holding %q", tc.want)
			}
			for _, w := range tc.want {
				if !strings.Contains(msg, w) {
					t.Errorf("message %q\ndoes not hold %q", msg, w)
				}
			}
		})
	}
}

// A whole, valid composition is not refused: the refusals above are not
// an artefact of the harness.
func TestValidCompositionIsAccepted(t *testing.T) {
	msg := refused(func(st awscdk.Stack) {
		net := network.NewPrivateNetwork(st, jsii.String("Net"), &network.PrivateNetworkProps{Vpc: vpcWithAllSubnetTypes(st)})
		b := privateBucket(st, net)
		functions.NewUploader(st, jsii.String("Uploader"), fnProps(b, net))
	})
	if msg != "" {
		t.Fatalf("refused: %s", msg)
	}
}

func TestFewerThanTwoAzsIsAWarning(t *testing.T) {
	app := newApp(nil)
	st := awscdk.NewStack(app, jsii.String("OneAz"), nil)
	net := network.NewPrivateNetwork(st, jsii.String("Net"), &network.PrivateNetworkProps{MaxAzs: jsii.Number(1)})
	functions.NewUploader(st, jsii.String("Uploader"), fnProps(privateBucket(st, net), net))
	asm := app.Synth(nil)
	warnings := assemblyMessages(t, *asm.Directory(), "aws:cdk:warning")
	if !strings.Contains(strings.Join(warnings, "\n"), "span 1 AZ; use at least 2") {
		t.Errorf("warnings = %q, want one about a single AZ", warnings)
	}
	if w := synth(t, nil).warnings; len(w) != 0 {
		t.Errorf("default stack warnings = %q, want none", w)
	}
}

// An existing VPC and an existing endpoint: nothing of the network is
// created, and the bucket and the uploader use what was given.
func TestImportedVpcAndExistingEndpoint(t *testing.T) {
	app := newApp(nil)
	st := awscdk.NewStack(app, jsii.String("Imported"), nil)
	vpc := awsec2.Vpc_FromVpcAttributes(st, jsii.String("Vpc"), &awsec2.VpcAttributes{
		VpcId:                       jsii.String("vpc-0123456789abcdef0"),
		AvailabilityZones:           jsii.Strings("eu-west-1a", "eu-west-1b"),
		IsolatedSubnetIds:           jsii.Strings("subnet-0aaaaaaaaaaaaaaaa", "subnet-0bbbbbbbbbbbbbbbb"),
		IsolatedSubnetRouteTableIds: jsii.Strings("rtb-0aaaaaaaaaaaaaaaa", "rtb-0bbbbbbbbbbbbbbbb"),
	})
	net := network.NewPrivateNetwork(st, jsii.String("Net"), &network.PrivateNetworkProps{Vpc: vpc,
		ExistingEndpointId:            jsii.String("vpce-0123456789abcdef0"),
		ExistingEndpointRouteTableIds: *jsii.Strings("rtb-0aaaaaaaaaaaaaaaa", "rtb-0bbbbbbbbbbbbbbbb")})
	functions.NewUploader(st, jsii.String("Uploader"), fnProps(privateBucket(st, net), net))
	_, tp := synthStack(t, app, st)
	for _, typ := range []string{"AWS::EC2::VPC", "AWS::EC2::Subnet", "AWS::EC2::VPCEndpoint", "AWS::EC2::RouteTable"} {
		if n := len(tp.resources(typ)); n != 0 {
			t.Errorf("%d %s resources with an imported VPC and endpoint, want 0", n, typ)
		}
	}
	_, pol := tp.one(t, "AWS::S3::BucketPolicy", "StoragePolicy")
	equal(t, "allowed endpoints", get(statements(props(pol)["PolicyDocument"])["DenyObjectsOutsideEndpoint"], "Condition", "StringNotEquals", "aws:SourceVpce"), []any{"vpce-0123456789abcdef0"})
	_, fn := tp.one(t, "AWS::Lambda::Function", "UploaderFunction")
	equal(t, "uploader subnets", get(props(fn), "VpcConfig", "SubnetIds"), []any{"subnet-0aaaaaaaaaaaaaaaa", "subnet-0bbbbbbbbbbbbbbbb"})
}
