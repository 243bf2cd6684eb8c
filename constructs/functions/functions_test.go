package functions

// One jsii start-up for the package (about a second): TestMain synthesizes
// the stacks every test reads, and the refusals panic before they create
// anything, so they share one stack that is never synthesized. The
// examples run in the same process.

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/jsii-runtime-go"

	"github.com/privates3/privates3/constructs/internal/cdktest"
	"github.com/privates3/privates3/constructs/network"
	"github.com/privates3/privates3/constructs/storage"
)

var (
	// A network, a bucket, the uploader and the control:
	plain   tmpl // SSE-S3, default props, no context (the prefix list looked up at deploy)
	withCdk tmpl // plain's stack in an app with cdk.json's context
	kms     tmpl // KMS, KeyPrefix "uploads/", a given prefix list, sizing

	refusals  awscdk.Stack // the refusals' stack, never synthesized
	refNet    *network.PrivateNetwork
	refBucket *storage.PrivateBucket
)

func TestMain(m *testing.M) { cdktest.Main(m, setup) }

func setup() error {
	cdkJSON, err := cdktest.CdkJSONContext()
	if err != nil {
		return err
	}

	app := cdktest.NewApp(nil)
	plainStack := workload(app, "Plain", false, nil)
	kmsStack := workload(app, "Kms", true, func(p *FunctionProps) {
		p.KeyPrefix = jsii.String("uploads/")
		p.PrefixListId = jsii.String("pl-63a5400a")
		p.MemorySize = jsii.Number(512)
		p.Timeout = awscdk.Duration_Seconds(jsii.Number(30))
		p.ReservedConcurrency = jsii.Number(-1)
		p.Environment = map[string]*string{"LOG_LEVEL": jsii.String("debug")}
	})
	plain, kms = synth(plainStack), synth(kmsStack)
	withCdk = synth(workload(cdktest.NewApp(cdkJSON), "Plain", false, nil))

	refusals = awscdk.NewStack(cdktest.NewApp(nil), jsii.String("Refusals"), nil)
	refNet = network.NewPrivateNetwork(refusals, jsii.String("Net"), nil)
	refBucket = storage.NewPrivateBucket(refusals, jsii.String("Storage"), &storage.PrivateBucketProps{AllowedEndpointIds: []*string{refNet.EndpointId}})
	return nil
}

// workload is the composition a user writes: a network, a bucket, and the
// two functions from one FunctionProps value.
func workload(app awscdk.App, id string, kms bool, edit func(*FunctionProps)) awscdk.Stack {
	st := awscdk.NewStack(app, jsii.String(id), nil)
	net := network.NewPrivateNetwork(st, jsii.String("Net"), nil)
	b := storage.NewPrivateBucket(st, jsii.String("Storage"), &storage.PrivateBucketProps{AllowedEndpointIds: []*string{net.EndpointId}, KmsEncryption: kms})
	// Key left nil: it defaults to the bucket's (app/stack passes it
	// explicitly, and its tests cover that).
	p := &FunctionProps{Bucket: b.Bucket, Network: net}
	if edit != nil {
		edit(p)
	}
	NewUploader(st, jsii.String("Uploader"), p)
	control := *p
	control.Network = nil
	NewControl(st, jsii.String("Control"), &control)
	return st
}

// tmpl is a synthesized workload stack.
type tmpl struct{ cdktest.Template }

func synth(st awscdk.Stack) tmpl { return tmpl{cdktest.Synth(st)} }

func (tp tmpl) statements(t *testing.T, prefix string) map[string]any {
	t.Helper()
	_, p := tp.One(t, "AWS::IAM::ManagedPolicy", prefix)
	out := map[string]any{}
	for _, s := range p["PolicyDocument"].(map[string]any)["Statement"].([]any) {
		out[s.(map[string]any)["Sid"].(string)] = s
	}
	return out
}

