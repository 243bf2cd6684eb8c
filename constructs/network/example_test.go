package network_test

import (
	"fmt"
	"os"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3"
	"github.com/aws/jsii-runtime-go"

	"github.com/privates3/privates3/constructs/network"
)

// A function of your own in the network's subnets, granted read on a bucket
// encrypted with a KMS key: its role gets the S3 actions and kms:Decrypt
// through S3 only (kms:ViaService), and the endpoint policy names its role.
func ExamplePrivateNetwork_GrantRead() {
	outdir, _ := os.MkdirTemp("", "example-")
	defer os.RemoveAll(outdir)
	app := awscdk.NewApp(&awscdk.AppProps{Outdir: &outdir})
	stack := awscdk.NewStack(app, jsii.String("Example"), nil)
	net := network.NewPrivateNetwork(stack, jsii.String("Net"), nil)
	bucket := awss3.NewBucket(stack, jsii.String("Reports"), &awss3.BucketProps{Encryption: awss3.BucketEncryption_KMS})

	reader := awslambda.NewFunction(stack, jsii.String("Reader"), &awslambda.FunctionProps{
		Runtime:    awslambda.Runtime_PYTHON_3_12(),
		Handler:    jsii.String("index.handler"),
		Code:       awslambda.Code_FromInline(jsii.String("def handler(event, context):\n    return None\n")),
		Vpc:        net.Vpc,
		VpcSubnets: &awsec2.SubnetSelection{Subnets: &net.Subnets},
	})
	grant := net.GrantRead(reader, bucket, "reports/*")
	fmt.Println("granted:", *grant.Success())

	// The synthesized role policy and endpoint policy.
	template := *assertions.Template_FromStack(stack, nil).ToJSON()
	for id, r := range template["Resources"].(map[string]any) {
		r := r.(map[string]any)
		props := r["Properties"].(map[string]any)
		switch {
		case r["Type"] == "AWS::IAM::Policy" && strings.HasPrefix(id, "ReaderServiceRole"):
			for _, s := range props["PolicyDocument"].(map[string]any)["Statement"].([]any) {
				s := s.(map[string]any)
				fmt.Println("role allows", s["Action"], "if", s["Condition"])
			}
		case r["Type"] == "AWS::EC2::VPCEndpoint":
			for _, s := range props["PolicyDocument"].(map[string]any)["Statement"].([]any) {
				s := s.(map[string]any)
				fmt.Println("endpoint allows", s["Action"], "if", s["Condition"])
			}
		}
	}
	// Unordered output:
	// granted: true
	// role allows [s3:GetObject s3:GetObjectTagging] if <nil>
	// role allows s3:ListBucket if <nil>
	// role allows kms:Decrypt if map[StringEquals:map[kms:ViaService:map[Fn::Sub:s3.${AWS::Region}.amazonaws.com]]]
	// endpoint allows [s3:GetObject s3:GetObjectTagging] if map[ArnEquals:map[aws:PrincipalArn:[map[Fn::GetAtt:[ReaderServiceRole8283AF10 Arn]]]]]
	// endpoint allows s3:ListBucket if map[ArnEquals:map[aws:PrincipalArn:[map[Fn::GetAtt:[ReaderServiceRole8283AF10 Arn]]]]]
}

// An existing VPC with isolated subnets, imported with their route tables,
// and an S3 gateway endpoint it already has: PrivateNetwork checks that the
// endpoint is on every selected subnet's route table and creates no
// endpoint (the existing one's policy is managed where it was created).
func ExampleNewPrivateNetwork_existingEndpoint() {
	app := awscdk.NewApp(nil)
	stack := awscdk.NewStack(app, jsii.String("Example"), nil)
	vpc := awsec2.Vpc_FromVpcAttributes(stack, jsii.String("Vpc"), &awsec2.VpcAttributes{
		VpcId:                       jsii.String("vpc-0123456789abcdef0"),
		AvailabilityZones:           jsii.Strings("eu-west-1a", "eu-west-1b"),
		IsolatedSubnetIds:           jsii.Strings("subnet-0aaaaaaaaaaaaaaaa", "subnet-0bbbbbbbbbbbbbbbb"),
		IsolatedSubnetRouteTableIds: jsii.Strings("rtb-0aaaaaaaaaaaaaaaa", "rtb-0bbbbbbbbbbbbbbbb"),
	})
	net := network.NewPrivateNetwork(stack, jsii.String("Net"), &network.PrivateNetworkProps{
		Vpc:                           vpc,
		ExistingEndpointId:            jsii.String("vpce-0123456789abcdef0"),
		ExistingEndpointRouteTableIds: *jsii.Strings("rtb-0aaaaaaaaaaaaaaaa", "rtb-0bbbbbbbbbbbbbbbb"),
	})
	fmt.Println("endpoint:", *net.EndpointId, "new endpoint:", net.Endpoint != nil)
	for _, s := range net.Subnets {
		fmt.Println("subnet:", *s.SubnetId(), "route table:", *s.RouteTable().RouteTableId())
	}
	// Output:
	// endpoint: vpce-0123456789abcdef0 new endpoint: false
	// subnet: subnet-0aaaaaaaaaaaaaaaa route table: rtb-0aaaaaaaaaaaaaaaa
	// subnet: subnet-0bbbbbbbbbbbbbbbb route table: rtb-0bbbbbbbbbbbbbbbb
}

// The same existing VPC without an endpoint: PrivateNetwork creates one on
// exactly the selected subnets' route tables; other subnets keep their path.
func ExampleNewPrivateNetwork_existingVpc() {
	app := awscdk.NewApp(nil)
	stack := awscdk.NewStack(app, jsii.String("Example"), nil)
	vpc := awsec2.Vpc_FromVpcAttributes(stack, jsii.String("Vpc"), &awsec2.VpcAttributes{
		VpcId:                       jsii.String("vpc-0123456789abcdef0"),
		AvailabilityZones:           jsii.Strings("eu-west-1a", "eu-west-1b"),
		IsolatedSubnetIds:           jsii.Strings("subnet-0aaaaaaaaaaaaaaaa", "subnet-0bbbbbbbbbbbbbbbb"),
		IsolatedSubnetRouteTableIds: jsii.Strings("rtb-0aaaaaaaaaaaaaaaa", "rtb-0bbbbbbbbbbbbbbbb"),
	})
	net := network.NewPrivateNetwork(stack, jsii.String("Net"), &network.PrivateNetworkProps{Vpc: vpc})
	endpoint := net.Endpoint.Node().DefaultChild().(awsec2.CfnVPCEndpoint)
	fmt.Println("endpoint route tables:", stack.Resolve(endpoint.RouteTableIds()))
	// Output:
	// endpoint route tables: [rtb-0aaaaaaaaaaaaaaaa rtb-0bbbbbbbbbbbbbbbb]
}
