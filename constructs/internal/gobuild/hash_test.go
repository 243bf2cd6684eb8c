package gobuild

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestSourceHashFollowsTheSources(t *testing.T) {
	t.Setenv("PRIVATES3_BUILD_CACHE", t.TempDir()) // go list's answers are cached there
	dir := t.TempDir()
	write := func(name, content string) { t.Helper(); writeFile(t, dir, name, content) }
	write("go.mod", "module example.com/m\n")
	write("go.sum", "")
	write("fn/main.go", "package main\nimport _ \"example.com/m/fn/lib\"\nimport _ \"example.com/m/shared\"\nfunc main() {}\n")
	write("fn/lib/lib.go", "package lib\n")
	write("shared/shared.go", "package shared\n")
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
	write("fn/unused/unused.go", "package unused\n")
	write("fn/arm_only_amd64.go", "package main\n")
	write("README.md", "docs")
	if h := hash(); h != base {
		t.Error("sourceHash changed with a test file, testdata, a package the handler does not import, a file for another architecture or a file outside the build")
	}
	for _, change := range []struct{ file, content string }{
		{"fn/lib/lib.go", "package lib\n// changed\n"},
		{"fn/new.go", "package main\n"},
		{"shared/shared.go", "package shared\n// a package of the module outside the entry, which the handler imports\n"},
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
	// The same sources in another folder hash the same: files are named by
	// import path.
	other := t.TempDir()
	if err := os.CopyFS(other, os.DirFS(dir)); err != nil {
		t.Fatal(err)
	}
	if h, err := computeSourceHash(filepath.Join(other, "fn")); err != nil || h != hash() {
		t.Errorf("sourceHash in another folder = %q, %v; want %q", h, err, hash())
	}
	if _, err := computeSourceHash(filepath.Join(t.TempDir(), "nowhere")); err == nil {
		t.Error("sourceHash(missing dir) = nil error")
	}
}

// A module replaced by a directory (a consumer's replace to a clone of
// this one) has no version to stand for its files, so its files are hashed.
func TestSourceHashFollowsAReplacedDirectory(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) { t.Helper(); writeFile(t, dir, name, content) }
	write("lib/go.mod", "module example.com/lib\n")
	write("lib/fn/main.go", "package main\nimport _ \"example.com/lib/x\"\nfunc main() {}\n")
	write("lib/x/x.go", "package x\n")
	write("app/go.mod", "module example.com/app\n\nrequire example.com/lib v0.0.0\n\nreplace example.com/lib => ../lib\n")
	write("app/tools.go", "package app\nimport _ \"example.com/lib/x\"\n")
	// Hashed as the consumer sees it: from its module, through the replace.
	srcs, mods, err := handlerDeps(filepath.Join(dir, "app"))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, f := range srcs {
		names = append(names, f.Name)
	}
	if got := strings.Join(names, " "); got != "example.com/app/tools.go example.com/lib/x/x.go" {
		t.Errorf("handlerDeps files = %q, want the app's own and the replaced module's", got)
	}
	if len(mods) != 0 {
		t.Errorf("handlerDeps modules = %q, want none: the replaced module is hashed by its files", mods)
	}
}

// The hash covers the modules the real handler links, and only those.
func TestHandlerDepsAreTheHandlers(t *testing.T) {
	_, mods, err := handlerDeps("../../../lambda/uploader")
	if err != nil {
		t.Fatal(err)
	}
	all := strings.Join(mods, "\n")
	for _, want := range []string{"github.com/aws/aws-lambda-go v", "github.com/aws/aws-sdk-go-v2/service/s3 v"} {
		if !strings.Contains(all, want) {
			t.Errorf("handlerDeps = %q, want it to hold %s", mods, want)
		}
	}
	for _, not := range []string{"aws-cdk-go", "jsii-runtime-go", "constructs-go"} {
		if strings.Contains(all, not) {
			t.Errorf("handlerDeps = %q holds %s, which the handler does not link", mods, not)
		}
	}
}

// writeFile writes content to dir/name, creating its folders.
func writeFile(t *testing.T, dir, name, content string) {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}
