package gobuild

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// depsProject is a module in a temporary folder whose files look written
// an hour ago, so that the cache keeps go list's answers (an answer given
// while a file was fresh is not kept: see racy below).
type depsProject struct {
	t    *testing.T
	dir  string
	tick time.Time
}

func newDepsProject(t *testing.T) *depsProject {
	t.Setenv("PRIVATES3_BUILD_CACHE", t.TempDir())
	return &depsProject{t: t, dir: t.TempDir(), tick: time.Now().Add(-time.Hour)}
}

// write writes a file and gives it, and its folder, a time of its own in
// the past, a second after the last one.
func (p *depsProject) write(name, content string) {
	p.t.Helper()
	writeFile(p.t, p.dir, name, content)
	p.touch(name)
}

func (p *depsProject) touch(name string) {
	p.tick = p.tick.Add(time.Second)
	path := filepath.Join(p.dir, name)
	os.Chtimes(path, p.tick, p.tick)
	os.Chtimes(filepath.Dir(path), p.tick, p.tick)
}

func (p *depsProject) remove(name string) {
	p.t.Helper()
	if err := os.Remove(filepath.Join(p.dir, name)); err != nil {
		p.t.Fatal(err)
	}
	p.tick = p.tick.Add(time.Second)
	os.Chtimes(filepath.Dir(filepath.Join(p.dir, name)), p.tick, p.tick)
}

// deps returns the hashed files' names for the handler in entry, and
// whether go list ran for them.
func (p *depsProject) deps(entry, root string) (string, bool) {
	p.t.Helper()
	before := goLists.Load()
	srcs, _, err := cachedDeps(filepath.Join(p.dir, entry), filepath.Join(p.dir, root))
	if err != nil {
		p.t.Fatal(err)
	}
	var n []string
	for _, f := range srcs {
		n = append(n, f.Name)
	}
	return strings.Join(n, " "), goLists.Load() != before
}

// The cached answer is reused while nothing it depends on moved, and each
// change below makes the next hash ask go list again and see the change.
func TestCachedDepsFollowTheSources(t *testing.T) {
	p := newDepsProject(t)
	p.write("go.mod", "module example.com/m\n")
	p.write("fn/main.go", "package main\nfunc main() {}\n")
	p.write("lib/lib.go", "package lib\n")
	p.write("static/a.txt", "a")
	step := func(what, want string, ran bool) {
		t.Helper()
		got, listed := p.deps("fn", "")
		if got != want || listed != ran {
			t.Errorf("%s: files %q, go list ran %v; want %q, %v", what, got, listed, want, ran)
		}
	}
	step("first", "example.com/m/fn/main.go", true)
	step("unchanged", "example.com/m/fn/main.go", false)

	p.write("fn/main.go", "package main\nimport _ \"example.com/m/lib\"\nfunc main() {}\n")
	step("a new import", "example.com/m/fn/main.go example.com/m/lib/lib.go", true)
	step("unchanged again", "example.com/m/fn/main.go example.com/m/lib/lib.go", false)
	p.write("lib/more.go", "package lib\n")
	step("a file added", "example.com/m/fn/main.go example.com/m/lib/lib.go example.com/m/lib/more.go", true)
	p.remove("lib/more.go")
	step("a file removed", "example.com/m/fn/main.go example.com/m/lib/lib.go", true)
	p.write("lib/lib.go", "//go:build ignore\n\npackage lib\n")
	p.write("lib/other.go", "package lib\n")
	step("a build constraint", "example.com/m/fn/main.go example.com/m/lib/other.go", true)
	// An embed pattern picks up a file that is not Go.
	p.write("lib/other.go", "package lib\n\nimport _ \"embed\"\n\n//go:embed *.txt\nvar s string\n")
	p.write("lib/a.txt", "a")
	step("an embedded file", "example.com/m/fn/main.go example.com/m/lib/a.txt example.com/m/lib/other.go", true)
	p.write("lib/b.txt", "b")
	step("a second file the pattern matches", "example.com/m/fn/main.go example.com/m/lib/a.txt example.com/m/lib/b.txt example.com/m/lib/other.go", true)
	step("unchanged at last", "example.com/m/fn/main.go example.com/m/lib/a.txt example.com/m/lib/b.txt example.com/m/lib/other.go", false)
}

