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
	"sync"

	"github.com/privates3/privates3/lambda/uploader/contract"
)

// sourceHash fingerprints everything the bootstrap binary is built from: the
// non-test Go files below the entry directory, the modules the handler links
// (handlerModules) and the go directive of go.mod, the build flags and
// environment, and the Go release. The app's other dependencies (the CDK)
// are not in it, so moving them does not change the asset.
//
// Two things follow. bootstrapDir builds the handler only for a hash it has
// not seen, and CDK copies an asset into cdk.out only once per hash. And a
// test binary that synthesizes opens exactly these files (and go.sum, whose
// lines for the linked modules change with them), so go test's result cache
// is invalidated when the handler changes, although the build itself runs
// in a child process go test cannot see.
//
// The handler must import no package of its module outside the entry
// directory, or a change there would not change the hash; a test checks it.
func sourceHash(entry string) (string, error) {
	abs, err := filepath.Abs(entry)
	if err != nil {
		return "", err
	}
	hashesMu.Lock()
	defer hashesMu.Unlock()
	if h, ok := hashes[abs]; ok {
		return h, nil
	}
	h, err := computeSourceHash(abs)
	if err == nil {
		hashes[abs] = h
	}
	return h, err
}

// hashes memoizes sourceHash per entry for the life of the process: both
// functions and every further synth of a test binary share one go list.
var (
	hashesMu sync.Mutex
	hashes   = map[string]string{}
)

func computeSourceHash(entry string) (string, error) {
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
	mods, err := handlerModules(entry)
	if err != nil {
		return "", err
	}
	gomod, err := os.ReadFile(filepath.Join(root, "go.mod"))
	if err != nil {
		return "", err
	}
	// Read for go test's cache only (see above); its lines for the linked
	// modules are in mods.
	if _, err := os.ReadFile(filepath.Join(root, "go.sum")); err != nil && !os.IsNotExist(err) {
		return "", err
	}
	h := sha256.New()
	fmt.Fprintf(h, "%s\n%s\n%s\n", runtime.Version(), strings.Join(contract.BuildFlags, " "), strings.Join(contract.BuildEnv, " "))
	for _, l := range strings.Split(string(gomod), "\n") {
		if f := strings.Fields(l); len(f) == 2 && (f[0] == "go" || f[0] == "toolchain") {
			fmt.Fprintln(h, l)
		}
	}
	fmt.Fprintln(h, strings.Join(mods, "\n"))
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
