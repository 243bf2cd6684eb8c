package readmecmds

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

func TestFromMarkdown(t *testing.T) {
	doc := "Run `go run ./app/postdeploy --region R` (`--json` too) and `go run ./app` to synth.\n" +
		"```sh\n" +
		"npx cdk synth -c kms=true && go run ./app/accessmatrix --rows \\\n" +
		"  cdk.out/X.template.json   # one row per action\n" +
		"AWS_PROFILE=dev go run ./app/diagram -template 'my file.json'; aws s3 ls\n" +
		"# go run ./app/guardcheck is a comment here\n" +
		"```\n" +
		"```json\n" +
		"{\"x\": \"go run ./app/templatediff A B\"}\n" +
		"```\n"
	got, err := fromMarkdown("d.md", strings.NewReader(doc))
	if err != nil {
		t.Fatal(err)
	}
	want := []Command{
		{Where: "d.md:1", Text: "go run ./app/postdeploy --region R", Name: "postdeploy", Args: []string{"--region", "R"}},
		{Where: "d.md:3", Text: "go run ./app/accessmatrix --rows cdk.out/X.template.json", Name: "accessmatrix", Args: []string{"--rows", "cdk.out/X.template.json"}},
		{Where: "d.md:5", Text: "go run ./app/diagram -template my file.json", Name: "diagram", Args: []string{"-template", "my file.json"}},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("fromMarkdown =\n%+v\nwant\n%+v", got, want)
	}
}

// placeholders maps the names the docs use for "your file" to what this
// test gives, relative to the work folder; DIR is made fresh per command.
var placeholders = map[string]string{
	"FILE":              "cdk.out/PrivateS3-dev.template.json",
	"my.template.json":  "cdk.out/PrivateS3-dev.template.json",
	"NEW.template.json": "cdk.out/PrivateS3-dev.template.json",
	// The old side of a diff: the committed snapshot of the default stack.
	"OLD.template.json": "app/stack/testdata/default.template.json",
	// The fresh template written as YAML.
	"template.yaml": "template.yaml",
	"R":             "eu-west-1",
}

// stale lists documented commands known to be wrong, each with why, while
// the docs' owner fixes them; an entry no documented command matches any
// more fails the test, so the list cannot outlive the fix.
var stale = map[string]string{}

// check judges one run of a documented command: exit code and the line
// that says it did its job, by command.
var check = map[string]func(args []string, code int, stdout, stderr string) error{
	"accessmatrix": func(args []string, code int, stdout, stderr string) error {
		if code != 0 {
			return fmt.Errorf("exit %d, want 0", code)
		}
		if slices.Contains(args, "--expect") {
			if !strings.Contains(stderr, " expectation(s) of ") || !strings.Contains(stderr, " hold\n") {
				return fmt.Errorf("--expect does not say the expectations hold")
			}
			return nil
		}
		if slices.Contains(args, "--json") {
			var rows []map[string]string
			if err := json.Unmarshal([]byte(stdout), &rows); err != nil {
				return fmt.Errorf("--json printed no JSON array: %v", err)
			}
			for _, r := range rows {
				if r["function"] == "UploaderFunction79114915" && r["bucket"] == "Storage6B64FB91" && r["action"] == "s3:PutObject" && r["decision"] == "allowed" {
					return nil
				}
			}
			return fmt.Errorf("--json has no row allowing the uploader's s3:PutObject on the bucket")
		}
		if slices.Contains(args, "--rows") {
			for _, line := range strings.Split(stdout, "\n") {
				if f := strings.Fields(line); len(f) >= 7 && f[1] == "UploaderFunction79114915" && f[2] == "Storage6B64FB91" && f[3] == "s3:PutObject" && f[4] == "vpc-endpoint" && f[6] == "allowed" {
					return nil
				}
			}
			return fmt.Errorf("--rows has no row allowing the uploader's s3:PutObject on the bucket through the endpoint")
		}
		if !strings.Contains(stdout, ": bucket Storage6B64FB91\n") || !strings.Contains(stdout, "\n  UploaderFunction79114915 (vpc-endpoint ") {
			return fmt.Errorf("the summary does not judge the uploader, through the endpoint, on bucket Storage6B64FB91")
		}
		return nil
	},
	"diagram": func(args []string, code int, stdout, stderr string) error {
		if code != 0 {
			return fmt.Errorf("exit %d, want 0", code)
		}
		if slices.Contains(args, "-o") {
			if !strings.HasPrefix(stdout, "wrote ") {
				return fmt.Errorf("stdout does not say what it wrote")
			}
		} else if !strings.HasPrefix(stdout, "digraph architecture {") {
			return fmt.Errorf("stdout is not the DOT")
		}
		return nil
	},
	"templatediff": func(args []string, code int, stdout, stderr string) error {
		if code != 0 || !strings.HasPrefix(stdout, "### Template diff: ") {
			return fmt.Errorf("exit %d, want 0 and the Markdown diff", code)
		}
		return nil
	},
	"guardcheck": func(args []string, code int, stdout, stderr string) error {
		if code != 0 || !strings.HasPrefix(stdout, "### CloudFormation Guard: PASS") {
			return fmt.Errorf("exit %d, want 0 and a PASS", code)
		}
		return nil
	},
	// Without credentials (the test gives none), the check cannot run and
	// says why.
	"postdeploy": func(args []string, code int, stdout, stderr string) error {
		if code != 2 || !strings.HasPrefix(stderr, "postdeploy: no AWS credentials (") {
			return fmt.Errorf("exit %d, want 2 and the missing-credentials sentence", code)
		}
		if slices.Contains(args, "--json") && !json.Valid([]byte(stdout)) {
			return fmt.Errorf("--json printed no JSON")
		}
		return nil
	},
}

