// Package functions provides the two Lambda functions of a private-S3
// workload, built from the same handler code and given the same S3 rights:
//
//   - the Uploader runs in the PrivateNetwork's subnets and writes through the
//     S3 gateway endpoint: it must succeed;
//   - the Control runs outside any VPC: the bucket policy must deny it. It is
//     the living proof that the bucket is private.
//
// Both are created from one FunctionProps value through one code path, so
// their code, environment and S3 statements cannot drift apart.
package functions

import (
	"errors"
	"fmt"
	"maps"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3"
	"github.com/aws/aws-cdk-go/awscdk/v2/customresources"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/privates3/privates3/constructs/internal/execrole"
	"github.com/privates3/privates3/constructs/internal/gobuild"
	"github.com/privates3/privates3/constructs/internal/kmsvia"
	"github.com/privates3/privates3/constructs/internal/problems"
	"github.com/privates3/privates3/constructs/internal/token"
	"github.com/privates3/privates3/constructs/nagsuppress"
	"github.com/privates3/privates3/constructs/network"
	"github.com/privates3/privates3/lambda/uploader/contract"
)

// writeActions are the S3 rights of both functions, and all the uploader's
// endpoint policy allows: one PutObject carrying its tags.
var writeActions = network.WriteActions

// Defaults of FunctionProps.
const (
	defaultMemorySize     = 256 // MB: the handler holds at most two copies of a 6 MB event
	defaultTimeoutSeconds = 15  // a 6 MB put through the endpoint takes well under a second
	// defaultReservedConcurrency is enough for an uploader that answers in
	// milliseconds and small enough to fit most accounts' quota.
	defaultReservedConcurrency = 10
)

// reservedEnv are the variables FunctionProps.Environment may not set: the
// handler's own (set from Bucket and KeyPrefix) and those Lambda reserves
// (Lambda Developer Guide, "Defined runtime environment variables").
var reservedEnv = []string{
	contract.EnvBucketName, contract.EnvKeyPrefix,
	"_HANDLER", "_X_AMZN_TRACE_ID", "AWS_DEFAULT_REGION", "AWS_REGION", "AWS_EXECUTION_ENV",
	"AWS_LAMBDA_FUNCTION_NAME", "AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "AWS_LAMBDA_FUNCTION_VERSION",
	"AWS_LAMBDA_INITIALIZATION_TYPE", "AWS_LAMBDA_LOG_GROUP_NAME", "AWS_LAMBDA_LOG_STREAM_NAME",
	"AWS_ACCESS_KEY", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN",
	"AWS_LAMBDA_RUNTIME_API", "LAMBDA_TASK_ROOT", "LAMBDA_RUNTIME_DIR",
	ignoreConfiguredEndpoints,
}

// ignoreConfiguredEndpoints is set to "true" on both functions: the SDK
// then reads no endpoint URL from the environment or the shared config
// file ("true – SDK or tool does not read any custom configuration options
// from the shared config file or environment variables for setting an
// endpoint URL", AWS SDKs and Tools Reference Guide, "Service-specific
// endpoints"), so nothing the function's environment or a file it ships can
// say moves its S3 requests off the regional endpoint.
const ignoreConfiguredEndpoints = "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS"

