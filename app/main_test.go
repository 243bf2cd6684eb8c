package main

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"

	"github.com/privates3/privates3/app/config"
)

func TestMain(m *testing.M) {
	code := m.Run()
	jsii.Close()
	os.Exit(code)
}

func TestNoArguments(t *testing.T) {
	if err := noArguments(nil); err != nil {
		t.Errorf("noArguments(none) = %v, want nil", err)
	}
	for _, args := range [][]string{{"-c", "kms=true"}, {"--help"}, {"garbage"}} {
		err := noArguments(args)
		if err == nil {
			t.Errorf("noArguments(%q) = nil, want a refusal", args)
			continue
		}
		for _, w := range []string{"takes no arguments", "cdk.json", "npx cdk synth -c key=value", "npm run synth -- -c key=value"} {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("noArguments(%q) = %q, want it to say %q", args, err, w)
			}
		}
	}
}

// bad are bad values of every setting, as cdk.json or an environments file
// writes them (JSON types) and as -c writes them (strings).
var bad = map[string][]any{
	"endpointId":                 {"subnet-1", "vpce-", true},
	"endpointRouteTableIds":      {"subnet-1", []any{1.0}, true, "[rtb-1"},
	"prefixListId":               {"pl-", "sg-1", 1.0},
	"extraEndpointIds":           {"vpc-1", []any{"vpce-1", 2.0}, false},
	"adminRoleArns":              {"arn:aws:iam::123456789012:user/bob", []any{"arn:aws:iam::123:role/x"}, 1.0},
	"crossAccountWriterRoleArns": {"Writer", []any{"arn:aws:sts::210987654321:assumed-role/W/s"}},
	"kms":                        {"yes", 1.0, []any{true}},
	"keyPrefix":                  {"/abs", "a*", "in/../x", "", 3.0},
	"includeControl":             {"no", 0.0},
	"denyMode":                   {"some", "ALL-ACTIONS", true},
	"bucketName":                 {"Bad_Name", "ab", "192.168.1.1", "xn--bucket", "b-s3alias", 5.0},
	"reservedConcurrency":        {"0", 0.0, 2.5, "ten", -2.0, true},
	"canary":                     {"hourly", "rate(1 hours)", "cron(0 * * * ? *)", "rate(2 days)", "", true},
	"canaryTopicArn":             {"topic", "arn:aws:sqs:eu-west-1:123456789012:q", 1.0},
}

// badContextOnly are bad values of the keys only context has.
var badContextOnly = map[string][]any{
	"stage":        {"Prod!", "", strings.Repeat("a", 21), 3.0},
	"vpcId":        {"subnet-1", true},
	"environments": {"", 1.0, "no/such/environments.json"},
	"pipeline":     {"maybe", 1.0},
}

// badEnvOnly are bad values of the fields only an environment has.
var badEnvOnly = map[string][]any{
	"name":               {"Dev", "", 1.0},
	"account":            {"1234", 111111111111.0},
	"region":             {"Ireland", true},
	"vpc":                {"new", "vpc-", nil},
	"production":         {"yes"},
	"allowEndpointsOf":   {"dev", []any{1.0}},
	"deployedEndpointId": {"vpc-1", 1.0},
}

