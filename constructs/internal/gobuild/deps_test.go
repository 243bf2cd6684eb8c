package gobuild

import (
	"os"
	"path/filepath"
	"testing"
	"time"
)

// The cached answer is reused only while nothing it depends on moved: each
// change below must make the next hash ask go list again, and see the
// change (a new import, a file that appears).
func TestCachedDepsFollowTheSources(t *testing.T) {
	t.Setenv("PRIVATES3_BUILD_CACHE", t.TempDir())
	dir := t.TempDir()
	write := func(name, content string) {
		t.Helper()
		writeFile(t, dir, name, content)
		p := filepath.Join(dir, name)
		// A second edit within the file system's timestamp resolution
		// would keep the modification time; the size changes anyway in
		// every case below, but be explicit.
		later := time.Now().Add(time.Duration(len(content)) * time.Millisecond)
		os.Chtimes(p, later, later)
	}
	write("go.mod", "module example.com/m\n")
	write("fn/main.go", "package main\nfunc main() {}\n")
	write("lib/lib.go", "package lib\n")
	entry, root := filepath.Join(dir, "fn"), dir
	names := func() []string {
		t.Helper()
		srcs, _, err := cachedDeps(entry, root)
		if err != nil {
			t.Fatal(err)
		}
		var n []string
		for _, f := range srcs {
			n = append(n, f.Name)
		}
		return n
	}
	want := func(what string, got []string, w ...string) {
		t.Helper()
		if len(got) != len(w) {
			t.Fatalf("%s: files %q, want %q", what, got, w)
		}
		for i := range w {
			if got[i] != w[i] {
				t.Fatalf("%s: files %q, want %q", what, got, w)
			}
		}
	}
	want("first", names(), "example.com/m/fn/main.go")
	want("cached", names(), "example.com/m/fn/main.go")

	// The handler starts importing another package of the module.
	write("fn/main.go", "package main\nimport _ \"example.com/m/lib\"\nfunc main() {}\n")
	want("new import", names(), "example.com/m/fn/main.go", "example.com/m/lib/lib.go")
	// A file appears in a package's folder.
	write("lib/more.go", "package lib\n")
	want("new file", names(), "example.com/m/fn/main.go", "example.com/m/lib/lib.go", "example.com/m/lib/more.go")
	// It goes again.
	if err := os.Remove(filepath.Join(dir, "lib", "more.go")); err != nil {
		t.Fatal(err)
	}
	want("removed file", names(), "example.com/m/fn/main.go", "example.com/m/lib/lib.go")
	// A build constraint excludes a file: same folder, same names, new
	// content.
	write("lib/lib.go", "//go:build ignore\n\npackage lib\n")
	write("lib/other.go", "package lib\n")
	want("constraint", names(), "example.com/m/fn/main.go", "example.com/m/lib/other.go")
}

// go.mod moving (a new requirement, a go directive) asks go list again.
func TestCachedDepsFollowGoMod(t *testing.T) {
	t.Setenv("PRIVATES3_BUILD_CACHE", t.TempDir())
	dir := t.TempDir()
	writeFile(t, dir, "fn/main.go", "package main\nfunc main() {}\n")
	writeFile(t, dir, "go.mod", "module example.com/m\n")
	if _, _, err := cachedDeps(filepath.Join(dir, "fn"), dir); err != nil {
		t.Fatal(err)
	}
	// A go.mod go list refuses: the cached answer must not hide it.
	later := time.Now().Add(time.Second)
	os.WriteFile(filepath.Join(dir, "go.mod"), []byte("module example.com/m\n\nrequire nothing/here v1.0.0\n"), 0o644)
	os.Chtimes(filepath.Join(dir, "go.mod"), later, later)
	if _, _, err := cachedDeps(filepath.Join(dir, "fn"), dir); err == nil {
		t.Error("cachedDeps after go.mod changed = nil error, want go list's (the cache was used)")
	}
}

// The real handler's answer from the cache is go list's.
func TestCachedDepsAreGoLists(t *testing.T) {
	t.Setenv("PRIVATES3_BUILD_CACHE", t.TempDir())
	entry, err := filepath.Abs("../../../lambda/uploader")
	if err != nil {
		t.Fatal(err)
	}
	root, _ := moduleRoot(entry)
	srcs, mods, err := handlerDeps(entry)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 2; i++ { // the first fills the cache, the second reads it
		s, m, err := cachedDeps(entry, root)
		if err != nil {
			t.Fatal(err)
		}
		if len(s) != len(srcs) || len(m) != len(mods) {
			t.Fatalf("run %d: %d files, %d modules; go list: %d, %d", i, len(s), len(m), len(srcs), len(mods))
		}
		for j := range s {
			if s[j] != srcs[j] {
				t.Errorf("run %d: file %d = %+v, go list %+v", i, j, s[j], srcs[j])
			}
		}
	}
}
