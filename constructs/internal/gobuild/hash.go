package gobuild

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/privates3/privates3/lambda/uploader/contract"
)

// sourceHash fingerprints everything the bootstrap binary is built from:
// the Go (and embedded) files of every package the handler links whose
// source is a folder here (its own module's packages, the main module's or
// a module replaced by a directory), the versions of the other modules it
// links, the go directive of go.mod, the build flags and environment, and
// the Go release. The app's other dependencies (the CDK) are not in it, so
// moving them does not change the asset; a package of the module outside
// the entry directory that the handler imports (the prover imports the
// post-deploy check's judgement) is.
//
// Two things follow. bootstrapDir builds the handler only for a hash it has
// not seen, and CDK copies an asset into cdk.out only once per hash. And a
// test binary that synthesizes opens exactly these files (and go.sum, whose
// lines for the linked modules change with them), so go test's result cache
// is invalidated when the handler changes, although the build itself runs
// in a child process go test cannot see.
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
	srcs, mods, err := cachedDeps(entry, root)
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
	for _, f := range srcs {
		b, err := os.ReadFile(f.Path)
		if err != nil {
			return "", err
		}
		// Named by import path, not folder, so the hash is the same in
		// any checkout.
		fmt.Fprintf(h, "%s %d\n", f.Name, len(b))
		h.Write(b)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// goLists counts handlerDeps' go list runs, for the cache's tests.
var goLists atomic.Int64

// srcFile is one source file of the handler's build.
type srcFile struct {
	Name string `json:"name"` // import path / file name
	Path string `json:"path"`
	// ModDir is the folder of the module the file belongs to.
	ModDir string `json:"mod_dir"`
}

// depsFormat prints, for each package the handler links, either its files
// (a package whose source is a folder: the main module's, or a module
// replaced by a directory, which has no version) or its module's version
// and replacement. Fields are tab-separated, as folders may hold spaces.
const depsFormat = `{{with .Module}}{{if or .Main (and .Replace (not .Replace.Version))}}P{{else}}M	{{.Path}} {{.Version}}{{with .Replace}} => {{.Path}} {{.Version}}{{end}}{{end}}{{end}}` +
	`{{if .Module}}{{if or .Module.Main (and .Module.Replace (not .Module.Replace.Version))}}	{{.ImportPath}}	{{.Dir}}	{{.Module.Dir}}{{range .GoFiles}}	{{.}}{{end}}{{range .EmbedFiles}}	{{.}}{{end}}{{end}}{{end}}`

// handlerDeps lists, as go list sees them for the Lambda target, the
// source files of the handler's packages that are folders here, and the
// other modules it links with their versions (and replacements), each
// sorted.
func handlerDeps(entry string) ([]srcFile, []string, error) {
	goLists.Add(1)
	// With the build's tags, so that go list picks the files the build
	// compiles.
	args := []string{"list", "-deps"}
	for _, f := range contract.BuildFlags {
		if strings.HasPrefix(f, "-tags=") {
			args = append(args, f)
		}
	}
	cmd := exec.Command("go", append(args, "-f", depsFormat, ".")...)
	cmd.Dir = entry
	cmd.Env = append(os.Environ(), contract.BuildEnv...)
	out, err := cmd.Output()
	if err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			return nil, nil, fmt.Errorf("go list in %s: %w\n%s", entry, err, ee.Stderr)
		}
		return nil, nil, fmt.Errorf("go list in %s: %w (the handler is built with Go: install it, https://go.dev/dl/)", entry, err)
	}
	var srcs []srcFile
	var mods []string
	for _, l := range strings.Split(string(out), "\n") {
		f := strings.Split(l, "\t")
		switch {
		case f[0] == "M" && len(f) == 2:
			if !slices.Contains(mods, f[1]) {
				mods = append(mods, f[1])
			}
		case f[0] == "P" && len(f) >= 4:
			for _, name := range f[4:] {
				srcs = append(srcs, srcFile{Name: f[1] + "/" + filepath.ToSlash(name), Path: filepath.Join(f[2], name), ModDir: f[3]})
			}
		}
	}
	slices.Sort(mods)
	slices.SortFunc(srcs, func(a, b srcFile) int { return strings.Compare(a.Name, b.Name) })
	return srcs, mods, nil
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