// Every bad value of every setting, given in context and in an environments
// file, stops the app with one line naming the key (or the file, entry and
// field) before any construct exists: never a construct's panic.
func TestEveryBadSettingIsOneLine(t *testing.T) {
	t.Setenv("CDK_DEFAULT_ACCOUNT", "")
	t.Setenv("CDK_DEFAULT_REGION", "")
	for _, k := range config.Keys {
		if bad[k] == nil && badContextOnly[k] == nil {
			t.Errorf("context key %q has no bad values in this test: add some", k)
		}
	}
	root := t.TempDir()
	oneLine := func(t *testing.T, err error, want ...string) {
		t.Helper()
		if err == nil {
			t.Fatalf("accepted, want one line holding %q", want)
		}
		if n := strings.Count(err.Error(), "\n") + 1; n != 1 {
			t.Errorf("got %d lines, want 1:\n%v", n, err)
		}
		for _, w := range want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%q does not hold %q", err, w)
			}
		}
	}
	file := func(t *testing.T, entry map[string]any) string {
		t.Helper()
		b, err := json.Marshal(map[string]any{"environments": []any{entry}})
		if err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(t.TempDir(), "envs.json")
		if err := os.WriteFile(path, b, 0o644); err != nil {
			t.Fatal(err)
		}
		return path
	}
	base := func() map[string]any {
		return map[string]any{"name": "dev", "account": "111111111111", "region": "eu-west-1", "vpc": "create"}
	}
	for _, set := range []map[string][]any{bad, badContextOnly} {
		for k, values := range set {
			for _, v := range values {
				t.Run("context/"+k+"="+config.ValueText(v), func(t *testing.T) {
					_, err := load(root, map[string]any{k: v})
					oneLine(t, err, "context "+config.ValueText(k))
				})
			}
		}
	}
	for _, set := range []map[string][]any{bad, badEnvOnly} {
		for k, values := range set {
			for _, v := range values {
				t.Run("file/"+k+"="+config.ValueText(v), func(t *testing.T) {
					entry := base()
					entry[k] = v
					if v == nil {
						delete(entry, k)
					}
					path := file(t, entry)
					_, err := load(root, map[string]any{"environments": path})
					oneLine(t, err, path+": environments[0]", "field "+k)
				})
			}
		}
	}
	// Keys match exactly in both places, with the same hint.
	_, err := load(root, map[string]any{"KMS": true})
	oneLine(t, err, `context "KMS" is not a key this app reads: did you mean "kms"?`)
	entry := base()
	entry["KMS"] = true
	path := file(t, entry)
	_, err = load(root, map[string]any{"environments": path})
	oneLine(t, err, path+`: environments[0] (dev): unknown field "KMS": did you mean "kms"?`)
}

// Every setting, and those the file could not take before (denyMode,
// reservedConcurrency), can be set per environment.
func TestEverySettingPerEnvironment(t *testing.T) {
	path := filepath.Join(t.TempDir(), "envs.json")
	doc := `{"environments": [{"name": "dev", "account": "111111111111", "region": "eu-west-1", "vpc": "vpc-0123456789abcdef0",
	  "endpointId": "vpce-0123456789abcdef0", "endpointRouteTableIds": ["rtb-0123456789abcdef0"], "prefixListId": "pl-6da54004",
	  "extraEndpointIds": ["vpce-0b1c2d3e4f5a6b7c8"], "adminRoleArns": ["arn:aws:iam::111111111111:role/BreakGlass"],
	  "crossAccountWriterRoleArns": ["arn:aws:iam::210987654321:role/Writer"], "kms": true, "keyPrefix": "in/",
	  "includeControl": false, "denyMode": "object-actions", "bucketName": "acme-data", "reservedConcurrency": -1}]}`
	if err := os.WriteFile(path, []byte(doc), 0o644); err != nil {
		t.Fatal(err)
	}
	s, err := load(t.TempDir(), map[string]any{"environments": path})
	if err != nil {
		t.Fatal(err)
	}
	c := s.file.Environments[0].Config(s.file.Environments)
	for _, check := range []struct {
		key       string
		got, want any
	}{
		{"endpointId", c.EndpointId, "vpce-0123456789abcdef0"},
		{"endpointRouteTableIds", strings.Join(c.EndpointRouteTableIds, ","), "rtb-0123456789abcdef0"},
		{"prefixListId", c.PrefixListId, "pl-6da54004"},
		{"extraEndpointIds", strings.Join(c.ExtraEndpointIds, ","), "vpce-0b1c2d3e4f5a6b7c8"},
		{"adminRoleArns", strings.Join(c.AdminRoleArns, ","), "arn:aws:iam::111111111111:role/BreakGlass"},
		{"crossAccountWriterRoleArns", strings.Join(c.CrossAccountWriterRoleArns, ","), "arn:aws:iam::210987654321:role/Writer"},
		{"kms", c.Kms, true},
		{"keyPrefix", c.KeyPrefix, "in/"},
		{"includeControl", c.IncludeControl, false},
		{"denyMode", string(c.DenyMode), "object-actions"},
		{"bucketName", c.BucketName, "acme-data"},
		{"reservedConcurrency", c.ReservedConcurrency, -1},
		{"vpc", c.VpcId, "vpc-0123456789abcdef0"},
	} {
		if check.got != check.want {
			t.Errorf("%s = %v, want %v", check.key, check.got, check.want)
		}
	}
}