// redirectEnv are the variables FunctionProps.Environment may not set
// because they would send the handler's S3 requests somewhere other than
// S3's regional endpoint, the one the gateway endpoint's route carries and
// the bucket policy's proof is about: the uploader's writes would leave the
// private path (and be denied), and the control's denial would prove
// nothing. Each maps to the sentence that says why. Not listed, because
// they do not move a request for a bucket name: AWS_S3_USE_ARN_REGION (it
// applies only to ARN-addressed buckets, and the handler takes a name), an
// S3 accelerate switch (the Go SDK reads none from the environment: its
// config package's env_config.go has no such variable), HTTP_PROXY (Go uses
// it only for http:// URLs; the SDK calls https://).
var redirectEnv = map[string]string{
	"AWS_ENDPOINT_URL": "sends every AWS SDK request, S3's included, to that URL instead of the regional S3 endpoint " +
		"(AWS SDKs and Tools Reference Guide, \"Service-specific endpoints\"), off the gateway endpoint's route",
	"AWS_ENDPOINT_URL_S3": "sends the S3 requests to that URL instead of the regional S3 endpoint " +
		"(AWS SDKs and Tools Reference Guide, \"Service-specific endpoints\"), off the gateway endpoint's route",
	"AWS_USE_DUALSTACK_ENDPOINT": "sends the S3 requests to the dual-stack endpoint s3.dualstack.<region>.amazonaws.com " +
		"(AWS SDKs and Tools Reference Guide, \"Dual-stack and FIPS endpoints\"), whose IPv6 addresses the IPv4 gateway endpoint route does not carry",
	"AWS_USE_FIPS_ENDPOINT": "sends the S3 requests to the FIPS endpoint s3-fips.<region>.amazonaws.com " +
		"(AWS SDKs and Tools Reference Guide, \"Dual-stack and FIPS endpoints\"), another host than the regional endpoint this construct's route and tests are built for",
	"HTTPS_PROXY": viaProxy,
	"https_proxy": viaProxy, // Go reads either spelling
	// The shared config file can switch dual-stack or FIPS on too
	// (use_dualstack_endpoint, use_fips_endpoint; the Go SDK's
	// config/shared_config.go reads both): these choose that file or its
	// profile.
	"AWS_CONFIG_FILE":     viaConfigFile,
	"AWS_PROFILE":         viaConfigFile,
	"AWS_DEFAULT_PROFILE": viaConfigFile,
}

const viaConfigFile = "chooses the shared config file or its profile, whose use_dualstack_endpoint and use_fips_endpoint settings move the S3 requests off the regional endpoint " +
	"(AWS SDKs and Tools Reference Guide, \"Dual-stack and FIPS endpoints\"); a Lambda function's credentials come from its role, not a profile"

const viaProxy = "makes the SDK's HTTP client connect through that proxy (Go's net/http, ProxyFromEnvironment, which the SDK's default transport uses), " +
	"so S3 sees the proxy's connection rather than one over the gateway endpoint's route"

// FunctionProps configures either function. Use the same value for both.
type FunctionProps struct {
	// Entry is the directory of the handler's main package.
	// Default: this module's lambda/uploader, wherever the module is (this
	// repository, or the Go module cache when another module imports it).
	// Built with -trimpath, it is found from the binary's build information
	// (a replace directory, or the module cache's copy), else with go list
	// in the current directory.
	Entry *string
	// Bucket is where objects are written. Required.
	Bucket awss3.IBucket
	// Key is the bucket's KMS key: both functions may generate data keys
	// with it, through S3 only. Forgetting it on an SSE-KMS bucket would
	// make the uploader's writes fail at KMS, and the control's denial
	// prove nothing about the bucket policy, so it defaults to the
	// bucket's own. Default: Bucket.EncryptionKey() (none with SSE-S3).
	Key awskms.IKey
	// KeyPrefix limits writes to keys under this prefix (and is passed to the
	// handler as KEY_PREFIX). Default: the whole bucket.
	KeyPrefix *string
	// Network places the uploader in its subnets and grants it through the
	// endpoint policy. Required for the uploader; refused for the control.
	Network *network.PrivateNetwork
	// PrefixListId is the S3 managed prefix list (pl-...) the uploader's
	// security group allows on TCP 443. Default: looked up at synth when the
	// stack has a concrete region, otherwise at deploy time by a custom
	// resource (egress stays limited to the prefix list either way).
	PrefixListId *string
	// LogRetention of the function's log group. Default: one month.
	LogRetention awslogs.RetentionDays
	// ReservedConcurrency caps (and reserves) concurrent executions of each
	// function, so a flood of invocations cannot take the account's whole
	// Lambda concurrency. Lambda keeps 100 of the account's concurrency
	// unreserved, so an account whose quota is reduced (new accounts can
	// be) cannot reserve any: set ReservedConcurrency to -1 for none.
	// Default: 10.
	ReservedConcurrency *float64
	// MemorySize in MB, 128 to 10240. Default: 256 (the handler holds at
	// most two copies of a 6 MB event).
	MemorySize *float64
	// Timeout of an invocation, at most 15 minutes.
	// Default: 15 seconds (a 6 MB put through the endpoint takes well under
	// one).
	Timeout awscdk.Duration
	// Environment adds variables to both functions (for example a log
	// level). The handler's own variables, those Lambda reserves and those
	// that would send S3 requests elsewhere than the regional endpoint
	// (AWS_ENDPOINT_URL, AWS_ENDPOINT_URL_S3, AWS_USE_DUALSTACK_ENDPOINT,
	// AWS_USE_FIPS_ENDPOINT, HTTPS_PROXY, AWS_CONFIG_FILE, AWS_PROFILE,
	// AWS_DEFAULT_PROFILE) are refused; both functions always get
	// AWS_IGNORE_CONFIGURED_ENDPOINT_URLS=true. Default: none.
	Environment map[string]*string
}