// Both functions get the same S3 rights, on the bucket's objects (under
// KeyPrefix), and with a key kms:GenerateDataKey through S3 only.
func TestSameRightsForBoth(t *testing.T) {
	for name, c := range map[string]struct {
		tp     tmpl
		suffix string
		kms    bool
	}{"SSE-S3": {plain, "/*", false}, "KMS with KeyPrefix": {kms, "/uploads/*", true}} {
		bucket := c.tp.BucketID(t)
		for _, fn := range []string{"Uploader", "Control"} {
			sts := c.tp.statements(t, fn+"Rights")
			cdktest.Equal(t, name+" "+fn+" WriteObjects", sts["WriteObjects"], map[string]any{"Sid": "WriteObjects", "Effect": "Allow",
				"Action":   []any{"s3:PutObject", "s3:PutObjectTagging"},
				"Resource": cdktest.JSON(`{"Fn::Join":["",[{"Fn::GetAtt":["` + bucket + `","Arn"]},"` + c.suffix + `"]]}`)})
			if !c.kms {
				cdktest.Equal(t, name+" "+fn+" EncryptThroughS3", sts["EncryptThroughS3"], nil)
				continue
			}
			keyID, _ := c.tp.One(t, "AWS::KMS::Key", "StorageKey")
			cdktest.Equal(t, name+" "+fn+" EncryptThroughS3", sts["EncryptThroughS3"], map[string]any{"Sid": "EncryptThroughS3", "Effect": "Allow",
				"Action": "kms:GenerateDataKey", "Resource": cdktest.JSON(`{"Fn::GetAtt":["` + keyID + `","Arn"]}`),
				"Condition": cdktest.JSON(`{"StringEquals":{"kms:ViaService":{"Fn::Sub":"s3.${AWS::Region}.amazonaws.com"}}}`)})
		}
		// Only the uploader has network interfaces to manage.
		if _, ok := c.tp.statements(t, "UploaderRights")["ManageNetworkInterfaces"]; !ok {
			t.Errorf("%s: the uploader's rights lack ManageNetworkInterfaces", name)
		}
		if _, ok := c.tp.statements(t, "ControlRights")["ManageNetworkInterfaces"]; ok {
			t.Errorf("%s: the control's rights hold ManageNetworkInterfaces, outside any VPC", name)
		}
	}
}

// The endpoint policy allows the uploader's role, and only its writes.
func TestEndpointAllowsOnlyTheUploader(t *testing.T) {
	tp := plain
	role, _ := tp.One(t, "AWS::IAM::Role", "UploaderFunctionServiceRole")
	cdktest.Check(t, "endpoint policy", func() {
		tp.HasResourceProperties(jsii.String("AWS::EC2::VPCEndpoint"), assertions.Match_ObjectLike(&map[string]any{
			"PolicyDocument": map[string]any{"Statement": []any{map[string]any{
				"Sid": "UploaderWrites", "Effect": "Allow", "Principal": "*",
				"Action":    []any{"s3:PutObject", "s3:PutObjectTagging"},
				"Condition": map[string]any{"ArnEquals": map[string]any{"aws:PrincipalArn": []any{map[string]any{"Fn::GetAtt": []any{role, "Arn"}}}}},
				"Resource":  map[string]any{"Fn::Join": []any{"", []any{map[string]any{"Fn::GetAtt": []any{tp.BucketID(t), "Arn"}}, "/*"}}},
			}}},
		}))
	})
}

// Defaults as FunctionProps documents them, and the props that change them.
func TestSizing(t *testing.T) {
	for name, c := range map[string]struct {
		tp                       tmpl
		memory, timeout, reserve any
		logLevel                 any
	}{
		"defaults": {plain, 256.0, 15.0, 10.0, nil},
		"given":    {kms, 512.0, 30.0, nil, "debug"}, // ReservedConcurrency -1: no reservation
	} {
		for _, fn := range []string{"UploaderFunction", "ControlFunction"} {
			_, f := c.tp.One(t, "AWS::Lambda::Function", fn)
			cdktest.Equal(t, name+" "+fn+" MemorySize", f["MemorySize"], c.memory)
			cdktest.Equal(t, name+" "+fn+" Timeout", f["Timeout"], c.timeout)
			cdktest.Equal(t, name+" "+fn+" ReservedConcurrentExecutions", f["ReservedConcurrentExecutions"], c.reserve)
			cdktest.Equal(t, name+" "+fn+" Runtime", f["Runtime"], "provided.al2023")
			cdktest.Equal(t, name+" "+fn+" Architectures", f["Architectures"], []any{"arm64"})
			vars := f["Environment"].(map[string]any)["Variables"].(map[string]any)
			cdktest.Equal(t, name+" "+fn+" LOG_LEVEL", vars["LOG_LEVEL"], c.logLevel)
			// The SDK reads no endpoint URL from the environment or a
			// shared config file (SDKs and Tools Reference Guide,
			// "Service-specific endpoints").
			cdktest.Equal(t, name+" "+fn+" AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", vars["AWS_IGNORE_CONFIGURED_ENDPOINT_URLS"], "true")
		}
		for id, lg := range c.tp.Resources("AWS::Logs::LogGroup") {
			if strings.HasPrefix(id, "UploaderLogs") || strings.HasPrefix(id, "ControlLogs") {
				cdktest.Equal(t, name+" "+id+" RetentionInDays", lg["Properties"].(map[string]any)["RetentionInDays"], 30.0)
			}
		}
	}
}