// A stage whose lookup failed (the CLI, without credentials, answers the
// lookup with a provider error and synthesizes again; CDK then records an
// error annotation and goes on with dummy values) fails the synth with
// that error; while the lookup is still pending, the app leaves it to the
// CLI.
func TestStageWithAFailedLookupFailsTheSynth(t *testing.T) {
	root, err := config.ProjectRoot()
	if err != nil {
		t.Fatal(err)
	}
	flags, err := config.CdkJSONContext(root)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "envs.json")
	if err := os.WriteFile(path, []byte(`{"environments": [{"name": "qa", "account": "123456789012", "region": "eu-west-1", "vpc": "create", "prefixListId": "pl-6da54004"}]}`), 0o644); err != nil {
		t.Fatal(err)
	}
	const azs = "availability-zones:account=123456789012:region=eu-west-1"
	const failed = "Need to perform AWS calls for account 123456789012, but no credentials have been configured"
	app := func(lookup any) awscdk.App {
		ctx := map[string]any{"environments": path}
		for k, v := range flags {
			ctx[k] = v
		}
		if lookup != nil {
			ctx[azs] = lookup
		}
		return awscdk.NewApp(&awscdk.AppProps{Context: &ctx, Outdir: jsii.String(t.TempDir())})
	}
	if err := synthesize(app(nil), root); err != nil {
		t.Errorf("synthesize(lookup pending) = %v, want nil: the CLI looks it up and runs the app again", err)
	}
	err = synthesize(app(map[string]any{"$providerError": failed, "$dontSaveContext": true}), root)
	if err == nil || !strings.Contains(err.Error(), "the synth recorded 1 error(s)") || !strings.Contains(err.Error(), failed) || !strings.Contains(err.Error(), "/qa/") {
		t.Errorf("synthesize(lookup failed) = %v, want the stage's error", err)
	}
}

