package functions

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// sourceHash covers only the entry directory: the handler must not import
// a package of this module from anywhere else.
func TestHandlerImportsNothingOutsideItsEntry(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", "-f", "{{if not .Standard}}{{.ImportPath}}{{end}}", "../../lambda/uploader").CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	const module = "github.com/privates3/privates3/"
	for _, p := range strings.Fields(string(out)) {
		if strings.HasPrefix(p, module) && !strings.HasPrefix(p, module+"lambda/uploader") {
			t.Errorf("the handler imports %s, outside lambda/uploader: its changes would not change the asset hash", p)
		}
	}
}

func TestSourceHashFollowsTheSources(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) {
		t.Helper()
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("go.mod", "module example.com/m\n")
	write("go.sum", "")
	write("fn/main.go", "package main\nfunc main() {}\n")
	write("fn/lib/lib.go", "package lib\n")
	entry := filepath.Join(dir, "fn")
	hash := func() string {
		t.Helper()
		h, err := computeSourceHash(entry)
		if err != nil {
			t.Fatal(err)
		}
		return h
	}
	base := hash()
	if hash() != base {
		t.Fatal("sourceHash is not stable")
	}
	write("fn/main_test.go", "package main\n")
	write("fn/testdata/x.go", "package x\n")
	write("README.md", "docs")
	if h := hash(); h != base {
		t.Error("sourceHash changed with a test file, testdata or a file outside the build")
	}
	for _, change := range []struct{ file, content string }{
		{"fn/lib/lib.go", "package lib\n// changed\n"},
		{"fn/new.go", "package main\n"},
		{"go.mod", "module example.com/m\n\ngo 1.26\n"},
	} {
		before := hash()
		write(change.file, change.content)
		if hash() == before {
			t.Errorf("sourceHash did not change when %s changed", change.file)
		}
	}
	// A module the handler does not link (the app's CDK, say) moving in
	// go.sum leaves the asset alone.
	before := hash()
	write("go.sum", "example.com/x v1.0.0 h1:abc=\n")
	if hash() != before {
		t.Error("sourceHash changed with a go.sum line of a module the handler does not link")
	}
	if _, err := computeSourceHash(filepath.Join(t.TempDir(), "nowhere")); err == nil {
		t.Error("sourceHash(missing dir) = nil error")
	}
}

// The hash covers the modules the real handler links, and only those.
func TestHandlerModulesAreTheHandlers(t *testing.T) {
	mods, err := handlerModules("../../lambda/uploader")
	if err != nil {
		t.Fatal(err)
	}
	all := strings.Join(mods, "\n")
	for _, want := range []string{"github.com/aws/aws-lambda-go v", "github.com/aws/aws-sdk-go-v2/service/s3 v"} {
		if !strings.Contains(all, want) {
			t.Errorf("handlerModules = %q, want it to hold %s", mods, want)
		}
	}
	for _, not := range []string{"aws-cdk-go", "jsii-runtime-go", "constructs-go"} {
		if strings.Contains(all, not) {
			t.Errorf("handlerModules = %q holds %s, which the handler does not link", mods, not)
		}
	}
}