// The uploader is in the network with HTTPS to S3 only; the control is
// outside any VPC and tagged as the function that must be denied.
func TestPlacement(t *testing.T) {
	for name, c := range map[string]struct {
		tp         tmpl
		prefixList string // "": looked up at deploy
	}{
		"looked up at deploy": {plain, ""},
		"given":               {kms, "pl-63a5400a"},
	} {
		_, sg := c.tp.One(t, "AWS::EC2::SecurityGroup", "UploaderSecurityGroup")
		egress := sg["SecurityGroupEgress"].([]any)
		if len(egress) != 1 {
			t.Fatalf("%s: uploader egress %v, want one rule", name, egress)
		}
		e := egress[0].(map[string]any)
		cdktest.Equal(t, name+" egress port", []any{e["IpProtocol"], e["FromPort"], e["ToPort"]}, []any{"tcp", 443.0, 443.0})
		if c.prefixList != "" {
			cdktest.Equal(t, name+" egress prefix list", e["DestinationPrefixListId"], c.prefixList)
		} else if got, _ := json.Marshal(e["DestinationPrefixListId"]); !strings.Contains(string(got), "UploaderS3PrefixListLookup") {
			t.Errorf("%s: egress prefix list %s, want the deploy-time lookup's", name, got)
		}
		cdktest.Equal(t, name+" ingress", sg["SecurityGroupIngress"], nil)
		_, up := c.tp.One(t, "AWS::Lambda::Function", "UploaderFunction")
		if up["VpcConfig"] == nil {
			t.Errorf("%s: the uploader has no VpcConfig", name)
		}
		_, ctl := c.tp.One(t, "AWS::Lambda::Function", "ControlFunction")
		cdktest.Equal(t, name+" control VpcConfig", ctl["VpcConfig"], nil)
		cdktest.Equal(t, name+" control tag", ctl["Tags"], []any{map[string]any{"Key": "privates3:role", "Value": "control-must-be-denied"}})
	}
}

// The functions' own resources are the same whatever the app's feature
// flags: they set what they rely on (their log group, their role). Only the
// order of a statement's actions may differ (@aws-cdk/aws-iam:minimizePolicies
// sorts them), which IAM ignores.
func TestSameFunctionsWithoutContext(t *testing.T) {
	for _, typ := range []string{"AWS::Lambda::Function", "AWS::IAM::Role", "AWS::IAM::ManagedPolicy", "AWS::EC2::SecurityGroup"} {
		bare, cdk := map[string]any{}, map[string]any{}
		for id, r := range plain.Resources(typ) {
			if strings.HasPrefix(id, "Uploader") || strings.HasPrefix(id, "Control") {
				bare[id] = sortActions(r)
			}
		}
		for id, r := range withCdk.Resources(typ) {
			if strings.HasPrefix(id, "Uploader") || strings.HasPrefix(id, "Control") {
				cdk[id] = sortActions(r)
			}
		}
		if len(bare) == 0 {
			t.Errorf("no %s of the functions", typ)
		}
		cdktest.Equal(t, typ+" of the functions, no context vs cdk.json", bare, cdk)
	}
}

// refusal returns the message NewUploader (or NewControl) panics with.
func refusal(control bool, edit func(*FunctionProps)) (msg string) {
	defer func() {
		if r := recover(); r != nil {
			msg = fmt.Sprint(r)
		}
	}()
	p := &FunctionProps{Bucket: refBucket.Bucket, Network: refNet, PrefixListId: jsii.String("pl-63a5400a")}
	if control {
		p.Network = nil
	}
	if edit != nil {
		edit(p)
	}
	if control {
		NewControl(refusals, jsii.String("Control"), p)
	} else {
		NewUploader(refusals, jsii.String("Uploader"), p)
	}
	return ""
}

