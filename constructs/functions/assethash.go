package functions

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"

	"github.com/privates3/privates3/lambda/uploader/contract"
)

// sourceHash fingerprints everything the bootstrap binary is built from: the
// non-test Go files below the entry directory, the module's go.mod and
// go.sum, the build flags, the target and the Go release.
//
// Two things follow. CDK skips bundling when cdk.out already holds an asset
// with this hash, so a repeated synth does not rebuild an unchanged handler
// (an output hash would force a build just to learn the hash). And a test
// binary that synthesizes opens exactly these files, so go test's result
// cache is invalidated exactly when the handler changes, although the build
// itself runs in a child process go test cannot see.
//
// The handler must import no package of its module outside the entry
// directory, or a change there would not change the hash; a test checks it.
func sourceHash(entry string) (string, error) {
	root, err := moduleRoot(entry)
	if err != nil {
		return "", err
	}
	var files []string
	err = filepath.WalkDir(entry, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && d.Name() == "testdata" {
			return filepath.SkipDir
		}
		if !d.IsDir() && strings.HasSuffix(path, ".go") && !strings.HasSuffix(path, "_test.go") {
			files = append(files, path)
		}
		return nil
	})
	if err != nil {
		return "", err
	}
	sort.Strings(files)
	files = append(files, filepath.Join(root, "go.mod"), filepath.Join(root, "go.sum"))
	h := sha256.New()
	fmt.Fprintf(h, "%s\n%s\nlinux/arm64\n", runtime.Version(), strings.Join(contract.BuildFlags, " "))
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			return "", err
		}
		rel, _ := filepath.Rel(root, f)
		fmt.Fprintf(h, "%s %d\n", filepath.ToSlash(rel), len(b))
		h.Write(b)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

func moduleRoot(dir string) (string, error) {
	dir, err := filepath.Abs(dir)
	if err != nil {
		return "", err
	}
	for d := dir; ; d = filepath.Dir(d) {
		if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
			return d, nil
		}
		if filepath.Dir(d) == d {
			return "", fmt.Errorf("no go.mod in %s or above", dir)
		}
	}
}
