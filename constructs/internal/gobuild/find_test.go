package gobuild

import (
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"
	"testing"
)

// Built with -trimpath, runtime.Caller records an import path instead of
// this file's path; the handler is still found, through go list.
func TestHandlerDirUnderTrimpath(t *testing.T) {
	want, err := filepath.Abs("../../../lambda/uploader")
	if err != nil {
		t.Fatal(err)
	}
	for _, recorded := range []string{
		"github.com/privates3/privates3/constructs/internal/gobuild/find.go",        // this module built with -trimpath
		"github.com/privates3/privates3@v1.0.0/constructs/internal/gobuild/find.go", // a dependency built with -trimpath
		"/nowhere/constructs/internal/gobuild/find.go",                              // built on another machine
	} {
		got, err := handlerDir(recorded, "uploader")
		if err != nil || got != want {
			t.Errorf("handlerDir(%q) = %q, %v; want %q", recorded, got, err, want)
		}
	}
	got, err := handlerDir(filepath.Join(want, "..", "..", "constructs", "internal", "gobuild", "find.go"), "uploader")
	if err != nil || filepath.Clean(got) != want {
		t.Errorf("handlerDir(this file) = %q, %v; want %q", got, err, want)
	}
}

// Outside any module that has the handler, the error says Entry is nil (it
// is), why the handler was not found, and the two ways out.
func TestHandlerDirNotFound(t *testing.T) {
	t.Chdir(t.TempDir())
	t.Setenv("GOFLAGS", "")
	t.Setenv("GOWORK", "off")
	_, err := handlerDir("github.com/privates3/privates3/constructs/internal/gobuild/find.go", "uploader")
	if err == nil {
		t.Fatal("handlerDir outside any module = nil error")
	}
	for _, want := range []string{"Entry is nil", "github.com/privates3/privates3/lambda/uploader", "-trimpath", "go.mod", "inside the Go module of your app", "set Entry"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not hold %q", err, want)
		}
	}
	if strings.Contains(err.Error(), "leave it nil") {
		t.Errorf("error %q tells to leave Entry nil, which it is", err)
	}
	if _, err := os.Stat("go.mod"); err == nil {
		t.Fatal("the test ran inside a module")
	}
}

// The default entry is found however this test binary was built (go test
// -trimpath ./constructs/functions exercises the go list path).
func TestDefaultEntry(t *testing.T) {
	want, err := filepath.Abs("../../../lambda/uploader")
	if err != nil {
		t.Fatal(err)
	}
	got, err := Default("uploader")
	if err != nil || filepath.Clean(got) != want {
		t.Errorf("Default(uploader) = %q, %v; want %q", got, err, want)
	}
}

// A binary built with -trimpath finds this module through its build
// information: a replace directive's directory, or the module cache's copy
// of the version it was built with.
func TestModuleDir(t *testing.T) {
	const mod = "github.com/privates3/privates3"
	cache := func() string { return "/cache" }
	for name, c := range map[string]struct {
		deps []*debug.Module
		want string
	}{
		"a version":            {[]*debug.Module{{Path: "other/x", Version: "v1.0.0"}, {Path: mod, Version: "v1.2.3"}}, "/cache/github.com/privates3/privates3@v1.2.3"},
		"replaced by a folder": {[]*debug.Module{{Path: mod, Version: "v0.0.0", Replace: &debug.Module{Path: "/src/privates3"}}}, "/src/privates3"},
		"replaced relatively":  {[]*debug.Module{{Path: mod, Version: "v0.0.0", Replace: &debug.Module{Path: "../privates3"}}}, ""},
		"replaced by a fork":   {[]*debug.Module{{Path: mod, Version: "v1.0.0", Replace: &debug.Module{Path: "github.com/Fork/privates3", Version: "v1.0.1"}}}, "/cache/github.com/!fork/privates3@v1.0.1"},
		"not a dependency":     {[]*debug.Module{{Path: "other/x", Version: "v1.0.0"}}, ""},
	} {
		if got := moduleDir(&debug.BuildInfo{Deps: c.deps}, mod, cache); got != c.want {
			t.Errorf("%s: moduleDir = %q, want %q", name, got, c.want)
		}
	}
}