func TestRefusals(t *testing.T) {
	tests := []struct {
		name    string
		control bool
		edit    func(*FunctionProps)
		want    []string
	}{
		{"no props", false, func(p *FunctionProps) { *p = FunctionProps{} }, []string{"Uploader: ", "Bucket is required", "Network is required"}},
		{"empty Entry", false, func(p *FunctionProps) { p.Entry = jsii.String("") }, []string{"Entry is empty", "leave it nil"}},
		{"Entry without main.go", false, func(p *FunctionProps) { p.Entry = jsii.String("../../lambda") }, []string{`Entry "../../lambda" has no main.go`, "leave it nil"}},
		{"no bucket", false, func(p *FunctionProps) { p.Bucket = nil }, []string{"Bucket is required", "PrivateBucket's Bucket"}},
		{"uploader without a network", false, func(p *FunctionProps) { p.Network = nil }, []string{"Uploader: Network is required", "subnets"}},
		{"control in a network", true, func(p *FunctionProps) { p.Network = refNet }, []string{"Control: Network is set", "outside any VPC", "without Network"}},
		{"bad key prefix", false, func(p *FunctionProps) { p.KeyPrefix = jsii.String("/abs/*") }, []string{`KeyPrefix "/abs/*" is invalid`, "uploads/"}},
		{"empty key prefix", true, func(p *FunctionProps) { p.KeyPrefix = jsii.String("") }, []string{`Control: KeyPrefix "" is invalid`}},
		{"bad prefix list id", false, func(p *FunctionProps) { p.PrefixListId = jsii.String("sg-123") }, []string{`PrefixListId "sg-123" is not a prefix list id`, "com.amazonaws.<region>.s3"}},
		{"zero reserved concurrency", false, func(p *FunctionProps) { p.ReservedConcurrency = jsii.Number(0) }, []string{"ReservedConcurrency 0 is invalid", "-1 for no reservation", "nil for 10"}},
		{"fractional reserved concurrency", true, func(p *FunctionProps) { p.ReservedConcurrency = jsii.Number(2.5) }, []string{"ReservedConcurrency 2.5 is invalid"}},
		{"memory below 128", false, func(p *FunctionProps) { p.MemorySize = jsii.Number(64) }, []string{"MemorySize 64 is invalid", "128 to 10240", "nil for 256"}},
		{"memory above 10240", true, func(p *FunctionProps) { p.MemorySize = jsii.Number(20000) }, []string{"MemorySize 20000 is invalid"}},
		{"timeout over 15 minutes", false, func(p *FunctionProps) { p.Timeout = awscdk.Duration_Minutes(jsii.Number(20)) }, []string{"Timeout 20 minutes is invalid", "1 second to 15 minutes", "nil for 15 seconds"}},
		{"timeout under a second", true, func(p *FunctionProps) { p.Timeout = awscdk.Duration_Millis(jsii.Number(500)) }, []string{"Timeout 500 millis is invalid", "whole seconds"}},
		{"timeout not whole seconds", false, func(p *FunctionProps) { p.Timeout = awscdk.Duration_Millis(jsii.Number(1500)) }, []string{"Timeout 1 second 500 millis is invalid", "whole seconds"}},
		{"environment overriding the bucket", true, func(p *FunctionProps) { p.Environment = map[string]*string{"BUCKET_NAME": jsii.String("x")} }, []string{"Control: Environment sets BUCKET_NAME, which is reserved", "Bucket and KeyPrefix"}},
		{"environment setting a Lambda variable", false, func(p *FunctionProps) { p.Environment = map[string]*string{"AWS_REGION": jsii.String("x")} }, []string{"Environment sets AWS_REGION, which is reserved"}},
		// Variables that send S3 requests elsewhere than the regional
		// endpoint (AWS SDKs and Tools Reference Guide; Go's net/http).
		{"environment redirecting every SDK call", false, func(p *FunctionProps) { p.Environment = env("AWS_ENDPOINT_URL") }, []string{
			"Uploader: Environment sets AWS_ENDPOINT_URL, which sends every AWS SDK request, S3's included, to that URL instead of the regional S3 endpoint",
			`"Service-specific endpoints"`, "off the gateway endpoint's route: remove it; the function must reach the bucket through the regional endpoint"}},
		{"environment redirecting S3", true, func(p *FunctionProps) { p.Environment = env("AWS_ENDPOINT_URL_S3") }, []string{
			"Control: Environment sets AWS_ENDPOINT_URL_S3, which sends the S3 requests to that URL instead of the regional S3 endpoint", `"Service-specific endpoints"`, "remove it"}},
		{"environment asking for dual-stack", false, func(p *FunctionProps) { p.Environment = env("AWS_USE_DUALSTACK_ENDPOINT") }, []string{
			"Environment sets AWS_USE_DUALSTACK_ENDPOINT, which sends the S3 requests to the dual-stack endpoint s3.dualstack.<region>.amazonaws.com",
			`"Dual-stack and FIPS endpoints"`, "IPv6", "remove it"}},
		{"environment asking for FIPS", true, func(p *FunctionProps) { p.Environment = env("AWS_USE_FIPS_ENDPOINT") }, []string{
			"Environment sets AWS_USE_FIPS_ENDPOINT, which sends the S3 requests to the FIPS endpoint s3-fips.<region>.amazonaws.com",
			`"Dual-stack and FIPS endpoints"`, "remove it"}},
		{"environment choosing a config file", false, func(p *FunctionProps) { p.Environment = env("AWS_CONFIG_FILE") }, []string{
			"Environment sets AWS_CONFIG_FILE, which chooses the shared config file or its profile", "use_dualstack_endpoint", "remove it"}},
		{"environment choosing a profile", true, func(p *FunctionProps) { p.Environment = env("AWS_PROFILE") }, []string{"Environment sets AWS_PROFILE, which chooses the shared config file or its profile"}},
		{"environment undoing the endpoint guard", false, func(p *FunctionProps) {
			p.Environment = map[string]*string{"AWS_IGNORE_CONFIGURED_ENDPOINT_URLS": jsii.String("false")}
		}, []string{"Environment sets AWS_IGNORE_CONFIGURED_ENDPOINT_URLS, which is reserved"}},
		{"environment setting a proxy", false, func(p *FunctionProps) { p.Environment = env("HTTPS_PROXY") }, []string{
			"Environment sets HTTPS_PROXY, which makes the SDK's HTTP client connect through that proxy", "ProxyFromEnvironment", "remove it"}},
		{"environment setting a proxy, lower case", false, func(p *FunctionProps) { p.Environment = env("https_proxy") }, []string{
			"Environment sets https_proxy, which makes the SDK's HTTP client connect through that proxy"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			msg := refusal(tc.control, tc.edit)
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

// env is an Environment setting each of names to "true" (a URL would be
// refused just the same: the name decides).
func env(names ...string) map[string]*string {
	m := map[string]*string{}
	for _, n := range names {
		m[n] = jsii.String("true")
	}
	return m
}

// Variables that do not move a request for a bucket name stay allowed:
// AWS_S3_USE_ARN_REGION applies only to ARN-addressed buckets,
// HTTP_PROXY only to http:// URLs, AWS_IGNORE_CONFIGURED_ENDPOINT_URLS only
// turns endpoint settings off.
func TestEnvironmentAllowed(t *testing.T) {
	names := []string{"LOG_LEVEL", "AWS_S3_USE_ARN_REGION", "HTTP_PROXY", "AWS_MAX_ATTEMPTS"}
	for _, uploader := range []bool{true, false} {
		p := &FunctionProps{Bucket: refBucket.Bucket, Environment: env(names...)}
		if uploader {
			p.Network = refNet
		}
		// validate alone: building the functions would add them to the
		// shared refusals stack.
		func() {
			defer func() {
				if r := recover(); r != nil {
					t.Errorf("uploader=%v: Environment %q refused: %v", uploader, names, r)
				}
			}()
			validate("Function", p, uploader)
		}()
	}
}

// Every problem at once, one line each, in the order of FunctionProps.
func TestAllProblemsAtOnce(t *testing.T) {
	msg := refusal(false, func(p *FunctionProps) {
		p.Bucket, p.Network = nil, nil
		p.MemorySize = jsii.Number(64)
		p.Environment = env("AWS_REGION", "BUCKET_NAME", "AWS_ENDPOINT_URL_S3")
	})
	want := []string{"Bucket is required", "Network is required", "MemorySize 64 is invalid", "Environment sets AWS_ENDPOINT_URL_S3, which sends", "Environment sets AWS_REGION", "Environment sets BUCKET_NAME"}
	lines := strings.Split(msg, "\n")
	if len(lines) != len(want) {
		t.Fatalf("message has %d lines, want %d:\n%s", len(lines), len(want), msg)
	}
	for i, w := range want {
		if !strings.HasPrefix(lines[i], "Uploader: "+w) {
			t.Errorf("line %d = %q, want it to start %q", i+1, lines[i], "Uploader: "+w)
		}
	}
}

// sortActions returns v with every "Action" list sorted.
func sortActions(v any) any {
	switch v := v.(type) {
	case map[string]any:
		out := map[string]any{}
		for k, x := range v {
			out[k] = sortActions(x)
			if a, ok := x.([]any); ok && k == "Action" {
				s := make([]string, len(a))
				for i, e := range a {
					s[i] = fmt.Sprint(e)
				}
				slices.Sort(s)
				sorted := make([]any, len(s))
				for i, e := range s {
					sorted[i] = e
				}
				out[k] = sorted
			}
		}
		return out
	case []any:
		out := make([]any, len(v))
		for i, x := range v {
			out[i] = sortActions(x)
		}
		return out
	}
	return v
}
