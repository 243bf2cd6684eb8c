// Command consumer is a Go CDK app of its own that uses the private-S3
// constructs as a library, as constructs/README.md shows: a private network,
// a KMS-encrypted private bucket, the uploader and the control, and a
// function of the app's own granted read through the endpoint, and the
// privacy canary that keeps proving the bucket private. The test in
// examples/consumer_test.go builds it as a separate module against the
// oldest and the newest aws-cdk-go the constructs support.
package main

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/jsii-runtime-go"

	"github.com/privates3/privates3/constructs/canary"
	"github.com/privates3/privates3/constructs/functions"
	"github.com/privates3/privates3/constructs/network"
	"github.com/privates3/privates3/constructs/storage"
)

func main() {
	defer jsii.Close()
	app := awscdk.NewApp(nil)
	stack := awscdk.NewStack(app, jsii.String("Consumer"), nil)

	// Isolated subnets in two AZs and an S3 gateway endpoint on their route
	// tables; no NAT, no internet gateway.
	net := network.NewPrivateNetwork(stack, jsii.String("Network"), nil)

	// A bucket that refuses every request not made through that endpoint.
	bucket := storage.NewPrivateBucket(stack, jsii.String("Storage"), &storage.PrivateBucketProps{
		AllowedEndpointIds: []*string{net.EndpointId},
		KmsEncryption:      true,
	})

	// The uploader writes through the endpoint; the control, the same code
	// and rights outside any VPC, must be denied.
	props := &functions.FunctionProps{Bucket: bucket.Bucket, Key: bucket.Key, Network: net}
	uploader := functions.NewUploader(stack, jsii.String("Uploader"), props)
	control := *props
	control.Network = nil
	ctl := functions.NewControl(stack, jsii.String("Control"), &control)

	// Every hour a prover invokes both and publishes whether the bucket
	// still refused the control; an alarm fires when it did not, or when
	// no proof arrives for two hours.
	canary.NewCanary(stack, jsii.String("Canary"), &canary.CanaryProps{
		Schedule: jsii.String("rate(1 hour)"),
		Bucket:   bucket.Bucket,
		Uploader: uploader,
		Control:  ctl,
	})

	// A function of your own in the same subnets: the network grants it in
	// IAM, in the endpoint policy and on the bucket's key together.
	reader := awslambda.NewFunction(stack, jsii.String("Reader"), &awslambda.FunctionProps{
		Runtime:    awslambda.Runtime_PYTHON_3_13(),
		Handler:    jsii.String("index.handler"),
		Code:       awslambda.Code_FromInline(jsii.String("def handler(event, context):\n    return None\n")),
		Vpc:        net.Vpc,
		VpcSubnets: &awsec2.SubnetSelection{Subnets: &net.Subnets},
	})
	net.GrantRead(reader, bucket.Bucket, "reports/*")

	app.Synth(nil)
}
