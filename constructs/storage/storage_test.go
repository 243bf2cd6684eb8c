package storage_test

// One jsii start-up for the package (about a second): every test reads the
// templates synthesized once in TestMain, and the refusals panic before
// they create anything, so they share one stack too.

import (
	"encoding/json"
	"fmt"
	"os"
	"reflect"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/jsii-runtime-go"

	"github.com/privates3/privates3/constructs/storage"
)

const endpoint = "vpce-0123456789abcdef0"

var (
	outdir string
	// Templates of stacks holding one PrivateBucket each.
	bare    tmpl // default props, in an app with no context at all
	withCdk tmpl // default props, in an app with cdk.json's context
)

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
	if outdir, err = os.MkdirTemp("", "privates3-storage-test-"); err != nil {
		return 0, err
	}
	defer os.RemoveAll(outdir)
	cdkJSON, err := cdkJSONContext()
	if err != nil {
		return 0, err
	}

	app := newApp(nil)
	bare = synth(bucketStack(app, "Bare", &storage.PrivateBucketProps{AllowedEndpointIds: *jsii.Strings(endpoint)}))

	app = newApp(cdkJSON)
	withCdk = synth(bucketStack(app, "CdkJson", &storage.PrivateBucketProps{AllowedEndpointIds: *jsii.Strings(endpoint)}))
	return m.Run(), nil
}

// cdkJSONContext is the context the CLI passes from the project's cdk.json
// (go test does not read it).
func cdkJSONContext() (map[string]any, error) {
	b, err := os.ReadFile("../../cdk.json")
	if err != nil {
		return nil, err
	}
	var f struct{ Context map[string]any }
	if err := json.Unmarshal(b, &f); err != nil {
		return nil, fmt.Errorf("cdk.json: %w", err)
	}
	if len(f.Context) == 0 {
		return nil, fmt.Errorf("cdk.json has no context")
	}
	return f.Context, nil
}

// newApp returns an app with exactly ctx as its context, writing below
// outdir so nothing is left in $TMPDIR.
func newApp(ctx map[string]any) awscdk.App {
	if ctx == nil {
		ctx = map[string]any{}
	}
	dir, err := os.MkdirTemp(outdir, "app-")
	if err != nil {
		panic(err)
	}
	return awscdk.NewApp(&awscdk.AppProps{Context: &ctx, Outdir: jsii.String(dir)})
}

func bucketStack(app awscdk.App, id string, props *storage.PrivateBucketProps) awscdk.Stack {
	st := awscdk.NewStack(app, jsii.String(id), nil)
	storage.NewPrivateBucket(st, jsii.String("Storage"), props)
	return st
}

// tmpl is a template as CDK's assertions module reads it, kept as JSON for
// checks in Go (a failed jsii assertion panics and ends the test binary).
type tmpl struct {
	assertions.Template
	json map[string]any
}

func synth(st awscdk.Stack) tmpl {
	tp := assertions.Template_FromStack(st, nil)
	return tmpl{Template: tp, json: *tp.ToJSON()}
}

// check runs a jsii assertion, turning its panic into a test error.
func check(t *testing.T, what string, f func()) {
	t.Helper()
	defer func() {
		if r := recover(); r != nil {
			t.Errorf("%s: %v", what, r)
		}
	}()
	f()
}

// resources returns the resources of a type by logical id.
func (tp tmpl) resources(typ string) map[string]map[string]any {
	out := map[string]map[string]any{}
	for id, r := range tp.json["Resources"].(map[string]any) {
		if r := r.(map[string]any); r["Type"] == typ {
			out[id] = r
		}
	}
	return out
}

// one returns the properties of the only resource of a type whose logical
// id starts with prefix.
func (tp tmpl) one(t *testing.T, typ, prefix string) (string, map[string]any) {
	t.Helper()
	var id string
	var props map[string]any
	n := 0
	for k, r := range tp.resources(typ) {
		if strings.HasPrefix(k, prefix) {
			id, n = k, n+1
			props, _ = r["Properties"].(map[string]any)
		}
	}
	if n != 1 {
		t.Fatalf("%d %s resources with logical id prefix %q, want 1", n, typ, prefix)
	}
	return id, props
}