// Function is one of the two functions and what was created for it.
type Function struct {
	constructs.Construct
	Function awslambda.IFunction
	Role     awsiam.IRole
	LogGroup awslogs.LogGroup
	// SecurityGroup is the uploader's group; nil for the control.
	SecurityGroup awsec2.SecurityGroup
	// PrefixListId is the S3 prefix list its group allows (the uploader's;
	// a token when looked up at deploy time), for checks that must know it
	// is S3's.
	PrefixListId *string
	// Timeout of an invocation, as deployed: the canary's prover waits for
	// both functions.
	Timeout awscdk.Duration
}

// NewUploader creates the function that writes through the endpoint.
func NewUploader(scope constructs.Construct, id *string, props *FunctionProps) *Function {
	dir := validate("Uploader", props, true)
	c := constructs.NewConstruct(scope, id)
	sg := awsec2.NewSecurityGroup(c, jsii.String("SecurityGroup"), &awsec2.SecurityGroupProps{
		Vpc:              props.Network.Vpc,
		Description:      jsii.String("Uploader: no ingress; egress only HTTPS to the S3 prefix list"),
		AllowAllOutbound: jsii.Bool(false),
	})
	// The rule is written into the group itself. AddEgressRule would make a
	// prefix list given as a token (a lookup) a separate egress resource and
	// leave the group without an egress property, which in CloudFormation
	// means EC2's default allow-all egress.
	prefixList := s3PrefixList(c, props.PrefixListId)
	sg.Node().DefaultChild().(awsec2.CfnSecurityGroup).AddPropertyOverride(jsii.String("SecurityGroupEgress"), []map[string]interface{}{{
		"IpProtocol":              "tcp",
		"FromPort":                443,
		"ToPort":                  443,
		"DestinationPrefixListId": prefixList,
		"Description":             "HTTPS to S3 through the gateway endpoint",
	}})

	f := newFunction(c, props, dir, "Uploads objects to the private bucket through the S3 gateway endpoint", &awslambda.FunctionProps{
		Vpc:            props.Network.Vpc,
		VpcSubnets:     &awsec2.SubnetSelection{Subnets: &props.Network.Subnets},
		SecurityGroups: &[]awsec2.ISecurityGroup{sg},
	})
	f.SecurityGroup = sg
	f.PrefixListId = prefixList
	// The endpoint policy allows exactly what the uploader does, and only to
	// the uploader's role.
	props.Network.AllowThroughEndpoint(network.EndpointStatement("UploaderWrites", []*string{f.Role.RoleArn()}, writeActions, []*string{objectArns(props)}))
	return f
}

// NewControl creates the function that runs outside any VPC with the
// uploader's code and rights. Its writes must be denied.
func NewControl(scope constructs.Construct, id *string, props *FunctionProps) *Function {
	dir := validate("Control", props, false)
	c := constructs.NewConstruct(scope, id)
	f := newFunction(c, props, dir, "CONTROL: same code and rights as the uploader, outside any VPC; its writes MUST be denied (AccessDenied), or the bucket is not private", &awslambda.FunctionProps{})
	awscdk.Tags_Of(c).Add(jsii.String("privates3:role"), jsii.String("control-must-be-denied"), nil)
	return f
}

