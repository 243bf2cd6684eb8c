package stack_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3"
	"github.com/aws/jsii-runtime-go"

	"github.com/privates3/privates3/app/environments"
	"github.com/privates3/privates3/app/stack"
	"github.com/privates3/privates3/constructs/nagsuppress"
)

// noNagFindings fails on any error annotation of a synthesized
// configuration, and on any unsuppressed finding of cdk-nag's packs over
// its template (the existing-VPC configurations call it).
func noNagFindings(t *testing.T, s *synthesized) {
	t.Helper()
	for _, e := range s.errors {
		t.Errorf("error annotation: %s", e)
	}
	noTemplateFindings(t, map[string][]byte{"PrivateS3": s.raw})
}

// The packs are really applied: a plain bucket outside the constructs
// gets cdk-nag's findings.
func TestNagPacksFlagAPlainBucket(t *testing.T) {
	app := newApp(nil)
	st := awscdk.NewStack(app, jsii.String("Plain"), nil)
	awss3.NewBucket(st, jsii.String("Plain"), nil)
	err := stack.CheckAssembly(*app.Synth(nil).Directory())
	if err == nil {
		t.Fatal("CheckAssembly of a plain bucket = nil, want the packs' findings")
	}
	for _, want := range []string{"AwsSolutions-S1", "HIPAA.Security-S3BucketLoggingEnabled", "NIST.800.53.R5-S3BucketReplicationEnabled", "PCI.DSS.321-S3DefaultEncryptionKMS"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("the packs over a plain bucket did not report %s:\n%.2000s", want, err)
		}
	}
}

// Every suppression carries a reason a reviewer can read: at least a
// sentence, and one suppression of each rule per resource.
func TestNagSuppressionsHaveReasons(t *testing.T) {
	tp := synth(t, full).template
	n := 0
	for id, r := range tp["Resources"].(map[string]any) {
		list, _ := get(r, "Metadata", "cdk_nag", "rules_to_suppress").([]any)
		seen := map[string]bool{}
		for _, s := range list {
			rid, _ := get(s, "id").(string)
			reason, _ := get(s, "reason").(string)
			n++
			if len(reason) < 60 || !strings.HasSuffix(strings.TrimSpace(reason), ".") {
				t.Errorf("%s: suppression of %s has reason %q, want at least a sentence", id, rid, reason)
			}
			if seen[rid] {
				t.Errorf("%s: %s suppressed twice: give a rule one suppression, and one reason, per resource", id, rid)
			}
			seen[rid] = true
		}
	}
	if n == 0 {
		t.Fatal("no cdk-nag suppressions in the template: is the metadata still written?")
	}
}

// The same packs over the synthesized templates, as a reviewer or a
// pipeline that has only the templates runs them, where every resource is
// its L1 class (CDK's own custom-resource providers included): no
// unsuppressed error or warning for any configuration, the environments of
// examples/environments.json (their lookups answered by the committed
// cdk.context.json, as the CLI answers them) or the pipeline of
// examples/pipeline.json with its stages.
func TestNagPacksOverTheTemplatesFindNothingUnsuppressed(t *testing.T) {
	for name, ctx := range configurations {
		t.Run(name, func(t *testing.T) {
			noTemplateFindings(t, map[string][]byte{name: synth(t, ctx).raw})
		})
	}
	t.Run("environments", func(t *testing.T) {
		envs, err := environments.Load(filepath.Join(root, "examples", "environments.json"))
		if err != nil {
			t.Fatal(err)
		}
		app := newApp(committedLookups(t))
		stack.NewEnvironments(app, envs, root)
		// Read right after the synth: the next app of this binary writes
		// to the same folder.
		if err := stack.CheckAssembly(*app.Synth(nil).Directory()); err != nil {
			t.Error(err)
		}
	})
	t.Run("pipeline", func(t *testing.T) {
		p := synthPipeline(t)
		templates := map[string][]byte{}
		for name, raw := range p.raw {
			templates[name] = raw
		}
		b, err := json.Marshal(p.template)
		if err != nil {
			t.Fatal(err)
		}
		templates["pipeline"] = b
		noTemplateFindings(t, templates)
	})
}

func noTemplateFindings(t *testing.T, templates map[string][]byte) {
	t.Helper()
	f, err := stack.CheckTemplates(templates)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range append(f.Errors, f.Warnings...) {
		t.Errorf("cdk-nag over the template: %s", m)
	}
}

// committedLookups are the VPC lookups of cdk.context.json, which answer
// the example environments' (prod's existing VPC). Their availability
// zones are left to CDK's placeholders, as in TestTwoEnvironments: the
// packs judge the same resources.
func committedLookups(t *testing.T) map[string]any {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(root, "cdk.context.json"))
	if err != nil {
		t.Fatal(err)
	}
	var all map[string]any
	if err := json.Unmarshal(b, &all); err != nil {
		t.Fatalf("cdk.context.json: %v", err)
	}
	ctx := map[string]any{}
	for k, v := range all {
		if strings.HasPrefix(k, "vpc-provider:") {
			ctx[k] = v
		}
	}
	if len(ctx) == 0 {
		t.Fatal("cdk.context.json answers no VPC lookup: the example environments need prod's")
	}
	return ctx
}