// bucketID is the logical id of the PrivateBucket's bucket (construct
// Storage/Resource; CDK leaves "Resource" out of logical ids).
func (tp tmpl) bucketID(t *testing.T) string {
	t.Helper()
	var ids []string
	for id := range tp.resources("AWS::S3::Bucket") {
		if strings.HasPrefix(id, "Storage") && !strings.HasPrefix(id, "StorageAccessLogs") {
			ids = append(ids, id)
		}
	}
	if len(ids) != 1 {
		t.Fatalf("private buckets %q, want one", ids)
	}
	return ids[0]
}

func (tp tmpl) logBucketID(t *testing.T) string {
	t.Helper()
	id, _ := tp.one(t, "AWS::S3::Bucket", "StorageAccessLogs")
	return id
}

// statements returns a policy document's statements by Sid; CDK's log
// delivery statement has none and is keyed by its principal.
func statements(doc any) map[string]map[string]any {
	out := map[string]map[string]any{}
	for _, s := range doc.(map[string]any)["Statement"].([]any) {
		s := s.(map[string]any)
		key, _ := s["Sid"].(string)
		if key == "" {
			b, _ := json.Marshal(s["Principal"])
			key = s["Effect"].(string) + " " + string(b)
		}
		out[key] = s
	}
	return out
}

func equal(t *testing.T, what string, got, want any) {
	t.Helper()
	if !reflect.DeepEqual(got, want) {
		g, _ := json.Marshal(got)
		w, _ := json.Marshal(want)
		t.Errorf("%s = %s, want %s", what, g, w)
	}
}

// The bucket and its log bucket are as secure in an app with no feature
// flags as in one with cdk.json's: without
// @aws-cdk/aws-s3:serverAccessLogsUseBucketPolicy CDK would have turned the
// log bucket's ACLs on (or refused BucketOwnerEnforced).
func TestSameSecurityWithoutContext(t *testing.T) {
	for name, tp := range map[string]tmpl{"no context": bare, "cdk.json context": withCdk} {
		t.Run(name, func(t *testing.T) {
			for _, id := range []string{tp.bucketID(t), tp.logBucketID(t)} {
				b := tp.resources("AWS::S3::Bucket")[id]["Properties"].(map[string]any)
				equal(t, id+" AccessControl", b["AccessControl"], nil)
				equal(t, id+" OwnershipControls", b["OwnershipControls"], map[string]any{"Rules": []any{map[string]any{"ObjectOwnership": "BucketOwnerEnforced"}}})
				equal(t, id+" PublicAccessBlockConfiguration", b["PublicAccessBlockConfiguration"], map[string]any{
					"BlockPublicAcls": true, "BlockPublicPolicy": true, "IgnorePublicAcls": true, "RestrictPublicBuckets": true})
				equal(t, id+" VersioningConfiguration", b["VersioningConfiguration"], map[string]any{"Status": "Enabled"})
			}
			bucketID := tp.bucketID(t)
			_, logs := tp.one(t, "AWS::S3::BucketPolicy", "StorageAccessLogsPolicy")
			delivery := statements(logs["PolicyDocument"])[`Allow {"Service":"logging.s3.amazonaws.com"}`]
			equal(t, "log delivery Action", delivery["Action"], "s3:PutObject")
			equal(t, "log delivery source", delivery["Condition"].(map[string]any)["ArnLike"], map[string]any{
				"aws:SourceArn": map[string]any{"Fn::GetAtt": []any{bucketID, "Arn"}}})
		})
	}
	// Beyond the properties above: the buckets, keys and policies are the
	// same resources whatever the app's flags.
	for _, typ := range []string{"AWS::S3::Bucket", "AWS::S3::BucketPolicy", "AWS::KMS::Key"} {
		equal(t, typ+" resources, no context vs cdk.json", bare.resources(typ), withCdk.resources(typ))
	}
}