// validate refuses invalid props, all problems at once, and returns the
// handler directory. uploader tells which function the props are for: the
// uploader runs in the network, the control outside any.
func validate(kind string, props *FunctionProps, uploader bool) string {
	p := problems.New(kind)
	if props == nil {
		p.Add("props are required: set Bucket to the PrivateBucket's Bucket, and Network for the uploader")
		p.Panic()
	}
	dir, err := entry(props)
	switch {
	case props.Entry != nil && *props.Entry == "":
		p.Add("Entry is empty: set it to the directory of a handler's main package, or leave it nil for this module's handler")
	case err != nil:
		p.Add(err.Error())
	default:
		if st, err := os.Stat(filepath.Join(dir, "main.go")); err != nil || st.IsDir() {
			p.Add(fmt.Sprintf("Entry %q has no main.go: set it to the directory of a handler's main package (a relative path is taken from the current directory), or leave it nil for this module's handler", dir))
		}
	}
	if props.Bucket == nil {
		p.Add("Bucket is required: pass the PrivateBucket's Bucket")
	}
	if k := props.KeyPrefix; k != nil && !token.Unresolved(k) {
		if err := CheckKeyPrefix(*k); err != nil {
			p.Add(fmt.Sprintf("KeyPrefix %q is invalid: %v", *k, err))
		}
	}
	switch {
	case uploader && props.Network == nil:
		p.Add("Network is required: the uploader must run in the PrivateNetwork's subnets to reach the bucket through the endpoint")
	case !uploader && props.Network != nil:
		p.Add("Network is set, but the control must run outside any VPC: its denied write is the proof that the bucket refuses requests not made through the endpoint; pass the same props without Network")
	}
	if uploader && props.PrefixListId != nil && !token.Unresolved(props.PrefixListId) && !strings.HasPrefix(*props.PrefixListId, "pl-") {
		p.Add(fmt.Sprintf("PrefixListId %q is not a prefix list id: use the S3 managed prefix list of the region (com.amazonaws.<region>.s3), such as pl-63a5400a", *props.PrefixListId))
	}
	if r := props.ReservedConcurrency; r != nil {
		if err := CheckReservedConcurrency(*r); err != nil {
			p.Add(fmt.Sprintf("ReservedConcurrency %v is invalid: %v; leave it nil for %d", *r, err, defaultReservedConcurrency))
		}
	}
	if m := props.MemorySize; m != nil && (*m < 128 || *m > 10240 || *m != float64(int(*m))) {
		p.Add(fmt.Sprintf("MemorySize %v is invalid: Lambda takes a whole number of MB from 128 to 10240; leave it nil for %d", *m, defaultMemorySize))
	}
	if t := props.Timeout; t != nil && !token.Unresolved(t.ToString()) {
		// Not integral: CDK's own conversion would throw on a fraction.
		if secs := *t.ToSeconds(&awscdk.TimeConversionOptions{Integral: jsii.Bool(false)}); secs < 1 || secs > 900 || secs != math.Trunc(secs) {
			p.Add(fmt.Sprintf("Timeout %s is invalid: Lambda takes whole seconds, 1 second to 15 minutes; leave it nil for %d seconds", *t.ToHumanString(), defaultTimeoutSeconds))
		}
	}
	keys := slices.Sorted(maps.Keys(props.Environment)) // one message whatever the map's order
	for _, k := range keys {
		if slices.Contains(reservedEnv, k) {
			p.Add(fmt.Sprintf("Environment sets %s, which is reserved (by the handler, this construct or Lambda): remove it; the bucket and key prefix come from Bucket and KeyPrefix, and AWS_IGNORE_CONFIGURED_ENDPOINT_URLS is always true", k))
		}
		if why, ok := redirectEnv[k]; ok {
			p.Add(fmt.Sprintf("Environment sets %s, which %s: remove it; the function must reach the bucket through the regional endpoint", k, why))
		}
	}
	p.Panic()
	return dir
}

// CheckKeyPrefix returns why prefix cannot be a KeyPrefix, or nil: the
// handler prepends it to every key, and the grants end it with "*".
func CheckKeyPrefix(prefix string) error {
	if prefix == "" || strings.HasPrefix(prefix, "/") || strings.Contains(prefix, "*") || strings.Contains(prefix, "..") {
		return errors.New(`use a non-empty prefix such as "uploads/" without a leading slash, "*" or ".."`)
	}
	return nil
}

