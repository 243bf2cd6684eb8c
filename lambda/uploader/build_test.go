package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/privates3/privates3/lambda/uploader/contract"
)

// maxBootstrapBytes is the size budget of the deployed binary.
const maxBootstrapBytes = 10 << 20

// TestBootstrapReproducible builds the bootstrap exactly as the functions
// construct does (contract.BuildFlags and BuildEnv), twice, into
// different folders: the bytes must match, or every synth gets a new asset
// hash and a needless deployment. The asset's hash is the sources' hash
// (constructs/internal/gobuild/hash.go), so a build on another machine or
// checkout must give the same bytes too: the binary must hold no path of
// this one (the module's folder, GOROOT, the module cache), which is what
// -trimpath ensures and what differs between machines.
//
// With PRIVATES3_CLEAN_BUILD=1 (set by .ci/run, so CI runs it) the second
// build uses an empty build cache: a clean compile of the SDK for arm64,
// minutes of CPU on two cores, too slow for every npm test. It adds the
// compiler's own determinism, which Go's release process verifies.
func TestBootstrapReproducible(t *testing.T) {
	a := buildBootstrap(t, t.TempDir(), "")
	secondCache := ""
	if os.Getenv("PRIVATES3_CLEAN_BUILD") == "1" {
		secondCache = t.TempDir()
	} else {
		t.Log("second build uses the shared build cache; PRIVATES3_CLEAN_BUILD=1 makes it a clean compile")
	}
	b := buildBootstrap(t, t.TempDir(), secondCache)
	if !bytes.Equal(a, b) {
		t.Fatalf("two builds of the bootstrap differ (%d and %d bytes): the asset hash would change on every synth", len(a), len(b))
	}
	for _, name := range []string{"GOMOD", "GOROOT", "GOMODCACHE"} {
		dir := goEnv(t, name)
		if name == "GOMOD" {
			dir = filepath.Dir(dir)
		}
		if bytes.Contains(a, []byte(dir)) {
			t.Errorf("the bootstrap holds this machine's %s path %s: another machine would build other bytes under the same asset hash (is -trimpath in contract.BuildFlags?)", name, dir)
		}
	}
	if len(a) > maxBootstrapBytes {
		t.Errorf("bootstrap is %d bytes, want at most %d", len(a), maxBootstrapBytes)
	}
	t.Logf("bootstrap: %d bytes, identical across builds", len(a))
}

func goEnv(t *testing.T, name string) string {
	t.Helper()
	out, err := exec.Command("go", "env", name).Output()
	if err != nil {
		t.Fatalf("go env %s: %v", name, err)
	}
	v := string(bytes.TrimSpace(out))
	if v == "" || !filepath.IsAbs(v) {
		t.Fatalf("go env %s = %q, want an absolute path", name, v)
	}
	return v
}

func buildBootstrap(t *testing.T, outDir, gocache string) []byte {
	t.Helper()
	out := filepath.Join(outDir, "bootstrap")
	cmd := exec.Command("go", append(append([]string{"build"}, contract.BuildFlags...), "-o", out, ".")...)
	cmd.Env = append(os.Environ(), contract.BuildEnv...)
	if gocache != "" {
		cmd.Env = append(cmd.Env, "GOCACHE="+gocache)
	}
	if msg, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, msg)
	}
	data, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	return data
}
