package main

import (
	"bytes"
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/privates3/privates3/app/diagram/architecture"
)

var update = flag.Bool("update", false, "regenerate the committed diagram (needs Graphviz), as go run ./app/diagram -update does")

// TestCommittedDiagramIsCurrent is the check that the committed diagram
// matches the template: the DOT is regenerated from app/stack's snapshot
// (which app/stack's tests keep equal to a fresh synth) and compared byte
// for byte, and the SVG must carry that DOT's hash. Neither needs Graphviz.
func TestCommittedDiagramIsCurrent(t *testing.T) {
	if *update {
		if code, _, stderr := runCmd(t, "-update"); code != 0 {
			t.Fatalf("regenerating the diagram: %s", stderr)
		}
	}
	fresh, err := Generate(filepath.Join("..", "..", defaultTemplate), defaultTemplate, architecture.Options{Action: "s3:PutObject"})
	if err != nil {
		t.Fatal(err)
	}
	committed, err := os.ReadFile(dotFile)
	if err != nil {
		t.Fatalf("%v: generate it with %s (needs Graphviz)", err, regenerate)
	}
	if !bytes.Equal(fresh, committed) {
		t.Errorf("app/diagram/%s no longer matches %s: regenerate with %s (needs Graphviz) and commit both files", dotFile, defaultTemplate, regenerate)
	}
	svg, err := os.ReadFile(svgFile)
	if err != nil {
		t.Fatalf("%v: generate it with %s (needs Graphviz)", err, regenerate)
	}
	got, err := SVGHash(svg)
	if err != nil {
		t.Fatalf("app/diagram/%s: %v", svgFile, err)
	}
	if want := DOTHash(committed); got != want {
		t.Errorf("app/diagram/%s was rendered from another DOT (hash %s, %s has %s): regenerate with %s", svgFile, got, dotFile, want, regenerate)
	}
}

func TestStampSVG(t *testing.T) {
	dot := []byte("digraph g {}\n")
	hash := DOTHash(dot)
	for _, tc := range []struct {
		name, svg, wantPrefix string
	}{
		{"after the XML declaration", "<?xml version=\"1.0\"?>\n<svg/>", "<?xml version=\"1.0\"?>\n" + hashPrefix + hash + " -->\n<svg/>"},
		{"no declaration", "<svg/>", hashPrefix + hash + " -->\n<svg/>"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := StampSVG([]byte(tc.svg), dot)
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != tc.wantPrefix {
				t.Errorf("StampSVG(%q) = %q, want %q", tc.svg, got, tc.wantPrefix)
			}
			if h, err := SVGHash(got); err != nil || h != hash {
				t.Errorf("SVGHash(stamped) = %q, %v; want %q", h, err, hash)
			}
		})
	}
	for _, tc := range []struct{ name, svg, want string }{
		{"not SVG", "<html/>", "not an SVG document"},
		{"unterminated declaration", "<?xml version=\"1.0\"", "unterminated XML declaration"},
		{"stamped twice", hashPrefix + hash + " -->\n<svg/>", "already carries"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := StampSVG([]byte(tc.svg), dot); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("StampSVG(%q) error = %v, want %q", tc.svg, err, tc.want)
			}
		})
	}
}

func TestSVGHashErrors(t *testing.T) {
	for _, tc := range []struct{ name, svg, want string }{
		{"none", "<svg/>", "carries no DOT hash"},
		{"short", hashPrefix + "abc -->", "malformed"},
		{"unterminated", hashPrefix + strings.Repeat("a", 64), "malformed"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := SVGHash([]byte(tc.svg)); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("SVGHash(%q) error = %v, want %q", tc.svg, err, tc.want)
			}
		})
	}
}

func runCmd(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	code = run(args, &out, &errb)
	return code, out.String(), errb.String()
}

func TestStdoutIsTheDOT(t *testing.T) {
	code, out, stderr := runCmd(t)
	if code != 0 {
		t.Fatalf("run() = %d, stderr %s", code, stderr)
	}
	committed, err := os.ReadFile(dotFile)
	if err != nil {
		t.Fatal(err)
	}
	if out != string(committed) {
		t.Error("run() with no flags printed something other than the committed DOT")
	}
	code, out, _ = runCmd(t, "-template", "architecture/testdata/mixed-subnets.template.json")
	if code != 0 || !strings.Contains(out, "Generated from architecture/testdata/mixed-subnets.template.json by go run ./app/diagram -template") {
		t.Errorf("run(-template) = %d, caption missing from:\n%s", code, out)
	}
}