// go.mod moving (a requirement go list refuses) asks go list again, and
// its error is not hidden by the cache.
func TestCachedDepsFollowGoMod(t *testing.T) {
	p := newDepsProject(t)
	p.write("fn/main.go", "package main\nfunc main() {}\n")
	p.write("go.mod", "module example.com/m\n")
	if _, ran := p.deps("fn", ""); !ran {
		t.Fatal("first call did not run go list")
	}
	p.write("go.mod", "module example.com/m\n\nrequire nothing/here v1.0.0\n")
	if _, _, err := cachedDeps(filepath.Join(p.dir, "fn"), p.dir); err == nil {
		t.Error("cachedDeps after go.mod changed = nil error, want go list's (the cache was used)")
	}
}

// A workspace file above the module changes what the build uses (here a
// replacement of a dependency): go names it (GOWORK), and the cache sees it.
func TestCachedDepsFollowAWorkspaceAbove(t *testing.T) {
	p := newDepsProject(t)
	t.Setenv("GOWORK", "")
	p.write("m/go.mod", "module example.com/m\n\ngo 1.26\n\nrequire example.com/lib v0.0.0\n\nreplace example.com/lib => ../lib\n")
	p.write("m/fn/main.go", "package main\nimport _ \"example.com/lib\"\nfunc main() {}\n")
	p.write("lib/go.mod", "module example.com/lib\n")
	p.write("lib/lib.go", "package lib\n")
	p.write("lib2/go.mod", "module example.com/lib\n")
	p.write("lib2/lib2.go", "package lib\n")
	if got, _ := p.deps("m/fn", "m"); got != "example.com/lib/lib.go example.com/m/fn/main.go" {
		t.Fatalf("without a workspace: %q", got)
	}
	p.write("go.work", "go 1.26\n\nuse ./m\n\nreplace example.com/lib => ./lib2\n")
	if got, ran := p.deps("m/fn", "m"); got != "example.com/lib/lib2.go example.com/m/fn/main.go" || !ran {
		t.Errorf("with a workspace above: %q, go list ran %v; want lib2's file, from go list", got, ran)
	}
}

// An answer given while a file it depends on was fresh is not kept: the
// file may change again within the same tick of its clock, or may have
// changed while go list read it.
func TestCachedDepsRacy(t *testing.T) {
	p := newDepsProject(t)
	p.write("go.mod", "module example.com/m\n")
	writeFile(t, p.dir, "fn/main.go", "package main\nfunc main() {}\n") // now
	for i := 0; i < 2; i++ {
		if _, ran := p.deps("fn", ""); !ran {
			t.Errorf("call %d took a cached answer given while main.go was fresh", i+1)
		}
	}
	p.touch("fn/main.go")
	p.deps("fn", "")
	if _, ran := p.deps("fn", ""); ran {
		t.Error("once main.go is old, the answer is still not kept")
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

// A source saved while go build runs does not leave a binary in the cache
// under a hash it does not match: the build is refused, and nothing is
// kept. The go on the PATH here edits main.go as it builds.
func TestBuildRefusedWhenSourcesMoveDuringIt(t *testing.T) {
	p := newDepsProject(t)
	p.write("go.mod", "module example.com/m\n\ngo 1.26\n")
	p.write("fn/main.go", "package main\nfunc main() {}\n")
	realGo, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go on the PATH")
	}
	bin := t.TempDir()
	wrapper := "#!/bin/sh\nif [ \"$1\" = build ]; then echo '// saved during the build' >> " + filepath.Join(p.dir, "fn", "main.go") + "; fi\nexec " + realGo + " \"$@\"\n"
	if err := os.WriteFile(filepath.Join(bin, "go"), []byte(wrapper), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", bin+string(os.PathListSeparator)+os.Getenv("PATH"))
	entry := filepath.Join(p.dir, "fn")
	hash, err := computeSourceHash(entry)
	if err != nil {
		t.Fatal(err)
	}
	_, err = bootstrapDir(entry, hash)
	if err == nil || !strings.Contains(err.Error(), "changed while it was built") {
		t.Fatalf("bootstrapDir = %v, want the build refused", err)
	}
	root, _ := cacheDir("bootstrap")
	if _, err := os.Stat(filepath.Join(root, hash)); !os.IsNotExist(err) {
		t.Errorf("a build for %s was kept (%v)", hash, err)
	}
}
