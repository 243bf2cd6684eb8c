package network_test

// One jsii start-up for the package (about a second): the grants are read
// from one template synthesized in TestMain; refusals at construct time
// need no synth, and each refusal at synth time synthesizes a small app of
// its own in the same process (tens of milliseconds).

import (
	"encoding/json"
	"fmt"
	"os"
	"reflect"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/jsii-runtime-go"

	"github.com/privates3/privates3/constructs/network"
)

var outdir string

func TestMain(m *testing.M) {
	code, err := run(m)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		code = 1
	}
	os.Exit(code)
}

func run(m *testing.M) (int, error) {
	if os.Getenv("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION") == "" {
		os.Setenv("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "14,16,18,19,20,21,23")
	}
	defer jsii.Close()
	var err error
	if outdir, err = os.MkdirTemp("", "privates3-network-test-"); err != nil {
		return 0, err
	}
	defer os.RemoveAll(outdir)
	if err := buildGrants(); err != nil {
		return 0, err
	}
	return m.Run(), nil
}

// newApp returns an app with no context (the constructs must not depend on
// feature flags), writing below outdir so nothing is left in $TMPDIR.
func newApp() awscdk.App {
	dir, err := os.MkdirTemp(outdir, "app-")
	if err != nil {
		panic(err)
	}
	return awscdk.NewApp(&awscdk.AppProps{Context: &map[string]any{}, Outdir: jsii.String(dir)})
}

// inSubnets is a function of the user's own in the network's subnets.
func inSubnets(st awscdk.Stack, id string, net *network.PrivateNetwork) awslambda.Function {
	return awslambda.NewFunction(st, jsii.String(id), &awslambda.FunctionProps{
		Runtime:    awslambda.Runtime_PYTHON_3_12(),
		Handler:    jsii.String("index.handler"),
		Code:       awslambda.Code_FromInline(jsii.String("def handler(event, context):\n    return None\n")),
		Vpc:        net.Vpc,
		VpcSubnets: &awsec2.SubnetSelection{Subnets: &net.Subnets},
	})
}

// tmpl is a synthesized template as JSON.
type tmpl map[string]any

func synth(app awscdk.App, st awscdk.Stack) tmpl {
	asm := app.Synth(nil)
	b, err := os.ReadFile(*asm.Directory() + "/" + *st.TemplateFile())
	if err != nil {
		panic(err)
	}
	var tp tmpl
	if err := json.Unmarshal(b, &tp); err != nil {
		panic(err)
	}
	return tp
}

// one returns the logical id and properties of the only resource of a type
// whose logical id starts with prefix.
func (tp tmpl) one(t *testing.T, typ, prefix string) (string, map[string]any) {
	t.Helper()
	var id string
	var props map[string]any
	n := 0
	for k, r := range tp["Resources"].(map[string]any) {
		r := r.(map[string]any)
		if r["Type"] == typ && strings.HasPrefix(k, prefix) {
			id, n = k, n+1
			props, _ = r["Properties"].(map[string]any)
		}
	}
	if n != 1 {
		t.Fatalf("%d %s resources with logical id prefix %q, want 1", n, typ, prefix)
	}
	return id, props
}

// statements returns a policy document's statements by Sid ("" for those
// without one, which must then be alone).
func statements(doc any) map[string]map[string]any {
	out := map[string]map[string]any{}
	for _, s := range doc.(map[string]any)["Statement"].([]any) {
		s := s.(map[string]any)
		sid, _ := s["Sid"].(string)
		out[sid] = s
	}
	return out
}

// refusal runs build and returns what it panicked with ("" if nothing).
func refusal(build func()) (msg string) {
	defer func() {
		if r := recover(); r != nil {
			msg = fmt.Sprint(r)
		}
	}()
	build()
	return ""
}

func holdsAll(t *testing.T, what, msg string, want []string) {
	t.Helper()
	if msg == "" {
		t.Errorf("%s: not refused; want a message holding %q", what, want)
		return
	}
	for _, w := range want {
		if !strings.Contains(msg, w) {
			t.Errorf("%s: message %q\ndoes not hold %q", what, msg, w)
		}
	}
}

func equal(t *testing.T, what string, got, want any) {
	t.Helper()
	if !reflect.DeepEqual(got, want) {
		g, _ := json.Marshal(got)
		w, _ := json.Marshal(want)
		t.Errorf("%s = %s, want %s", what, g, w)
	}
}

func getAtt(id, attr string) map[string]any {
	return map[string]any{"Fn::GetAtt": []any{id, attr}}
}

// objects is CDK's rendering of bucket.ArnForObjects(pattern).
func objects(bucketID, pattern string) map[string]any {
	return map[string]any{"Fn::Join": []any{"", []any{getAtt(bucketID, "Arn"), "/" + pattern}}}
}