func TestUsageAndInputErrors(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.json")
	if err := os.WriteFile(bad, []byte(`{"Resources": [}`), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		args []string
		code int
		want string
	}{
		{"unknown flag", []string{"-x"}, 2, "flag provided but not defined"},
		{"argument", []string{"t.json"}, 2, `unexpected argument "t.json"`},
		{"update with -o", []string{"-update", "-o", dir}, 2, "cannot be combined"},
		{"update with -template", []string{"-update", "-template", bad}, 2, "cannot be combined"},
		{"missing template", []string{"-template", filepath.Join(dir, "nope.json")}, 1, "read template"},
		{"invalid JSON", []string{"-template", bad}, 1, "bad.json: invalid JSON"},
		{"bad action", []string{"-action", "s3"}, 1, `action "s3"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, _, stderr := runCmd(t, tc.args...)
			if code != tc.code || !strings.Contains(stderr, tc.want) {
				t.Errorf("run(%q) = %d, stderr %q; want %d and %q", tc.args, code, stderr, tc.code, tc.want)
			}
		})
	}
}

// Without Graphviz, writing the diagram fails before any file is written
// and says how to install it.
func TestMissingGraphviz(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	out := filepath.Join(t.TempDir(), "out")
	code, _, stderr := runCmd(t, "-o", out, "-template", "architecture/testdata/mixed-subnets.template.json")
	if code != 1 || !strings.Contains(stderr, "apt-get install graphviz") {
		t.Errorf("run(-o) without dot = %d, %q; want 1 and the install hint", code, stderr)
	}
	if _, err := os.Stat(out); !os.IsNotExist(err) {
		t.Errorf("%s exists after a failed run (err %v): a DOT without its SVG was written", out, err)
	}
}

// TestRenderWithGraphviz runs only where Graphviz is installed: CI
// machines need not have it, and the committed-diagram check above does
// not need it.
func TestRenderWithGraphviz(t *testing.T) {
	if _, err := exec.LookPath("dot"); err != nil {
		t.Skip("Graphviz's dot is not installed")
	}
	out := t.TempDir()
	code, stdout, stderr := runCmd(t, "-o", out, "-template", "architecture/testdata/four-subnets-private.template.json")
	if code != 0 {
		t.Fatalf("run(-o) = %d, stderr %s", code, stderr)
	}
	if !strings.Contains(stdout, "wrote ") {
		t.Errorf("stdout = %q, want the files written", stdout)
	}
	dot, err := os.ReadFile(filepath.Join(out, dotFile))
	if err != nil {
		t.Fatal(err)
	}
	svg, err := os.ReadFile(filepath.Join(out, svgFile))
	if err != nil {
		t.Fatal(err)
	}
	if h, err := SVGHash(svg); err != nil || h != DOTHash(dot) {
		t.Errorf("SVGHash = %q, %v; want %s", h, err, DOTHash(dot))
	}
	// Graphviz writes each node's id as its SVG title.
	for _, id := range []string{"EndpointFunction", "S3Endpoint", "NatGateway", "Data"} {
		if !bytes.Contains(svg, []byte("<title>"+id+"</title>")) {
			t.Errorf("SVG has no node %s", id)
		}
	}
}

func TestRepoRoot(t *testing.T) {
	root, err := repoRoot()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(root, defaultTemplate)); err != nil {
		t.Errorf("repoRoot() = %s, which lacks %s: %v", root, defaultTemplate, err)
	}
	t.Chdir(t.TempDir())
	if _, err := repoRoot(); err == nil || !strings.Contains(err.Error(), "not inside the") {
		t.Errorf("repoRoot() outside the checkout error = %v, want 'not inside the'", err)
	}
	// And the command says so instead of guessing a path.
	code, _, stderr := runCmd(t)
	if code != 1 || !strings.Contains(stderr, "pass -template and -o") {
		t.Errorf("run() outside the checkout = %d, %q", code, stderr)
	}
}

func TestModulePath(t *testing.T) {
	for in, want := range map[string]string{
		"module github.com/privates3/privates3\n\ngo 1.26\n": module,
		"// c\nmodule \"example.com/x\"\n":                   "example.com/x",
		"go 1.26\n":                                          "",
	} {
		if got := modulePath([]byte(in)); got != want {
			t.Errorf("modulePath(%q) = %q, want %q", in, got, want)
		}
	}
}

// A template as a synth writes it, a drawn function depending on the
// region: the region from -set, or from the manifest beside the template
// (a stage with an environment), decides it; without either the command
// says which condition needs which value. The caption's command
// regenerates the same picture.
func TestSetAndManifest(t *testing.T) {
	dir := t.TempDir()
	src, err := os.ReadFile(filepath.Join("architecture", "testdata", "mixed-subnets.template.json"))
	if err != nil {
		t.Fatal(err)
	}
	doc := strings.Replace(string(src), `"Resources": {`, `"Conditions": {"InEU": {"Fn::Equals": [{"Ref": "AWS::Region"}, "eu-west-1"]}}, "Resources": {`, 1)
	doc = strings.Replace(doc, `"EndpointAndNatFunction": {`, `"EndpointAndNatFunction": {"Condition": "InEU",`, 1)
	tmpl := filepath.Join(dir, "S.template.json")
	if err := os.WriteFile(tmpl, []byte(doc), 0o644); err != nil {
		t.Fatal(err)
	}
	const drawnFn = `"EndpointAndNatFunction" [`
	code, _, stderr := runCmd(t, "-template", tmpl)
	if code != 1 || !strings.Contains(stderr, `resource EndpointAndNatFunction: property Condition: condition "InEU" cannot be decided offline`) || !strings.Contains(stderr, "--set AWS::Region=") {
		t.Errorf("run(-template) without the region = %d, %q; want 1, the condition and the flag that decides it", code, stderr)
	}
	code, _, stderr = runCmd(t, "-template", tmpl, "-set", "AWS::Region")
	if code != 2 || !strings.Contains(stderr, `diagram: --set "AWS::Region": want NAME=VALUE`) {
		t.Errorf("run(-set AWS::Region) = %d, %q; want 2 and the form", code, stderr)
	}
	code, out, stderr := runCmd(t, "-template", tmpl, "-set", "AWS::Region=eu-west-1", "-set", "AWS::AccountId=111111111111")
	if code != 0 || !strings.Contains(out, drawnFn) || !strings.Contains(out, "by go run ./app/diagram -template "+tmpl+" -set AWS::AccountId=111111111111 -set AWS::Region=eu-west-1;") {
		t.Errorf("run(-set ...) = %d, stderr %q; want the function drawn and the caption to give both values:\n%s", code, stderr, out)
	}
	if code, out, _ = runCmd(t, "-template", tmpl, "-set", "AWS::Region=us-east-1"); code != 0 || strings.Contains(out, drawnFn) {
		t.Errorf("run(-set AWS::Region=us-east-1) = %d; want the function of eu-west-1 left out:\n%s", code, out)
	}
	manifest := `{"version":"53.0.0","artifacts":{"S":{"type":"aws:cloudformation:stack","environment":"aws://111111111111/eu-west-1","properties":{"templateFile":"S.template.json"}}}}`
	if err := os.WriteFile(filepath.Join(dir, "manifest.json"), []byte(manifest), 0o644); err != nil {
		t.Fatal(err)
	}
	if code, out, stderr = runCmd(t, "-template", tmpl); code != 0 || !strings.Contains(out, drawnFn) {
		t.Errorf("run(-template) beside a manifest in eu-west-1 = %d, %q; want the function drawn", code, stderr)
	}
	code, _, stderr = runCmd(t, "-update", "-set", "AWS::Region=eu-west-1")
	if code != 2 || !strings.Contains(stderr, "cannot be combined with -o, -template or -set") {
		t.Errorf("run(-update -set) = %d, %q; want 2", code, stderr)
	}
	if err := os.WriteFile(filepath.Join(dir, "foo.json"), []byte(`{"foo":1}`), 0o644); err != nil {
		t.Fatal(err)
	}
	code, _, stderr = runCmd(t, "-template", filepath.Join(dir, "foo.json"))
	if code != 1 || !strings.Contains(stderr, "is not a CloudFormation template") {
		t.Errorf("run(-template {\"foo\":1}) = %d, %q; want 1 and the sentence", code, stderr)
	}
}
