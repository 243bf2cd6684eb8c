package functions_test

import (
	"fmt"
	"sort"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/jsii-runtime-go"

	"github.com/privates3/privates3/constructs/functions"
	"github.com/privates3/privates3/constructs/network"
	"github.com/privates3/privates3/constructs/storage"
)

// A complete private workload: isolated subnets whose only path to S3 is a
// gateway endpoint, a bucket that refuses every request not made through
// it, the uploader in the subnets and the control outside any VPC, both
// with the same code and rights. Entry is nil: the handler of this module
// is built (Go must be on the PATH of the machine that synthesizes).
func ExampleNewUploader() {
	app := awscdk.NewApp(nil)
	stack := awscdk.NewStack(app, jsii.String("Workload"), nil)
	net := network.NewPrivateNetwork(stack, jsii.String("Network"), nil)
	bucket := storage.NewPrivateBucket(stack, jsii.String("Storage"), &storage.PrivateBucketProps{
		AllowedEndpointIds: []*string{net.EndpointId},
	})
	props := &functions.FunctionProps{Bucket: bucket.Bucket, Network: net}
	functions.NewUploader(stack, jsii.String("Uploader"), props)
	// The same props without the network: its write must be denied.
	control := *props
	control.Network = nil
	functions.NewControl(stack, jsii.String("Control"), &control)

	template := assertions.Template_FromStack(stack, nil)
	for _, kind := range []string{"AWS::EC2::NatGateway", "AWS::EC2::InternetGateway", "AWS::EC2::VPCEndpoint"} {
		fmt.Println(kind, len(*template.FindResources(jsii.String(kind), nil)))
	}
	var inVpc, outside []string
	for id, r := range (*template.ToJSON())["Resources"].(map[string]any) {
		r := r.(map[string]any)
		props, _ := r["Properties"].(map[string]any)
		switch r["Type"] {
		case "AWS::Lambda::Function":
			if props["VpcConfig"] != nil {
				inVpc = append(inVpc, id)
			} else {
				outside = append(outside, id)
			}
		case "AWS::EC2::VPCEndpoint":
			for _, s := range props["PolicyDocument"].(map[string]any)["Statement"].([]any) {
				s := s.(map[string]any)
				fmt.Println("endpoint allows:", s["Sid"], s["Action"])
			}
		}
	}
	sort.Strings(outside)
	// Outside: the control, and two functions of CDK's that run once per
	// deploy, with no S3 rights: the provider that looks up the region's S3
	// prefix list (the stack has no region; give PrefixListId and it is not
	// created), and the one that empties the VPC's default security group.
	fmt.Println("in the VPC:", inVpc)
	fmt.Println("outside:", outside)
	// Output:
	// AWS::EC2::NatGateway 0
	// AWS::EC2::InternetGateway 0
	// AWS::EC2::VPCEndpoint 1
	// endpoint allows: UploaderWrites [s3:PutObject s3:PutObjectTagging]
	// in the VPC: [UploaderFunction79114915]
	// outside: [AWS679f53fac002430cb0da5b7982bd22872D164C4C ControlFunction8A0764F3 CustomVpcRestrictDefaultSGCustomResourceProviderHandlerDC833E5E]
}