// A Lambda function and a role written as plain CfnResources (as CDK
// writes every CustomResourceProvider's), which the packs in process pass
// unchecked, are checked over the template; a suppression written on the
// original resource reaches the template's copy, and only the rule it
// names is suppressed.
func TestNagTemplatesCheckCfnResourceTypedFunctionsAndRoles(t *testing.T) {
	app := newApp(map[string]any{"@aws-cdk/core:annotationsInValidationReport": false})
	st := awscdk.NewStack(app, jsii.String("Plain"), nil)
	role := awscdk.NewCfnResource(st, jsii.String("PlainRole"), &awscdk.CfnResourceProps{
		Type: jsii.String("AWS::IAM::Role"),
		Properties: &map[string]any{
			"AssumeRolePolicyDocument": js(`{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]}`),
			"Policies":                 js(`[{"PolicyName": "Inline", "PolicyDocument": {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "ec2:DescribeVpcs", "Resource": "*"}]}}]`),
		},
	})
	fn := awscdk.NewCfnResource(st, jsii.String("PlainFunction"), &awscdk.CfnResourceProps{
		Type: jsii.String("AWS::Lambda::Function"),
		Properties: &map[string]any{
			"Code":    js(`{"ZipFile": "exports.handler = async () => {}"}`),
			"Handler": "index.handler",
			"Runtime": "nodejs22.x",
			"Role":    role.GetAtt(jsii.String("Arn"), awscdk.ResolutionTypeHint_STRING),
		},
	})
	nagsuppress.On(fn, false, nagsuppress.Rule("Serverless-LambdaDLQ", "A test's reason: this suppression, written on the original resource, must reach the template's copy."))
	err := stack.CheckAssembly(*app.Synth(nil).Directory())
	if err == nil {
		t.Fatal("CheckAssembly of a plain CfnResource function and role = nil, want their findings")
	}
	got := err.Error()
	for _, want := range []string{
		"/Plain/Template/PlainFunction: HIPAA.Security-LambdaDLQ:",
		"/Plain/Template/PlainFunction: PCI.DSS.321-LambdaInsideVPC:",
		"/Plain/Template/PlainFunction: NIST.800.53.R5-LambdaConcurrency:",
		"/Plain/Template/PlainRole: HIPAA.Security-IAMNoInlinePolicy:",
		"/Plain/Template/PlainRole: AwsSolutions-IAM5",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("CheckAssembly of a plain CfnResource function and role did not report %q; got:\n%.3000s", want, got)
		}
	}
	if strings.Contains(got, "PlainFunction: Serverless-LambdaDLQ") {
		t.Error("CheckAssembly reported Serverless-LambdaDLQ, suppressed on the original resource: the suppression did not reach the template's copy")
	}
}

// The VPC's VPCDefaultSecurityGroupClosed suppression says a resource of
// the template closes the default group: every configuration that creates
// a VPC has a Custom::VpcRestrictDefaultSG on that VPC's default group.
func TestNagDefaultGroupSuppressionHasItsCustomResource(t *testing.T) {
	for name, ctx := range configurations {
		tp := synth(t, ctx).template
		for id, vpc := range tp.resources("AWS::EC2::VPC") {
			suppressed := false
			list, _ := get(vpc, "Metadata", "cdk_nag", "rules_to_suppress").([]any)
			for _, s := range list {
				suppressed = suppressed || strings.HasSuffix(get(s, "id").(string), "-VPCDefaultSecurityGroupClosed")
			}
			if !suppressed {
				t.Errorf("%s: VPC %s has no VPCDefaultSecurityGroupClosed suppression", name, id)
				continue
			}
			n := 0
			for _, cr := range tp.resources("Custom::VpcRestrictDefaultSG") {
				if reflect.DeepEqual(props(cr)["DefaultSecurityGroupId"], getAtt(id, "DefaultSecurityGroup")) {
					n++
				}
			}
			if n != 1 {
				t.Errorf("%s: %d Custom::VpcRestrictDefaultSG resources close VPC %s's default group, want 1: its VPCDefaultSecurityGroupClosed suppression claims one does", name, n, id)
			}
		}
	}
}

// What is not a template CfnInclude can read is refused with a sentence
// naming the template, not a panic.
func TestCheckTemplatesRefusesWhatItCannotRead(t *testing.T) {
	for name, c := range map[string]struct{ body, want string }{
		"not JSON":       {"Resources:\n  X: {}", "template bad is not JSON: pass a synthesized template"},
		"Ref to nothing": {`{"Resources": {"Q": {"Type": "AWS::SQS::Queue", "Properties": {"QueueName": {"Ref": "Missing"}}}}}`, "template bad: CfnInclude cannot read it:"},
	} {
		_, err := stack.CheckTemplates(map[string][]byte{"bad": []byte(c.body)})
		if err == nil || !strings.HasPrefix(err.Error(), c.want) {
			t.Errorf("%s: CheckTemplates = %v, want an error starting %q", name, err, c.want)
		}
	}
}

// BenchmarkNagOverTemplate is what CheckTemplates adds to a synth of the
// default stack: a throwaway app, the template included, the packs, one
// synth into a temporary folder.
func BenchmarkNagOverTemplate(b *testing.B) {
	raw := synth(&testing.T{}, nil).raw
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := stack.CheckTemplates(map[string][]byte{"PrivateS3": raw}); err != nil {
			b.Fatal(err)
		}
	}
}
