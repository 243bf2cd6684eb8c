package stack_test

// All CDK tests of the project live in this one package: each test binary
// that starts jsii pays about a second before the first construct exists, and
// every configuration is synthesized once and shared by the tests that read
// it.

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"

	"github.com/privates3/privates3/app/config"
	"github.com/privates3/privates3/app/internal/cdkout"
	"github.com/privates3/privates3/app/invariants"
	"github.com/privates3/privates3/app/stack"
)

var (
	root       string         // the project folder
	cdkContext map[string]any // cdk.json's context: the CLI's feature flags
	outRoot    string         // every app of this binary writes below it
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
	config.QuietNode()
	var err error
	if root, err = config.ProjectRoot(); err != nil {
		return 0, err
	}
	if cdkContext, err = config.CdkJSONContext(root); err != nil {
		return 0, err
	}
	if outRoot, err = os.MkdirTemp("", "privates3-stack-test-"); err != nil {
		return 0, err
	}
	defer os.RemoveAll(outRoot)
	// Without Close each binary leaves the jsii runtime's files in $TMPDIR.
	defer jsii.Close()
	code := m.Run()
	if err := lintSynthesized(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		code = 1
	}
	return code, nil
}

// newApp returns an app with cdk.json's context plus extra. Every app of
// the binary writes to the same outRoot, so the handler is bundled once: CDK
// skips bundling when the folder already holds the asset. Tests read each
// assembly right after synthesizing it, one at a time.
func newApp(extra map[string]any) awscdk.App {
	noteApp(extra) // before this app's synth overwrites the last one's templates
	ctx := map[string]any{}
	for k, v := range cdkContext {
		ctx[k] = v
	}
	for k, v := range extra {
		ctx[k] = v
	}
	return awscdk.NewApp(&awscdk.AppProps{Context: &ctx, Outdir: jsii.String(outRoot)})
}

// synthesized is one configuration's output, read back from the assembly.
type synthesized struct {
	cfg      config.Config
	raw      []byte // the template as written
	subject  invariants.Subject
	template tmpl
	warnings []string
	errors   []string
}

var (
	synthMu    sync.Mutex
	synthCache = map[string]*synthesized{}
)

// synth synthesizes the app's stack with the given context once per test
// binary; later calls with the same context share the result.
func synth(t *testing.T, context map[string]any) *synthesized {
	t.Helper()
	key, _ := json.Marshal(context)
	synthMu.Lock()
	defer synthMu.Unlock()
	if s, ok := synthCache[string(key)]; ok {
		return s
	}
	app := newApp(context)
	cfg, err := config.Parse(func(k string) any { return app.Node().TryGetContext(jsii.String(k)) })
	if err != nil {
		t.Fatalf("config.Parse(%s): %v", key, err)
	}
	st := stack.New(app, cfg, root)
	assembly := app.Synth(nil)
	subject, err := invariants.Of(cfg, st)
	if err != nil {
		t.Fatal(err)
	}
	s := &synthesized{cfg: cfg, subject: subject}
	b, err := os.ReadFile(filepath.Join(*assembly.Directory(), *st.TemplateFile()))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &s.template); err != nil {
		t.Fatal(err)
	}
	s.raw = b
	s.warnings = assemblyMessages(t, *assembly.Directory(), "aws:cdk:warning")
	s.errors = assemblyMessages(t, *assembly.Directory(), "aws:cdk:error")
	synthCache[string(key)] = s
	return s
}

// assemblyMessages returns the annotations of one kind recorded in the cloud
// assembly: in the manifest, or in the file a stack artifact names as its
// additionalMetadataFile (cloud assembly schema 50 and later).
func assemblyMessages(t *testing.T, dir, kind string) []string {
	t.Helper()
	m, err := cdkout.ReadManifest(dir)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, a := range m.Artifacts {
		all := []cdkout.Metadata{a.Metadata}
		if a.AdditionalMetadataFile != "" {
			var more cdkout.Metadata
			b, err := os.ReadFile(filepath.Join(dir, a.AdditionalMetadataFile))
			if err == nil {
				err = json.Unmarshal(b, &more)
			}
			if err != nil {
				t.Fatal(err)
			}
			all = append(all, more)
		}
		for _, md := range all {
			for _, entries := range md {
				for _, e := range entries {
					if e.Type == kind {
						out = append(out, fmt.Sprint(e.Data))
					}
				}
			}
		}
	}
	return out
}

