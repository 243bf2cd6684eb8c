// Command benchfloor is what the synth benchmark (.ci/bench) measures the
// app against: the same module, jsii start-up and cdk.json context, and a
// smaller app. Each -floor is the app with one more thing taken away:
//
//	empty  an App, synth nothing: jsii and aws-cdk-lib's core, the price of
//	       any Go CDK app. Since aws-cdk-lib loads its service modules on
//	       first use (about v2.257 here), this no longer includes them.
//	plain  the same services written the obvious way (a VPC with isolated
//	       subnets and an S3 gateway endpoint, a bucket with an endpoint-only
//	       policy, two Go functions with write grants): what CDK itself costs
//	       for a stack like ours. The app's time over this is ours.
//	nonag  our stack (stack.New) without cdk-nag's pass over the templates and the
//	       invariants check: the app's time over this is the packs'.
package main

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3"
	"github.com/aws/jsii-runtime-go"

	"github.com/privates3/privates3/app/config"
	"github.com/privates3/privates3/app/internal/cli"
	"github.com/privates3/privates3/app/stack"
)

func main() {
	fs := cli.NewFlagSet("benchfloor", "benchfloor [-floor empty|plain|nonag]   (writes to $CDK_OUTDIR)", os.Stderr)
	floor := fs.String("floor", "empty", "what to synthesize: empty, plain or nonag (see the package doc)")
	if code, ok := cli.Parse(fs, os.Args[1:]); !ok {
		os.Exit(code)
	}
	if err := run(*floor); err != nil {
		fmt.Fprintf(os.Stderr, "\nbenchfloor: %v\n", err)
		os.Exit(1)
	}
}

func run(floor string) error {
	config.QuietNode()
	defer jsii.Close()
	root, err := config.ProjectRoot()
	if err != nil {
		return err
	}
	ctx, err := config.CdkJSONContext(root)
	if err != nil {
		return err
	}
	app := awscdk.NewApp(&awscdk.AppProps{Context: &ctx})
	switch floor {
	case "empty":
	case "plain":
		asset, err := os.MkdirTemp("", "benchfloor-asset")
		if err != nil {
			return err
		}
		defer os.RemoveAll(asset)
		if err := os.WriteFile(filepath.Join(asset, "bootstrap"), []byte("#!/bin/sh\n"), 0o755); err != nil {
			return err
		}
		plain(app, asset)
	case "nonag":
		cfg, err := config.Parse(func(key string) any { return app.Node().TryGetContext(jsii.String(key)) })
		if err != nil {
			return err
		}
		stack.New(app, cfg, root)
	default:
		return fmt.Errorf("-floor %q: want empty, plain or nonag", floor)
	}
	app.Synth(nil)
	return nil
}

// plain is the stack a CDK user would write for the same purpose, with
// CDK's defaults and nothing of ours.
func plain(app awscdk.App, asset string) {
	st := awscdk.NewStack(app, jsii.String("PlainPrivateS3"), nil)
	vpc := awsec2.NewVpc(st, jsii.String("Vpc"), &awsec2.VpcProps{
		NatGateways: jsii.Number(0),
		SubnetConfiguration: &[]*awsec2.SubnetConfiguration{
			{Name: jsii.String("isolated"), SubnetType: awsec2.SubnetType_PRIVATE_ISOLATED},
		},
	})
	endpoint := vpc.AddGatewayEndpoint(jsii.String("S3"), &awsec2.GatewayVpcEndpointOptions{
		Service: awsec2.GatewayVpcEndpointAwsService_S3(),
	})
	bucket := awss3.NewBucket(st, jsii.String("Bucket"), &awss3.BucketProps{
		BlockPublicAccess: awss3.BlockPublicAccess_BLOCK_ALL(),
		Encryption:        awss3.BucketEncryption_S3_MANAGED,
		EnforceSSL:        jsii.Bool(true),
		Versioned:         jsii.Bool(true),
	})
	bucket.AddToResourcePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Effect:     awsiam.Effect_DENY,
		Principals: &[]awsiam.IPrincipal{awsiam.NewAnyPrincipal()},
		Actions:    jsii.Strings("s3:*"),
		Resources:  &[]*string{bucket.ArnForObjects(jsii.String("*"))},
		Conditions: &map[string]any{"StringNotEquals": map[string]any{"aws:SourceVpce": endpoint.VpcEndpointId()}},
	}))
	code := awslambda.Code_FromAsset(jsii.String(asset), nil)
	for _, name := range []string{"Uploader", "Control"} {
		props := &awslambda.FunctionProps{
			Runtime:      awslambda.Runtime_PROVIDED_AL2023(),
			Architecture: awslambda.Architecture_ARM_64(),
			Handler:      jsii.String("bootstrap"),
			Code:         code,
		}
		if name == "Uploader" {
			props.Vpc = vpc
			props.VpcSubnets = &awsec2.SubnetSelection{SubnetType: awsec2.SubnetType_PRIVATE_ISOLATED}
		}
		bucket.GrantPut(awslambda.NewFunction(st, jsii.String(name), props), nil)
	}
}
