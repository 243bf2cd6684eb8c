package gobuild

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"

	"github.com/privates3/privates3/lambda/uploader/contract"
)

// cachedDeps is handlerDeps without the go list on every synth: go list
// loads the handler's whole import graph (about a third of a second), and a
// synth whose sources did not move would ask it the same question. Its
// answer is kept on disk with the state of everything that could change
// it: the go.mod, go.sum and go.work beside the module and beside each
// module whose files are hashed, and every .go file in the folders of the
// handler's packages that are folders here (a file added, removed or
// edited can change the imports, so its size and modification time are
// part of the state). The go command, GOFLAGS, GOWORK and the build
// environment are in the cache key. When any of that differs, go list runs
// again.
//
// What this does not see: a module of the build list swapped in the module
// cache behind the same version (the cache is read-only, and go.sum pins
// its content), and a go.mod of a module replaced by a directory that no
// package of the handler lives in.
func cachedDeps(entry, root string) ([]srcFile, []string, error) {
	dir, err := cacheDir("deps")
	if err != nil {
		return handlerDeps(entry)
	}
	key := sha256.Sum256([]byte(strings.Join([]string{entry, root, runtime.Version(), os.Getenv("GOFLAGS"), os.Getenv("GOWORK"), strings.Join(contract.BuildEnv, " "), goOnPath()}, "\x00")))
	file := filepath.Join(dir, hex.EncodeToString(key[:16])+".json")
	if b, err := os.ReadFile(file); err == nil {
		var c depsCache
		if json.Unmarshal(b, &c) == nil && c.State != nil && slices.Equal(c.State, depsState(root, c.Srcs)) {
			return c.Srcs, c.Mods, nil
		}
	}
	srcs, mods, err := handlerDeps(entry)
	if err != nil {
		return nil, nil, err
	}
	// Written after go list, with the state read now: a file edited while
	// go list ran makes the next synth ask again, never the reverse.
	if b, err := json.Marshal(depsCache{Srcs: srcs, Mods: mods, State: depsState(root, srcs)}); err == nil {
		writeAtomically(file, b)
	}
	return srcs, mods, nil
}

// depsCache is go list's answer for one handler and the state it was given
// in.
type depsCache struct {
	Srcs  []srcFile `json:"srcs"`
	Mods  []string  `json:"mods"`
	State []string  `json:"state"`
}

// depsState lists, sorted, "path size mtime" of the files whose change can
// change go list's answer (see cachedDeps); a missing file is listed as
// missing, so its appearance is a change too.
func depsState(root string, srcs []srcFile) []string {
	var state []string
	stamp := func(path string) {
		st, err := os.Stat(path)
		if err != nil {
			state = append(state, path+" missing")
			return
		}
		state = append(state, fmt.Sprintf("%s %d %d", path, st.Size(), st.ModTime().UnixNano()))
	}
	mods := map[string]bool{root: true}
	dirs := map[string]bool{}
	for _, f := range srcs {
		if f.ModDir != "" {
			mods[f.ModDir] = true
		}
		dirs[filepath.Dir(f.Path)] = true
	}
	for m := range mods {
		for _, name := range []string{"go.mod", "go.sum", "go.work", "go.work.sum"} {
			stamp(filepath.Join(m, name))
		}
	}
	for d := range dirs {
		entries, err := os.ReadDir(d)
		if err != nil {
			state = append(state, d+" unreadable")
			continue
		}
		state = append(state, d+"/")
		for _, e := range entries {
			if strings.HasSuffix(e.Name(), ".go") || e.IsDir() {
				// A subfolder's appearance does not change this
				// package, but an embed pattern can name one.
				stamp(filepath.Join(d, e.Name()))
			}
		}
	}
	for _, f := range srcs {
		stamp(f.Path) // the embedded files, which are not .go
	}
	slices.Sort(state)
	return slices.Compact(state)
}

// goOnPath is the go command a build would run, by path and modification
// time: a new Go release on the PATH can list the same sources
// differently.
func goOnPath() string {
	p, err := exec.LookPath("go")
	if err != nil {
		return ""
	}
	st, err := os.Stat(p)
	if err != nil {
		return p
	}
	return fmt.Sprintf("%s %d", p, st.ModTime().UnixNano())
}

// writeAtomically writes b to file through a temporary file renamed into
// place, so a synth running at the same time reads all of it or none. A
// cache that cannot be written is no error: the next synth asks go list.
func writeAtomically(file string, b []byte) {
	tmp, err := os.CreateTemp(filepath.Dir(file), filepath.Base(file)+".tmp-")
	if err != nil {
		return
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(b); err != nil {
		tmp.Close()
		return
	}
	if tmp.Close() == nil {
		os.Rename(tmp.Name(), file)
	}
}
