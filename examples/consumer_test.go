// Package examples holds the files the docs point to: environments files
// and, in consumer/, a Go CDK app of its own that uses the constructs as a
// library. The test here builds that app as a new user would: a separate
// module that requires this one, against the oldest aws-cdk-go this module
// declares and the newest one known to be served, with and without
// -trimpath, synthesized with an empty context and with cdk.json's.
package examples_test

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// newestCDK is the newest aws-cdk-go seen served (2026-12-07). Raise it
// when `go mod download -json github.com/aws/aws-cdk-go/awscdk/v2@latest`
// names a newer one; PRIVATES3_CDK_NEWEST overrides it for one run (a
// version, or "latest").
const newestCDK = "v2.277.0"

// A build against a new aws-cdk-go compiles its bindings: minutes on two
// cores the first time, cached after that.
func TestConsumerModule(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a separate module against two aws-cdk-go versions")
	}
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	minimum := declaredCDK(t, filepath.Join(root, "go.mod"))
	newest := newestCDK
	if v := os.Getenv("PRIVATES3_CDK_NEWEST"); v != "" {
		newest = v
	}
	ours := cdkJSONContext(t, filepath.Join(root, "cdk.json"))
	for _, c := range []struct {
		version  string
		trimpath bool
	}{
		// The oldest build reuses the main module's build cache; the
		// newest compiles anew anyway, so it also takes -trimpath, under
		// which the handler's directory cannot come from runtime.Caller.
		{minimum, false},
		{newest, true},
	} {
		t.Run(fmt.Sprintf("aws-cdk-go %s trimpath=%v", c.version, c.trimpath), func(t *testing.T) {
			bin := buildConsumer(t, root, c.version, c.trimpath)
			for name, context := range map[string]string{"empty context": "", "cdk.json context": ours} {
				t.Run(name, func(t *testing.T) {
					checkTemplate(t, synthConsumer(t, bin, context))
				})
			}
		})
	}
}

