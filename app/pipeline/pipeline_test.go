package pipeline

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/jsii-runtime-go"
)

func TestEnabled(t *testing.T) {
	for _, tc := range []struct {
		v       any
		want    bool
		wantErr bool
	}{
		{nil, false, false},
		{true, true, false},
		{false, false, false},
		{"true", true, false},
		{"false", false, false},
		{"yes", false, true},
		{"True", false, true},
		{1.0, false, true},
	} {
		got, err := Enabled(tc.v)
		if got != tc.want || (err != nil) != tc.wantErr {
			t.Errorf("Enabled(%#v) = %v, %v; want %v, error %v", tc.v, got, err, tc.want, tc.wantErr)
		}
		if err != nil && !strings.Contains(err.Error(), `"pipeline"`) {
			t.Errorf("Enabled(%#v) error %q does not name the key", tc.v, err)
		}
	}
}

// The synth step reads the environments file from the repository, and
// names it in a shell command: a file outside the project, or a name the
// shell would read differently, is refused before any construct exists.
func TestNewRefusesFilesTheSynthStepCannotRead(t *testing.T) {
	for _, file := range []string{"../elsewhere/environments.json", "/etc/environments.json", "my environments.json", "envs;rm -rf .json", ".."} {
		_, err := New(nil, Props{File: file, Root: t.TempDir()})
		if err == nil || !strings.Contains(err.Error(), "inside the project") {
			t.Errorf("New(File %q) = %v, want a refusal saying it must be inside the project", file, err)
		}
	}
}

// The synth step's Go is go.mod's, the self-mutation's CLI package.json's.
func TestVersionsComeFromTheProject(t *testing.T) {
	root := filepath.Join("..", "..")
	goV, err := goRuntime(root)
	if err != nil || !strings.HasPrefix(goV, "1.") || strings.Count(goV, ".") != 1 {
		t.Errorf("goRuntime(project) = %q, %v; want major.minor of go.mod's go directive", goV, err)
	}
	cli, err := cliVersion(root)
	if err != nil || strings.Count(cli, ".") != 2 || !strings.HasPrefix(cli, "2.") {
		t.Errorf("cliVersion(project) = %q, %v; want package.json's exact aws-cdk 2.x", cli, err)
	}

	dir := t.TempDir()
	write := func(name, body string) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("go.mod", "module x\n\ngo 1.27.3\n")
	if v, err := goRuntime(dir); v != "1.27" || err != nil {
		t.Errorf("goRuntime(go 1.27.3) = %q, %v; want 1.27", v, err)
	}
	write("go.mod", "module x\n")
	if _, err := goRuntime(dir); err == nil || !strings.Contains(err.Error(), "go directive") {
		t.Errorf("goRuntime(no go directive) = %v, want the directive named", err)
	}
	write("package.json", `{"devDependencies": {"aws-cdk": "^2.1148.1"}}`)
	if _, err := cliVersion(dir); err == nil || !strings.Contains(err.Error(), "exact version") {
		t.Errorf("cliVersion(^2.1148.1) = %v, want a request for an exact version", err)
	}
}

func TestSynthCommands(t *testing.T) {
	got := strings.Join(SynthCommands("examples/pipeline.json"), "\n")
	for _, want := range []string{
		"npm ci\n",
		"synth --quiet -c environments=examples/pipeline.json -c pipeline=true\n",
		"go run ./app/accessmatrix " + StageTemplates + "\n",
		"go run ./app/guardcheck -allow-unused " + StageTemplates + "\n",
		"-o postdeploy-bin/postdeploy ./app/postdeploy",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("SynthCommands lack %q:\n%s", want, got)
		}
	}
}

func TestMain(m *testing.M) {
	code := m.Run()
	// The CDK packages this one imports start jsii's client as they
	// initialize, which leaves its files in $TMPDIR unless closed.
	jsii.Close()
	os.Exit(code)
}