// TestDocumentedCommandsOnAFreshSynth synthesizes the default app with the
// CDK CLI, as `npm run synth` does (the CLI adds what a plain go run ./app
// lacks, such as CDK's metadata resource and its region condition), into
// the cdk.out of a work folder that mirrors the checkout, and runs every
// documented go run ./app/NAME command there, as the docs write it, with
// only the placeholders above filled in.
func TestDocumentedCommandsOnAFreshSynth(t *testing.T) {
	if testing.Short() {
		t.Skip("synthesizes the app with the CDK CLI; -short leaves it out")
	}
	root, err := filepath.Abs(filepath.Join("..", "..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	cmds, err := Commands(root)
	if err != nil {
		t.Fatal(err)
	}
	// Each review command is documented somewhere: extraction that finds
	// none of one has lost it.
	names := map[string]bool{}
	for _, c := range cmds {
		names[c.Name] = true
	}
	for name := range check {
		if !names[name] {
			t.Errorf("no Markdown file of the checkout gives a go run ./app/%s command", name)
		}
	}
	cdk := filepath.Join(root, "node_modules", ".bin", "cdk")
	if _, err := os.Stat(cdk); err != nil {
		t.Fatalf("%v: run npm ci first (the project pins the CDK CLI)", err)
	}
	work := mirror(t, root)
	tmp := filepath.Join(work, "tmp")
	if err := os.Mkdir(tmp, 0o755); err != nil {
		t.Fatal(err)
	}
	env := commandEnv(root, work, tmp)
	synth := exec.Command(cdk, "synth", "--quiet", "--no-notices", "-o", filepath.Join(work, "cdk.out"))
	synth.Dir, synth.Env = root, env
	if out, err := synth.CombinedOutput(); err != nil {
		t.Fatalf("cdk synth: %v\n%s", err, out)
	}
	writeYAML(t, filepath.Join(work, "cdk.out", "PrivateS3-dev.template.json"), filepath.Join(work, "template.yaml"))

	// go run builds what go build builds: build each command once.
	bin := filepath.Join(work, "bin")
	build := exec.Command("go", "build", "-o", bin+string(filepath.Separator))
	for name := range names {
		build.Args = append(build.Args, "./app/"+name)
	}
	build.Dir, build.Env = root, env
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	for text := range stale {
		if !slices.ContainsFunc(cmds, func(c Command) bool { return c.Text == text }) {
			t.Errorf("stale lists %q, which no doc gives any more: remove it from stale", text)
		}
	}
	seen := map[string]bool{}
	for _, c := range cmds {
		if seen[c.Text] {
			continue
		}
		seen[c.Text] = true
		t.Run(c.Where, func(t *testing.T) {
			judge := check[c.Name]
			if judge == nil {
				t.Fatalf("%s documents %q, a command this test does not know how to judge: add it to check", c.Where, c.Text)
			}
			if why, ok := stale[c.Text]; ok {
				t.Skipf("%q is known to be wrong (%s)", c.Text, why)
			}
			if slices.Contains(c.Args, "-update") {
				t.Skipf("%q rewrites the committed diagram; app/diagram's TestCommittedDiagramIsCurrent checks it", c.Text)
			}
			args := make([]string, len(c.Args))
			for i, a := range c.Args {
				args[i] = a
				if p, ok := placeholders[a]; ok {
					args[i] = p
				}
				if a == "DIR" {
					args[i] = t.TempDir()
				}
			}
			if c.Name == "diagram" && slices.Contains(args, "-o") {
				if _, err := exec.LookPath("dot"); err != nil {
					t.Skipf("%q needs Graphviz's dot, which is not installed", c.Text)
				}
			}
			cmd := exec.Command(filepath.Join(bin, c.Name), args...)
			cmd.Dir, cmd.Env = work, env
			var stdout, stderr strings.Builder
			cmd.Stdout, cmd.Stderr = &stdout, &stderr
			code := 0
			if err := cmd.Run(); err != nil {
				exit, ok := err.(*exec.ExitError)
				if !ok {
					t.Fatal(err)
				}
				code = exit.ExitCode()
			}
			if err := judge(args, code, stdout.String(), stderr.String()); err != nil {
				t.Errorf("%s: %q on a fresh synth (run as %q): %v\nstdout:\n%.2000s\nstderr:\n%.2000s", c.Where, c.Text, args, err, stdout.String(), stderr.String())
			}
		})
	}
}

// mirror makes a work folder whose entries are links to the checkout's,
// except cdk.out, which the synth writes: the commands run there find the
// project (cdk.json, app/guard, node_modules) as in the checkout, and
// cdk.out/... in the docs names the fresh synth, not the user's.
func mirror(t *testing.T, root string) string {
	t.Helper()
	work := t.TempDir()
	entries, err := os.ReadDir(root)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if e.Name() == ".git" || strings.HasPrefix(e.Name(), "cdk.out") {
			continue
		}
		if err := os.Symlink(filepath.Join(root, e.Name()), filepath.Join(work, e.Name())); err != nil {
			t.Fatal(err)
		}
	}
	return work
}

// commandEnv is the environment of the synth and the commands: the
// project's Node for jsii (as .ci/test sets it), the CDK CLI quiet and
// offline, temporary files inside the work folder, and no AWS credentials
// or configuration from this machine.
func commandEnv(root, work, tmp string) []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "AWS_") && !strings.HasPrefix(kv, "TMPDIR=") && !strings.HasPrefix(kv, "CDK_") {
			env = append(env, kv)
		}
	}
	if node := filepath.Join(root, "node_modules", ".bin", "node"); fileExists(node) {
		env = append(env, "JSII_NODE="+node)
	}
	return append(env,
		"TMPDIR="+tmp,
		"JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION=20",
		"CDK_DISABLE_CLI_TELEMETRY=1",
		"CDK_DISABLE_VERSION_CHECK=1",
		"AWS_CONFIG_FILE="+filepath.Join(work, "no-aws-config"),
		"AWS_SHARED_CREDENTIALS_FILE="+filepath.Join(work, "no-aws-credentials"),
		"AWS_EC2_METADATA_DISABLED=true",
	)
}

func fileExists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

// writeYAML writes the JSON template at from as YAML at to: the docs'
// template.yaml, with the fresh template's content.
func writeYAML(t *testing.T, from, to string) {
	t.Helper()
	data, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	out, err := yaml.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(to, out, 0o644); err != nil {
		t.Fatal(err)
	}
}