// declaredCDK is the aws-cdk-go version go.mod requires: the oldest a user
// of the constructs can get.
func declaredCDK(t *testing.T, gomod string) string {
	b, err := os.ReadFile(gomod)
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?m)^\s*github\.com/aws/aws-cdk-go/awscdk/v2 (v\S+)`).FindSubmatch(b)
	if m == nil {
		t.Fatal("go.mod requires no github.com/aws/aws-cdk-go/awscdk/v2")
	}
	return string(m[1])
}

func cdkJSONContext(t *testing.T, path string) string {
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var f struct {
		Context json.RawMessage `json:"context"`
	}
	if err := json.Unmarshal(b, &f); err != nil || len(f.Context) == 0 {
		t.Fatalf("cdk.json has no context: %v", err)
	}
	return string(f.Context)
}

// buildConsumer writes a new module holding consumer/main.go that requires
// this one (a replace to this checkout) and the given aws-cdk-go, and
// builds it.
func buildConsumer(t *testing.T, root, version string, trimpath bool) string {
	dir := t.TempDir()
	src, err := os.ReadFile(filepath.Join(root, "examples", "consumer", "main.go"))
	if err != nil {
		t.Fatal(err)
	}
	write(t, filepath.Join(dir, "main.go"), string(src))
	write(t, filepath.Join(dir, "go.mod"), "module example.com/consumer\n\ngo 1.26.0\n\n"+
		"require github.com/privates3/privates3 v0.0.0\n\n"+
		"replace github.com/privates3/privates3 => "+root+"\n")
	// The module's own checksums for what both share: the checksum
	// database may be unreachable (it is on our CI), and a version this
	// module does not use has none to copy, so the database is off here.
	sums, err := os.ReadFile(filepath.Join(root, "go.sum"))
	if err != nil {
		t.Fatal(err)
	}
	write(t, filepath.Join(dir, "go.sum"), string(sums))
	env := append(os.Environ(), "GOFLAGS=-mod=mod", "GOWORK=off", "GOSUMDB=off", "GOTOOLCHAIN=local")
	goCmd(t, dir, env, "get", "github.com/aws/aws-cdk-go/awscdk/v2@"+version)
	goCmd(t, dir, env, "mod", "tidy")
	got := goCmd(t, dir, env, "list", "-m", "-f", "{{.Version}}", "github.com/aws/aws-cdk-go/awscdk/v2")
	if version != "latest" && strings.TrimSpace(got) != version {
		t.Fatalf("the consumer module selected aws-cdk-go %s, not %s", strings.TrimSpace(got), version)
	}
	args := []string{"build", "-o", filepath.Join(dir, "consumer")}
	if trimpath {
		args = append(args, "-trimpath")
	}
	goCmd(t, dir, env, append(args, ".")...)
	return filepath.Join(dir, "consumer")
}

// synthConsumer runs the built app as the CDK CLI would, with the context
// in CDK_CONTEXT_JSON ("" for none), and returns its template.
func synthConsumer(t *testing.T, bin, context string) map[string]any {
	out := t.TempDir()
	cmd := exec.Command(bin)
	cmd.Dir = t.TempDir() // not the project: nothing may depend on the working directory
	cmd.Env = append(os.Environ(), "CDK_OUTDIR="+out, "JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION=14,16,18,19,20,21,23")
	if context != "" {
		cmd.Env = append(cmd.Env, "CDK_CONTEXT_JSON="+context)
	}
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("the consumer's synth failed: %v\n%s", err, b)
	}
	b, err := os.ReadFile(filepath.Join(out, "Consumer.template.json"))
	if err != nil {
		t.Fatal(err)
	}
	var tmpl map[string]any
	if err := json.Unmarshal(b, &tmpl); err != nil {
		t.Fatal(err)
	}
	return tmpl
}

// checkTemplate asserts what a user of the constructs relies on: the
// private bucket with its key, the endpoint-only deny, and the user's own
// function granted read through the endpoint and on the key, through S3
// only.
func checkTemplate(t *testing.T, tmpl map[string]any) {
	resources, _ := tmpl["Resources"].(map[string]any)
	count := map[string]int{}
	for _, r := range resources {
		ty, _ := r.(map[string]any)["Type"].(string)
		count[ty]++
	}
	for ty, want := range map[string]int{
		"AWS::S3::Bucket":           2, // the private bucket and its access-log bucket
		"AWS::KMS::Key":             1,
		"AWS::EC2::VPCEndpoint":     1,
		"AWS::EC2::NatGateway":      0,
		"AWS::EC2::InternetGateway": 0,
		"AWS::Events::Rule":         1, // the canary's schedule
		"AWS::CloudWatch::Alarm":    1, // and its alarm
	} {
		if count[ty] != want {
			t.Errorf("%d %s, want %d", count[ty], ty, want)
		}
	}
	// The reader's own rights: its role's policy (CDK names the role
	// ReaderServiceRole...) and the endpoint policy.
	var readerPolicy, endpointPolicy, bucketPolicy string
	for _, r := range resources {
		m := r.(map[string]any)
		b, _ := json.Marshal(m["Properties"])
		switch m["Type"] {
		case "AWS::IAM::Policy":
			if strings.Contains(string(b), `"Roles":[{"Ref":"ReaderServiceRole`) {
				readerPolicy += string(b)
			}
		case "AWS::EC2::VPCEndpoint":
			endpointPolicy += string(b)
		case "AWS::S3::BucketPolicy":
			bucketPolicy += string(b)
		}
	}
	for _, c := range []struct{ where, doc, want string }{
		{"the bucket policy", bucketPolicy, `"aws:SourceVpce"`},
		{"the reader's role policy", readerPolicy, `"s3:GetObject"`},
		{"the reader's role policy", readerPolicy, `/reports/*"`},
		{"the reader's role policy", readerPolicy, `"kms:Decrypt"`},
		{"the reader's role policy", readerPolicy, `"kms:ViaService"`},
		{"the endpoint policy", endpointPolicy, `"aws:PrincipalArn":[{"Fn::GetAtt":["ReaderServiceRole`},
	} {
		if !strings.Contains(c.doc, c.want) {
			t.Errorf("%s has no %s:\n%s", c.where, c.want, c.doc)
		}
	}
}

func goCmd(t *testing.T, dir string, env []string, args ...string) string {
	cmd := exec.Command("go", args...)
	cmd.Dir = dir
	cmd.Env = env
	b, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("go %s: %v\n%s", strings.Join(args, " "), err, b)
	}
	return string(b)
}

func write(t *testing.T, path, content string) {
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestReadmeShowsTheConsumer keeps constructs/README.md's complete main.go
// the one this test builds.
func TestReadmeShowsTheConsumer(t *testing.T) {
	main, err := os.ReadFile(filepath.Join("consumer", "main.go"))
	if err != nil {
		t.Fatal(err)
	}
	readme, err := os.ReadFile(filepath.Join("..", "constructs", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(readme), "```go\n"+string(main)+"```\n") {
		t.Error("constructs/README.md does not show examples/consumer/main.go as it is: copy the file into its ```go block")
	}
}
