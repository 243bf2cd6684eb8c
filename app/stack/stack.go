// Package stack composes the app's one stack from the reusable constructs:
// the private network, the private bucket, the uploader and (unless turned
// off) the control function, with the outputs the post-deploy check reads.
package stack

import (
	"path/filepath"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssns"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsssm"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/privates3/privates3/app/config"
	"github.com/privates3/privates3/app/stack/outputs"
	"github.com/privates3/privates3/constructs/canary"
	"github.com/privates3/privates3/constructs/functions"
	"github.com/privates3/privates3/constructs/network"
	"github.com/privates3/privates3/constructs/storage"
)

// Stack is the synthesized stack, its parts that checks of the template
// look for (app/invariants, the pipeline's post-deploy check), and what
// the template alone cannot tell them. Checks find the parts here, never
// by construct id or logical id.
//
// While an existing VPC's lookup is pending, New adds nothing (the CLI
// synthesizes again once it has looked the VPC up): Bucket and Uploader
// are then nil.
type Stack struct {
	awscdk.Stack
	// Bucket is the private bucket.
	Bucket *storage.PrivateBucket
	// Uploader is the function inside the VPC that must be able to write.
	Uploader *functions.Function
	// Control is the function outside the VPC that must be denied; nil
	// when the configuration leaves it out (includeControl false).
	Control *functions.Function
	// Canary is the privacy canary; nil unless the configuration sets
	// canary.
	Canary *canary.Canary
	// External is the network the template refers to but does not hold.
	External External
}

// External is what the stack knows of the network outside its template.
type External struct {
	// Subnets maps each selected subnet of an existing VPC (vpcId) to its
	// route table, as the VPC lookup returned them.
	Subnets map[string]string
	// EndpointRouteTables maps a reused endpoint (endpointId) to the route
	// tables it is on (endpointRouteTableIds).
	EndpointRouteTables map[string][]string
	// S3PrefixLists are the prefix lists the uploader's security group
	// allows, when given or looked up at synth: S3's by construction
	// (functions.Function.PrefixListId), which the template alone
	// cannot show. Empty when the id is looked up at deploy time.
	S3PrefixLists []string
}

// New adds the stack for cfg to scope. root is the project folder (where
// cdk.json and lambda/ live). cdk-nag's rule packs are not applied to the
// tree: the app runs them once, over the synthesized templates
// (CheckAssembly), where they also see what the tree hides from them.
func New(scope constructs.Construct, cfg config.Config, root string) *Stack {
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
		out.External.EndpointRouteTables = map[string][]string{cfg.EndpointId: cfg.EndpointRouteTableIds}
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
	out.Bucket = storage.NewPrivateBucket(st, jsii.String("Storage"), &storage.PrivateBucketProps{
		AllowedEndpointIds:         allowed,
		BucketName:                 optional(cfg.BucketName),
		Mode:                       cfg.DenyMode,
		AdminRoleArns:              *jsii.Strings(cfg.AdminRoleArns...),
		CrossAccountWriterRoleArns: *jsii.Strings(cfg.CrossAccountWriterRoleArns...),
		KmsEncryption:              cfg.Kms,
	})

	// The post-deploy check leaves one object per run under probe/; the
	// functions cannot delete, so the bucket forgets them after a day.
	out.Bucket.Bucket.AddLifecycleRule(&awss3.LifecycleRule{
		Id:                          jsii.String("ExpirePostDeployProbes"),
		Prefix:                      jsii.String(cfg.KeyPrefix + outputs.ProbePrefix),
		Expiration:                  awscdk.Duration_Days(jsii.Number(1)),
		NoncurrentVersionExpiration: awscdk.Duration_Days(jsii.Number(1)),
	})

	fnProps := &functions.FunctionProps{
		Entry:        jsii.String(filepath.Join(root, "lambda", "uploader")),
		Bucket:       out.Bucket.Bucket,
		KeyPrefix:    optional(cfg.KeyPrefix),
		Network:      net,
		PrefixListId: optional(cfg.PrefixListId),
	}
	if cfg.ReservedConcurrency != 0 {
		fnProps.ReservedConcurrency = jsii.Number(float64(cfg.ReservedConcurrency))
	}
	if out.Bucket.Key != nil {
		fnProps.Key = out.Bucket.Key
	}
	out.Uploader = functions.NewUploader(st, jsii.String("Uploader"), fnProps)
	if !*awscdk.Token_IsUnresolved(out.Uploader.PrefixListId) {
		out.External.S3PrefixLists = []string{*out.Uploader.PrefixListId}
	}

	output(st, outputs.BucketName, out.Bucket.Bucket.BucketName(), "The private bucket")
	output(st, outputs.UploaderName, out.Uploader.Function.FunctionName(), "Writes through the endpoint: must succeed")
	output(st, outputs.EndpointID, net.EndpointId, "The S3 gateway endpoint the bucket accepts")
	if out.Bucket.Key != nil {
		output(st, outputs.KeyArn, out.Bucket.Key.KeyArn(), "The bucket's KMS key, for a cross-account writer's identity policy")
	}
	if cfg.IncludeControl {
		controlProps := *fnProps
		controlProps.Network = nil
		controlProps.PrefixListId = nil
		out.Control = functions.NewControl(st, jsii.String("Control"), &controlProps)
		output(st, outputs.ControlName, out.Control.Function.FunctionName(), "Outside the VPC: must be denied")
	}
	if cfg.Canary != "" {
		props := &canary.CanaryProps{
			Schedule: jsii.String(cfg.Canary),
			Bucket:   out.Bucket.Bucket,
			Uploader: out.Uploader,
			Control:  out.Control,
			Entry:    jsii.String(filepath.Join(root, "lambda", "prover")),
		}
		if cfg.CanaryTopicArn != "" {
			props.AlarmTopic = awssns.Topic_FromTopicArn(st, jsii.String("CanaryTopic"), jsii.String(cfg.CanaryTopicArn))
		}
		if cfg.ReservedConcurrency == -1 {
			props.ReservedConcurrency = jsii.Number(-1)
		}
		out.Canary = canary.NewCanary(st, jsii.String("Canary"), props)
		output(st, outputs.CanaryAlarmName, out.Canary.Alarm.AlarmName(), "In ALARM when the privacy canary did not prove the bucket private")
		output(st, outputs.CanaryProverName, out.Canary.Function.FunctionName(), "The privacy canary's prover: invoke it to prove privacy now")
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
