package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// maxBootstrapBytes is the size budget of the deployed binary.
const maxBootstrapBytes = 10 << 20

// TestBootstrapReproducible builds the bootstrap exactly as the CDK
// GoFunction does, twice: once with the shared build cache and once with an
// empty one in another directory, so the second is a clean compile. The
// bytes must match, or every synth gets a new asset hash and a needless
// deployment. Skipped under -short (the clean compile takes a while).
func TestBootstrapReproducible(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the bootstrap twice from scratch; skipped under -short")
	}
	a := buildBootstrap(t, t.TempDir(), "")
	b := buildBootstrap(t, t.TempDir(), t.TempDir())
	if !bytes.Equal(a, b) {
		t.Fatalf("two builds of the bootstrap differ (%d and %d bytes): the asset hash would change on every synth", len(a), len(b))
	}
	if len(a) > maxBootstrapBytes {
		t.Errorf("bootstrap is %d bytes, want at most %d", len(a), maxBootstrapBytes)
	}
	t.Logf("bootstrap: %d bytes, identical across builds", len(a))
}

func buildBootstrap(t *testing.T, outDir, gocache string) []byte {
	t.Helper()
	out := filepath.Join(outDir, "bootstrap")
	cmd := exec.Command("go", "build", "-trimpath", "-buildvcs=false", "-ldflags", "-s -w", "-tags", "lambda.norpc", "-o", out, ".")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS=linux", "GOARCH=arm64")
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
