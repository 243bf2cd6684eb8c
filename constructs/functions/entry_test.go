package functions

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Built with -trimpath, runtime.Caller records an import path instead of
// this file's path; the handler is still found, through go list.
func TestHandlerDirUnderTrimpath(t *testing.T) {
	want, err := filepath.Abs("../../lambda/uploader")
	if err != nil {
		t.Fatal(err)
	}
	for _, recorded := range []string{
		"github.com/privates3/privates3/constructs/functions/entry.go",        // this module built with -trimpath
		"github.com/privates3/privates3@v1.0.0/constructs/functions/entry.go", // a dependency built with -trimpath
		"/nowhere/constructs/functions/entry.go",                              // built on another machine
	} {
		got, err := handlerDir(recorded)
		if err != nil || got != want {
			t.Errorf("handlerDir(%q) = %q, %v; want %q", recorded, got, err, want)
		}
	}
	got, err := handlerDir(filepath.Join(want, "..", "..", "constructs", "functions", "entry.go"))
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
	_, err := handlerDir("github.com/privates3/privates3/constructs/functions/entry.go")
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
	want, err := filepath.Abs("../../lambda/uploader")
	if err != nil {
		t.Fatal(err)
	}
	got, err := defaultEntry()
	if err != nil || filepath.Clean(got) != want {
		t.Errorf("defaultEntry() = %q, %v; want %q", got, err, want)
	}
}
