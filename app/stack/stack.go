// Package stack composes the app's one stack from the reusable constructs:
// the private network, the private bucket, the uploader and (unless turned
// off) the control function, with the outputs the post-deploy check reads.
package stack

import (
	"path/filepath"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsssm"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	matrixnet "github.com/privates3/privates3/app/accessmatrix/network"
	"github.com/privates3/privates3/app/config"
	"github.com/privates3/privates3/app/stack/outputs"
	"github.com/privates3/privates3/constructs/functions"
	"github.com/privates3/privates3/constructs/network"
	"github.com/privates3/privates3/constructs/storage"
)

// Stack is the synthesized stack and what the template alone cannot tell
// the invariants check.
type Stack struct {
	awscdk.Stack
	// External is the network the template refers to but does not hold:
	// an existing VPC's subnets and route tables (from the lookup), a
	// reused endpoint's route tables (from the context).
	External matrixnet.External
}

// New composes the stack for cfg in scope (Compose) and applies cdk-nag's
// rule packs to it, as every synth of the app must. root is the project
// folder (where cdk.json and lambda/uploader live).
func New(scope constructs.Construct, cfg config.Config, root string) *Stack {
	out := Compose(scope, cfg, root)
	ApplyNagPacks(out.Stack)
	return out
}

// Compose adds the stack for cfg to scope, without the rule packs: the
// benchmark that measures what the packs cost uses it.
func Compose(scope constructs.Construct, cfg config.Config, root string) *Stack {
	props := &awscdk.StackProps{
		// The same name inside an environment's stage, where CDK would
		// prefix the stage's: the post-deploy check finds it by the stage.
		StackName:   jsii.String(outputs.StackName(cfg.Stage)),
		Description: jsii.String("Private S3: a bucket reachable only through an S3 gateway VPC endpoint, an uploader inside the VPC and a control outside it that must be denied"),
	}
	if cfg.Account != "" {
		props.Env = &awscdk.Environment{Account: jsii.String(cfg.Account), Region: jsii.String(cfg.Region)}
	}
	st := awscdk.NewStack(scope, jsii.String(outputs.StackName(cfg.Stage)), props)
	out := &Stack{Stack: st}
	awscdk.Tags_Of(st).Add(jsii.String("privates3:stage"), jsii.String(cfg.Stage), nil)

	netProps := &network.PrivateNetworkProps{}
	if cfg.VpcId != "" {
		netProps.Vpc = awsec2.Vpc_FromLookup(st, jsii.String("ImportedVpc"), &awsec2.VpcLookupOptions{VpcId: jsii.String(cfg.VpcId)})
		if *netProps.Vpc.VpcId() != cfg.VpcId {
			// The lookup is pending: CDK returned a placeholder VPC, and the
			// CLI synthesizes again once it has looked the real one up.
			// Checking the placeholder's subnets would refuse them.
			return out
		}
	}
	if cfg.EndpointId != "" {
		netProps.ExistingEndpointId = jsii.String(cfg.EndpointId)
		netProps.ExistingEndpointRouteTableIds = *jsii.Strings(cfg.EndpointRouteTableIds...)
	}
	net := network.NewPrivateNetwork(st, jsii.String("Network"), netProps)
	if cfg.VpcId != "" {
		out.External.Subnets = map[string]string{}
		for _, s := range net.Subnets {
			out.External.Subnets[*s.SubnetId()] = *s.RouteTable().RouteTableId()
		}
	}
	if cfg.EndpointId != "" {
		out.External.Endpoints = map[string][]string{cfg.EndpointId: cfg.EndpointRouteTableIds}
	}

	allowed := append([]*string{net.EndpointId}, *jsii.Strings(cfg.ExtraEndpointIds...)...)
	for _, name := range cfg.EndpointParameters {
		// Another environment's endpoint, published by its stack in this
		// account and region: read when this stack deploys.
		allowed = append(allowed, awsssm.StringParameter_ValueForStringParameter(st, jsii.String(name), nil))
	}
	if cfg.PublishEndpoint != "" {
		awsssm.NewStringParameter(st, jsii.String("EndpointIdParameter"), &awsssm.StringParameterProps{
			ParameterName: jsii.String(cfg.PublishEndpoint),
			StringValue:   net.EndpointId,
			Description:   jsii.String("The S3 gateway endpoint id of this environment, read by the environments whose buckets allow it"),
		})
	}
	bucket := storage.NewPrivateBucket(st, jsii.String("Storage"), &storage.PrivateBucketProps{
		AllowedEndpointIds:         allowed,
		BucketName:                 optional(cfg.BucketName),
		Mode:                       cfg.DenyMode,
		AdminRoleArns:              *jsii.Strings(cfg.AdminRoleArns...),
		CrossAccountWriterRoleArns: *jsii.Strings(cfg.CrossAccountWriterRoleArns...),
		KmsEncryption:              cfg.Kms,
	})

	// The post-deploy check leaves one object per run under probe/; the
	// functions cannot delete, so the bucket forgets them after a day.
	bucket.Bucket.AddLifecycleRule(&awss3.LifecycleRule{
		Id:                          jsii.String("ExpirePostDeployProbes"),
		Prefix:                      jsii.String(cfg.KeyPrefix + outputs.ProbePrefix),
		Expiration:                  awscdk.Duration_Days(jsii.Number(1)),
		NoncurrentVersionExpiration: awscdk.Duration_Days(jsii.Number(1)),
	})

	fnProps := &functions.FunctionProps{
		Entry:        jsii.String(filepath.Join(root, "lambda", "uploader")),
		Bucket:       bucket.Bucket,
		KeyPrefix:    optional(cfg.KeyPrefix),
		Network:      net,
		PrefixListId: optional(cfg.PrefixListId),
	}
	if cfg.ReservedConcurrency != 0 {
		fnProps.ReservedConcurrency = jsii.Number(float64(cfg.ReservedConcurrency))
	}
	if bucket.Key != nil {
		fnProps.Key = bucket.Key
	}
	uploader := functions.NewUploader(st, jsii.String("Uploader"), fnProps)
	if !*awscdk.Token_IsUnresolved(uploader.PrefixListId) {
		// Given or looked up: S3's by construction, which the template
		// alone cannot show.
		out.External.S3PrefixLists = []string{*uploader.PrefixListId}
	}

	output(st, outputs.BucketName, bucket.Bucket.BucketName(), "The private bucket")
	output(st, outputs.UploaderName, uploader.Function.FunctionName(), "Writes through the endpoint: must succeed")
	output(st, outputs.EndpointID, net.EndpointId, "The S3 gateway endpoint the bucket accepts")
	if bucket.Key != nil {
		output(st, outputs.KeyArn, bucket.Key.KeyArn(), "The bucket's KMS key, for a cross-account writer's identity policy")
	}
	if cfg.IncludeControl {
		controlProps := *fnProps
		controlProps.Network = nil
		controlProps.PrefixListId = nil
		control := functions.NewControl(st, jsii.String("Control"), &controlProps)
		output(st, outputs.ControlName, control.Function.FunctionName(), "Outside the VPC: must be denied")
	}
	return out
}

func output(st awscdk.Stack, id string, value *string, description string) {
	awscdk.NewCfnOutput(st, jsii.String(id), &awscdk.CfnOutputProps{Value: value, Description: jsii.String(description)})
}

func optional(s string) *string {
	if s == "" {
		return nil
	}
	return jsii.String(s)
}