// CheckReservedConcurrency returns why n cannot be a ReservedConcurrency,
// or nil.
func CheckReservedConcurrency(n float64) error {
	if (n < 1 && n != -1) || n != math.Trunc(n) {
		return errors.New("use a whole number of 1 or more, or -1 for no reservation (0 would throttle every invocation; an account whose quota leaves no more than 100 unreserved cannot reserve any)")
	}
	return nil
}

// entry is the handler directory: the one given, or this module's own.
func entry(props *FunctionProps) (string, error) {
	if props.Entry != nil {
		return *props.Entry, nil
	}
	return gobuild.Default("uploader")
}

// newFunction is the one code path both functions take: same code, same
// environment, same S3 statements. Only the network differs.
func newFunction(c constructs.Construct, props *FunctionProps, dir, description string, fp *awslambda.FunctionProps) *Function {
	retention := props.LogRetention
	if retention == "" {
		retention = awslogs.RetentionDays_ONE_MONTH
	}
	logs := awslogs.NewLogGroup(c, jsii.String("Logs"), &awslogs.LogGroupProps{Retention: retention})
	suppressLogFindings(logs)
	env := map[string]*string{contract.EnvBucketName: props.Bucket.BucketName(), ignoreConfiguredEndpoints: jsii.String("true")}
	for k, v := range props.Environment {
		env[k] = v
	}
	if props.KeyPrefix != nil {
		env[contract.EnvKeyPrefix] = props.KeyPrefix
	}
	fp.Description = jsii.String(description)
	fp.Runtime = awslambda.Runtime_PROVIDED_AL2023()
	fp.Architecture = awslambda.Architecture_ARM_64()
	fp.MemorySize = props.MemorySize
	if fp.MemorySize == nil {
		fp.MemorySize = jsii.Number(defaultMemorySize)
	}
	fp.Timeout = props.Timeout
	if fp.Timeout == nil {
		fp.Timeout = awscdk.Duration_Seconds(jsii.Number(defaultTimeoutSeconds))
	}
	fp.Environment = &env
	fp.LogGroup = logs
	code, err := gobuild.Code(dir)
	if err != nil {
		panic(err.Error())
	}
	fp.Code = code
	fp.Handler = jsii.String("bootstrap")
	role, rights := execrole.New(c, "FunctionServiceRole", "Execution role: its log group, and "+strings.Join(writeActions, ", ")+" on the bucket", logs,
		awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Sid:       jsii.String("WriteObjects"),
			Actions:   jsii.Strings(writeActions...),
			Resources: &[]*string{objectArns(props)},
		}))
	key := props.Key
	if key == nil {
		key = props.Bucket.EncryptionKey()
	}
	if key != nil {
		// Only through S3: the role cannot use the key directly.
		rights.AddStatements(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Sid:        jsii.String("EncryptThroughS3"),
			Actions:    jsii.Strings("kms:GenerateDataKey"),
			Resources:  &[]*string{key.KeyArn()},
			Conditions: &map[string]interface{}{"StringEquals": map[string]interface{}{"kms:ViaService": kmsvia.S3()}},
		}))
	}
	if fp.Vpc != nil {
		// What Lambda needs to manage the function's network interfaces
		// (Lambda Developer Guide, "Giving Lambda functions access to
		// resources in an Amazon VPC", execution role permissions). EC2's
		// Describe actions take no resource, so the resource is "*".
		rights.AddStatements(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Sid:       jsii.String("ManageNetworkInterfaces"),
			Actions:   jsii.Strings("ec2:CreateNetworkInterface", "ec2:DescribeNetworkInterfaces", "ec2:DescribeSubnets", "ec2:DeleteNetworkInterface", "ec2:AssignPrivateIpAddresses", "ec2:UnassignPrivateIpAddresses"),
			Resources: jsii.Strings("*"),
		}))
	}
	fp.Role = role
	switch r := props.ReservedConcurrency; {
	case r == nil:
		fp.ReservedConcurrentExecutions = jsii.Number(defaultReservedConcurrency)
	case *r > 0:
		fp.ReservedConcurrentExecutions = r
	}
	fn := awslambda.NewFunction(c, jsii.String("Function"), fp)
	// Created with the rights it runs with (a VPC function's create fails
	// without the network-interface rights), and deleted before them, so
	// Lambda can still remove its network interfaces.
	fn.Node().AddDependency(rights)
	suppressFunctionFindings(fn, rights, fp.Vpc != nil, fp.ReservedConcurrentExecutions == nil)
	return &Function{Construct: c, Function: fn, Role: role, LogGroup: logs, Timeout: fp.Timeout}
}