// tmpl is a synthesized CloudFormation template. Its helpers read it in Go,
// so a failed expectation is a t.Errorf and the other checks still run.
type tmpl map[string]any

// resources returns the resources of a type by logical id.
func (tp tmpl) resources(typ string) map[string]map[string]any {
	out := map[string]map[string]any{}
	for id, r := range tp["Resources"].(map[string]any) {
		r := r.(map[string]any)
		if r["Type"] == typ {
			out[id] = r
		}
	}
	return out
}

// one returns the single resource of a type whose logical id starts with
// prefix, failing the test when there is not exactly one.
func (tp tmpl) one(t *testing.T, typ, prefix string) (string, map[string]any) {
	t.Helper()
	var id string
	var res map[string]any
	n := 0
	for k, r := range tp.resources(typ) {
		if strings.HasPrefix(k, prefix) {
			id, res = k, r
			n++
		}
	}
	if n != 1 {
		t.Fatalf("found %d %s resources with logical id prefix %q, want 1", n, typ, prefix)
	}
	return id, res
}

func props(r map[string]any) map[string]any {
	p, _ := r["Properties"].(map[string]any)
	return p
}

// get walks a path of map keys and list indexes through decoded JSON.
func get(v any, path ...any) any {
	if tp, ok := v.(tmpl); ok {
		// A template is a map by another name, which the type switch
		// below would not see: every path would be nil.
		v = map[string]any(tp)
	}
	for _, p := range path {
		switch k := p.(type) {
		case string:
			m, ok := v.(map[string]any)
			if !ok {
				return nil
			}
			v = m[k]
		case int:
			l, ok := v.([]any)
			if !ok || k >= len(l) {
				return nil
			}
			v = l[k]
		}
	}
	return v
}

// js decodes a JSON literal, for comparing against template fragments.
func js(s string) any {
	var v any
	if err := json.Unmarshal([]byte(s), &v); err != nil {
		panic(fmt.Sprintf("bad JSON in test: %v: %s", err, s))
	}
	return v
}

func equal(t *testing.T, what string, got, want any) {
	t.Helper()
	if !reflect.DeepEqual(got, want) {
		g, _ := json.Marshal(got)
		w, _ := json.Marshal(want)
		t.Errorf("%s = %s, want %s", what, g, w)
	}
}

// statements returns a policy document's statements, keyed by Sid (or by
// index for statements without one).
func statements(doc any) map[string]map[string]any {
	out := map[string]map[string]any{}
	list, _ := get(doc, "Statement").([]any)
	for i, s := range list {
		m := s.(map[string]any)
		sid, _ := m["Sid"].(string)
		if sid == "" {
			sid = fmt.Sprint(i)
		}
		out[sid] = m
	}
	return out
}

// ref and getAtt build the intrinsics templates use to point at resources.
func ref(id string) any          { return map[string]any{"Ref": id} }
func getAtt(id, attr string) any { return map[string]any{"Fn::GetAtt": []any{id, attr}} }
func objectsOf(bucket string) any {
	return js(`{"Fn::Join":["",[{"Fn::GetAtt":["` + bucket + `","Arn"]},"/*"]]}`)
}

func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return b
}

func toAny(s []string) []any {
	out := make([]any, len(s))
	for i, v := range s {
		out[i] = v
	}
	return out
}

func toStrings(v any) []string {
	switch v := v.(type) {
	case string:
		return []string{v}
	case []any:
		out := make([]string, len(v))
		for i, e := range v {
			out[i], _ = e.(string)
		}
		return out
	}
	return nil
}

func keys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// sameSet compares a policy's action list with want, ignoring order: CDK
// sorts and merges actions when it minimizes policies.
func sameSet(t *testing.T, what string, got any, want []string) {
	t.Helper()
	g, w := toStrings(got), append([]string(nil), want...)
	sort.Strings(g)
	sort.Strings(w)
	equal(t, what, g, w)
}

// privateBucketID is the logical id of the private bucket (construct path
// Storage/Resource); the access-log bucket beside it is StorageAccessLogs….
const privateBucketID = "Storage6B64FB91"

// contextFile reads a JSON object of context keys, or panics: a broken
// fixture stops the test binary before any test.
func contextFile(path string) map[string]any {
	b, err := os.ReadFile(path)
	if err != nil {
		panic(err)
	}
	var ctx map[string]any
	if err := json.Unmarshal(b, &ctx); err != nil {
		panic(fmt.Sprintf("%s: %v", path, err))
	}
	return ctx
}
