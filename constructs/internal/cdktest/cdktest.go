// Package cdktest is what the constructs' tests share, so that each test
// binary starts jsii once: a TestMain that writes every app below one
// temporary folder and closes jsii at the end (nothing is left in TMPDIR),
// apps with exactly the context a test chooses (the constructs must not
// depend on an app's feature flags), templates read back as JSON, and the
// small comparisons every test makes.
package cdktest

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/jsii-runtime-go"
)

// Outdir holds every app of the test binary; Main makes and removes it.
var Outdir string

// Main runs the package's tests after setup, which may synthesize what
// the tests share, and exits with their status.
func Main(m *testing.M, setup func() error) {
	code, err := run(m, setup)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		code = 1
	}
	os.Exit(code)
}

func run(m *testing.M, setup func() error) (int, error) {
	if os.Getenv("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION") == "" {
		os.Setenv("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "14,16,18,19,20,21,23")
	}
	// Importing the CDK creates the jsii runtime's temporary folder.
	defer jsii.Close()
	var err error
	if Outdir, err = os.MkdirTemp("", "privates3-constructs-test-"); err != nil {
		return 0, err
	}
	defer os.RemoveAll(Outdir)
	// The examples' apps, which name no folder, write below Outdir too:
	// CDK takes CDK_OUTDIR from the jsii process, started after this.
	os.Setenv("CDK_OUTDIR", Outdir)
	if setup != nil {
		if err := setup(); err != nil {
			return 0, err
		}
	}
	return m.Run(), nil
}

// CdkJSONContext is the context the CDK CLI would pass from the project's
// cdk.json, found in the working directory or above (go test does not
// read it).
func CdkJSONContext() (map[string]any, error) {
	dir, err := os.Getwd()
	if err != nil {
		return nil, err
	}
	for {
		b, err := os.ReadFile(filepath.Join(dir, "cdk.json"))
		if err == nil {
			var f struct{ Context map[string]any }
			if err := json.Unmarshal(b, &f); err != nil {
				return nil, fmt.Errorf("cdk.json: %w", err)
			}
			if len(f.Context) == 0 {
				return nil, errors.New("cdk.json has no context")
			}
			return f.Context, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return nil, errors.New("no cdk.json in the working directory or above")
		}
		dir = parent
	}
}

// NewApp returns an app with exactly ctx as its context (nil for none),
// writing below Outdir.
func NewApp(ctx map[string]any) awscdk.App {
	if ctx == nil {
		ctx = map[string]any{}
	}
	dir, err := os.MkdirTemp(Outdir, "app-")
	if err != nil {
		panic(err)
	}
	return awscdk.NewApp(&awscdk.AppProps{Context: &ctx, Outdir: jsii.String(dir)})
}

// Template is a stack's template as CDK's assertions module reads it,
// kept as JSON too for checks in Go (a failed jsii assertion panics and
// ends the test binary: run those through Check).
type Template struct {
	assertions.Template
	JSON map[string]any
}

// Synth synthesizes st's app and reads st's template.
func Synth(st awscdk.Stack) Template {
	tp := assertions.Template_FromStack(st, nil)
	return Template{Template: tp, JSON: *tp.ToJSON()}
}

// Resources returns the resources of a type by logical id.
func (tp Template) Resources(typ string) map[string]map[string]any {
	out := map[string]map[string]any{}
	for id, r := range tp.JSON["Resources"].(map[string]any) {
		if r := r.(map[string]any); r["Type"] == typ {
			out[id] = r
		}
	}
	return out
}

// One returns the logical id and properties of the only resource of a type
// whose logical id starts with prefix.
func (tp Template) One(t *testing.T, typ, prefix string) (string, map[string]any) {
	t.Helper()
	var id string
	var props map[string]any
	n := 0
	for k, r := range tp.Resources(typ) {
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

// BucketID returns the logical id of the private bucket of a stack whose
// PrivateBucket has the construct id "Storage" (construct
// Storage/Resource; CDK leaves "Resource" out of logical ids, and the
// access-log bucket is StorageAccessLogs...).
func (tp Template) BucketID(t *testing.T) string {
	t.Helper()
	var ids []string
	for id := range tp.Resources("AWS::S3::Bucket") {
		if strings.HasPrefix(id, "Storage") && !strings.HasPrefix(id, "StorageAccessLogs") {
			ids = append(ids, id)
		}
	}
	if len(ids) != 1 {
		t.Fatalf("private buckets %q, want one (construct id Storage)", ids)
	}
	return ids[0]
}

// JSON decodes a JSON literal, for comparing with template fragments.
func JSON(s string) any {
	var v any
	if err := json.Unmarshal([]byte(s), &v); err != nil {
		panic(fmt.Sprintf("bad JSON in a test: %v: %s", err, s))
	}
	return v
}

// Check runs a jsii assertion, turning its panic into a test error.
func Check(t *testing.T, what string, f func()) {
	t.Helper()
	defer func() {
		if r := recover(); r != nil {
			t.Errorf("%s: %v", what, r)
		}
	}()
	f()
}

// Equal fails the test when got and want differ, showing both as JSON.
func Equal(t *testing.T, what string, got, want any) {
	t.Helper()
	if !reflect.DeepEqual(got, want) {
		g, _ := json.Marshal(got)
		w, _ := json.Marshal(want)
		t.Errorf("%s = %s, want %s", what, g, w)
	}
}