func objectArns(props *FunctionProps) *string {
	prefix := ""
	if props.KeyPrefix != nil {
		prefix = *props.KeyPrefix
	}
	return props.Bucket.ArnForObjects(jsii.String(prefix + "*"))
}

// s3PrefixList returns the id of the region's S3 managed prefix list: the
// given one, a synth-time lookup when the region is known, or a deploy-time
// lookup by a custom resource when the stack is environment-agnostic.
func s3PrefixList(c constructs.Construct, given *string) *string {
	if given != nil {
		return given
	}
	stack := awscdk.Stack_Of(c)
	if !token.Unresolved(stack.Region()) {
		return awsec2.PrefixList_FromLookup(c, jsii.String("S3PrefixList"), &awsec2.PrefixListLookupOptions{
			PrefixListName: jsii.String("com.amazonaws." + *stack.Region() + ".s3"),
		}).PrefixListId()
	}
	call := &customresources.AwsSdkCall{
		Service:            jsii.String("EC2"),
		Action:             jsii.String("describeManagedPrefixLists"),
		Parameters:         map[string]interface{}{"Filters": []interface{}{map[string]interface{}{"Name": "prefix-list-name", "Values": []interface{}{awscdk.Fn_Sub(jsii.String("com.amazonaws.${AWS::Region}.s3"), nil)}}}},
		PhysicalResourceId: customresources.PhysicalResourceId_FromResponse(jsii.String("PrefixLists.0.PrefixListId")),
		OutputPaths:        jsii.Strings("PrefixLists.0.PrefixListId"),
	}
	lookup := customresources.NewAwsCustomResource(c, jsii.String("S3PrefixListLookup"), &customresources.AwsCustomResourceProps{
		OnCreate:            call,
		OnUpdate:            call,
		InstallLatestAwsSdk: jsii.Bool(false),
		Policy:              customresources.AwsCustomResourcePolicy_FromSdkCalls(&customresources.SdkCallsPolicyOptions{Resources: customresources.AwsCustomResourcePolicy_ANY_RESOURCE()}),
	})
	// The lookup invokes CDK's singleton provider function as soon as that
	// exists. When the stack also creates the function's log group
	// (@aws-cdk/aws-lambda:useCdkManagedLogGroup), nothing orders the two:
	// if Lambda writes /aws/lambda/<fn> first, the LogGroup fails with
	// AlreadyExists and the stack rolls back. So the lookup waits for it.
	if provider := stack.Node().TryFindChild(jsii.String(awsCustomResourceProviderID)); provider != nil {
		if logs := provider.Node().TryFindChild(jsii.String("LogGroup")); logs != nil {
			lookup.Node().AddDependency(logs)
		}
		suppressProviderFindings(provider)
	}
	nagsuppress.On(lookup, true,
		nagsuppress.Rule("AwsSolutions-IAM5", whyProvider, `/^Resource::\*$/`),
		nagsuppress.Rule("HIPAA.Security-IAMNoInlinePolicy", whyProvider),
		nagsuppress.Rule("NIST.800.53.R5-IAMNoInlinePolicy", whyProvider),
		nagsuppress.Rule("PCI.DSS.321-IAMNoInlinePolicy", whyProvider),
	)
	return lookup.GetResponseField(jsii.String("PrefixLists.0.PrefixListId"))
}

// awsCustomResourceProviderID is the construct id of the singleton function
// every AwsCustomResource of a stack shares (its fixed UUID, in CDK's
// custom-resources module).
const awsCustomResourceProviderID = "AWS679f53fac002430cb0da5b7982bd2287"