// npm run synth passes -c key=value on to cdk synth, then runs the access
// matrix and Guard; it refuses anything else before running anything, and
// stops at the first step that fails.
func TestSynthScript(t *testing.T) {
	bin := t.TempDir()
	log := filepath.Join(bin, "log")
	for _, tool := range []string{"cdk", "go"} {
		// Fails when its command line holds $FAIL.
		script := "#!/bin/sh\necho \"" + tool + " $*\" >> " + log + "\ncase \"$FAIL\" in '') ;; *) case \"" + tool + " $*\" in *\"$FAIL\"*) exit 1 ;; esac ;; esac\n"
		if err := os.WriteFile(filepath.Join(bin, tool), []byte(script), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	// synth.sh in a project of its own, whose app/run.sh stands in for
	// go run (app/run.sh's own test is TestRunScript).
	project := t.TempDir()
	script, err := os.ReadFile("synth.sh")
	if err != nil {
		t.Fatal(err)
	}
	os.MkdirAll(filepath.Join(project, "app"), 0o755)
	if err := os.WriteFile(filepath.Join(project, "app", "synth.sh"), script, 0o644); err != nil {
		t.Fatal(err)
	}
	fakeRun := "#!/bin/sh\ngo run ./$*\n"
	if err := os.WriteFile(filepath.Join(project, "app", "run.sh"), []byte(fakeRun), 0o644); err != nil {
		t.Fatal(err)
	}
	run := func(fail string, args ...string) (string, string, error) {
		os.Remove(log)
		cmd := exec.Command("sh", append([]string{filepath.Join(project, "app", "synth.sh")}, args...)...)
		cmd.Env = append(os.Environ(), "PATH="+bin+string(os.PathListSeparator)+os.Getenv("PATH"), "FAIL="+fail)
		var stderr strings.Builder
		cmd.Stderr = &stderr
		err := cmd.Run()
		b, _ := os.ReadFile(log)
		return string(b), stderr.String(), err
	}
	ran, _, err := run("", "-c", "kms=true", "--context", "stage=qa", "-c=keyPrefix=in/", "--context=extraEndpointIds=vpce-1,vpce-2")
	// The two checks run at once, so their order in the log is either.
	want := "cdk synth --no-notices --quiet --context kms=true --context stage=qa --context keyPrefix=in/ --context extraEndpointIds=vpce-1,vpce-2\n"
	checks := []string{"go run ./app/accessmatrix\ngo run ./app/guardcheck\n", "go run ./app/guardcheck\ngo run ./app/accessmatrix\n"}
	if err != nil || (ran != want+checks[0] && ran != want+checks[1]) {
		t.Errorf("synth.sh with context ran %q, %v; want %q and both checks", ran, err, want)
	}
	// Either check failing fails the synth, after both ran.
	for _, check := range []string{"accessmatrix", "guardcheck"} {
		if ran, _, err := run(check); err == nil || strings.Count(ran, "go run") != 2 {
			t.Errorf("synth.sh with %s failing ran %q, %v; want both checks run and a failure", check, ran, err)
		}
	}
	if ran, _, err := run(""); err != nil || !strings.HasPrefix(ran, "cdk synth --no-notices --quiet\n") {
		t.Errorf("synth.sh without arguments ran %q, %v; want a plain cdk synth first", ran, err)
	}
	for _, args := range [][]string{{"kms=true"}, {"-c"}, {"-c", "kms"}, {"-c", "=true"}, {"--help"}, {"-c", "kms=true", "PrivateS3-dev"}} {
		ran, stderr, err := run("", args...)
		if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 2 || ran != "" || !strings.Contains(stderr, "usage: npm run synth [-- -c key=value ...]") {
			t.Errorf("synth.sh %q ran %q, exited %v with %q; want exit 2, nothing run and the usage", args, ran, err, stderr)
		}
	}
	if ran, _, err := run("cdk synth", "-c", "kms=true"); err == nil || strings.Contains(ran, "go run") {
		t.Errorf("synth.sh with a failing synth ran %q, %v; want a failure and no checks", ran, err)
	}
}

// app/run.sh runs a command of the project from a binary it builds once and
// keeps until something it is built from changes: a Go file (or a folder,
// for a file added or removed), go.mod, GOFLAGS. A test file or a Markdown
// file does not rebuild it. Bad arguments are refused with a sentence.
func TestRunScript(t *testing.T) {
	project := t.TempDir()
	// write sets the file's time, and its folder's as adding or removing
	// a file would.
	write := func(name, content string, age time.Duration) {
		t.Helper()
		p := filepath.Join(project, name)
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		when := time.Now().Add(age)
		os.Chtimes(p, when, when)
		os.Chtimes(filepath.Dir(p), when, when)
	}
	// edit changes a file in place: its folder keeps its time.
	edit := func(name, content string, age time.Duration) {
		t.Helper()
		p := filepath.Join(project, name)
		dir, err := os.Stat(filepath.Dir(p))
		if err != nil {
			t.Fatal(err)
		}
		write(name, content, age)
		os.Chtimes(filepath.Dir(p), dir.ModTime(), dir.ModTime())
	}
	script, err := os.ReadFile("run.sh")
	if err != nil {
		t.Fatal(err)
	}
	past := -time.Hour
	write("app/run.sh", string(script), past)
	write("go.mod", "module example.com/p\n\ngo 1.26\n", past)
	write("app/hello/main_test.go", "package main\n", past)
	write("app/hello/README.md", "docs", past)
	write("app/hello/main.go", "package main\n\nimport (\n\t\"fmt\"\n\t\"os\"\n)\n\nfunc main() { wd, _ := os.Getwd(); fmt.Println(\"v1\", os.Args[1:], wd) }\n", past)
	for _, d := range []string{"app", "app/hello", "constructs", "lambda", ""} {
		os.MkdirAll(filepath.Join(project, d), 0o755)
		os.Chtimes(filepath.Join(project, d), time.Now().Add(past), time.Now().Add(past))
	}
	bin := filepath.Join(project, ".cache", "bin", "app_hello")
	caller := t.TempDir()
	run := func(env []string, args ...string) (string, string, error) {
		t.Helper()
		cmd := exec.Command("sh", append([]string{filepath.Join(project, "app", "run.sh")}, args...)...)
		cmd.Dir = caller
		cmd.Env = append(os.Environ(), env...)
		var stdout, stderr strings.Builder
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		err := cmd.Run()
		return stdout.String(), stderr.String(), err
	}
	built := func() time.Time {
		t.Helper()
		st, err := os.Stat(bin)
		if err != nil {
			t.Fatalf("no binary: %v", err)
		}
		return st.ModTime()
	}
	out, stderr, err := run(nil, "app/hello", "-x", "a b")
	if err != nil || out != "v1 [-x a b] "+caller+"\n" {
		t.Fatalf("first run: %q, %q, %v; want the command's output, its arguments, the caller's folder", out, stderr, err)
	}
	first := built()
	if out, _, err := run(nil, "app/hello/"); err != nil || built() != first || !strings.HasPrefix(out, "v1") {
		t.Errorf("unchanged sources: %q, %v, rebuilt %v; want the same binary", out, err, built() != first)
	}
	edit("app/hello/main_test.go", "package main\n\n// edited\n", time.Hour)
	edit("app/hello/README.md", "more docs", time.Hour)
	if _, _, err := run(nil, "app/hello"); err != nil || built() != first {
		t.Errorf("editing a test file and a Markdown file rebuilt it (%v)", err)
	}
	edit("app/hello/main.go", "package main\n\nimport \"fmt\"\n\nfunc main() { fmt.Println(\"v2\") }\n", time.Hour)
	if out, _, err := run(nil, "app/hello"); err != nil || out != "v2\n" {
		t.Errorf("after an edit: %q, %v; want the rebuilt v2", out, err)
	}
	second := built()
	write("app/hello/extra.go", "package main\n\nfunc init() { println(\"extra\") }\n", 2*time.Hour)
	if _, stderr, err := run(nil, "app/hello"); err != nil || stderr != "extra\n" {
		t.Errorf("after a file was added: stderr %q, %v; want it built in", stderr, err)
	}
	os.Remove(filepath.Join(project, "app/hello/extra.go"))
	when := time.Now().Add(3 * time.Hour)
	os.Chtimes(filepath.Join(project, "app/hello"), when, when)
	if _, stderr, err := run(nil, "app/hello"); err != nil || stderr != "" {
		t.Errorf("after a file was removed: stderr %q, %v; want it gone from the build", stderr, err)
	}
	third := built()
	if _, _, err := run([]string{"GOFLAGS=-trimpath"}, "app/hello"); err != nil || built() == third {
		t.Errorf("GOFLAGS changed, rebuilt %v (%v); want a rebuild", built() != third, err)
	}
	if second == first {
		t.Error("the edit did not rebuild")
	}
	for _, c := range []struct {
		args []string
		want string
	}{
		{nil, "usage: sh app/run.sh PACKAGE"},
		{[]string{"lambda/uploader"}, `"lambda/uploader" is not a command of this project`},
		{[]string{"app/nope"}, "app/nope does not exist"},
	} {
		_, stderr, err := run(nil, c.args...)
		if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 2 || !strings.Contains(stderr, c.want) {
			t.Errorf("run.sh %q: %q, %v; want exit 2 and %q", c.args, stderr, err, c.want)
		}
	}
	// A build error is go build's, and leaves no binary behind.
	write("app/broken/main.go", "package main\n\nfunc main() { undefined() }\n", 0)
	if _, stderr, err := run(nil, "app/broken"); err == nil || !strings.Contains(stderr, "undefined") {
		t.Errorf("broken package: %q, %v; want go build's error", stderr, err)
	}
	if m, _ := filepath.Glob(filepath.Join(project, ".cache", "bin", "app_broken*")); len(m) != 0 {
		t.Errorf("a failed build left %q", m)
	}
}
