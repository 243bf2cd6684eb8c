package gobuild

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/privates3/privates3/lambda/uploader/contract"
)

// cachedDeps is handlerDeps without the go list on every synth: go list
// loads the handler's whole import graph (about a third of a second), and a
// synth whose sources did not move would ask it the same question. Its
// answer is kept on disk with the state of everything that could change
// it: the go.mod, go.sum and go.work beside the module and beside each
// module whose files are hashed, the go.mod and go.work go itself names
// (GOMOD, GOWORK: a workspace above the module counts), each folder of the
// handler's packages (its time moves when a file is added, removed or
// renamed, an embedded one or a go.mod included) and every file in it that
// go list read. The go command's settings (its version, GOFLAGS from the
// environment or `go env -w`, GOEXPERIMENT) and the build environment are
// in the cache key. When any of that differs, go list runs again.
//
// An answer is not kept when a file of its state was modified since a
// moment before go list started (git's "racily clean" rule): an edit made
// while go list ran, or within the same tick of a coarse file-system
// clock, would otherwise hide behind a state that already shows it.
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
	goEnv, err := goSettings(entry)
	if err != nil {
		return handlerDeps(entry) // go list will say what is wrong
	}
	key := sha256.Sum256([]byte(strings.Join([]string{entry, root, goEnv, strings.Join(contract.BuildEnv, " "), depsFormat}, "\x00")))
	file := filepath.Join(dir, hex.EncodeToString(key[:16])+".json")
	extra := goFiles(goEnv)
	if b, err := os.ReadFile(file); err == nil {
		var c depsCache
		if json.Unmarshal(b, &c) == nil && c.State != nil {
			if state, _ := depsState(root, c.Srcs, extra); slices.Equal(c.State, state) {
				return c.Srcs, c.Mods, nil
			}
		}
	}
	start := time.Now()
	srcs, mods, err := handlerDeps(entry)
	if err != nil {
		return nil, nil, err
	}
	state, newest := depsState(root, srcs, extra)
	if newest.Before(start.Add(-racyWindow)) {
		if b, err := json.Marshal(depsCache{Srcs: srcs, Mods: mods, State: state}); err == nil {
			writeAtomically(file, b)
		}
	}
	return srcs, mods, nil
}

// racyWindow is how recent a modification makes an answer not worth
// keeping: longer than the coarsest file-system clocks in use (FAT's two
// seconds).
const racyWindow = 2 * time.Second

// goSettings is what the go command says of the settings that change what
// go list answers, for the handler's folder: the files it reads (GOMOD,
// GOWORK) and its version and flags, wherever they were set (the
// environment, or the go env file of `go env -w`). About 10 ms.
func goSettings(entry string) (string, error) {
	cmd := exec.Command("go", "env", "GOMOD", "GOWORK", "GOFLAGS", "GOVERSION", "GOEXPERIMENT")
	cmd.Dir = entry
	cmd.Env = append(os.Environ(), contract.BuildEnv...)
	out, err := cmd.Output()
	return string(out), err
}

// goFiles are the files goSettings names, to stamp: GOMOD with its go.sum,
// GOWORK with its go.work.sum.
func goFiles(settings string) []string {
	var files []string
	lines := strings.Split(settings, "\n")
	if len(lines) < 2 {
		return nil
	}
	if mod := strings.TrimSpace(lines[0]); filepath.IsAbs(mod) && filepath.Base(mod) == "go.mod" {
		files = append(files, mod, filepath.Join(filepath.Dir(mod), "go.sum"))
	}
	if work := strings.TrimSpace(lines[1]); filepath.IsAbs(work) {
		files = append(files, work, work+".sum")
	}
	return files
}

// depsCache is go list's answer for one handler and the state it was given
// in.
type depsCache struct {
	Srcs  []srcFile `json:"srcs"`
	Mods  []string  `json:"mods"`
	State []string  `json:"state"`
}

// depsState lists, sorted, "path size mtime" of the files and folders
// whose change can change go list's answer (see cachedDeps), and returns
// the newest modification time among them; a missing file is listed as
// missing, so its appearance is a change too.
func depsState(root string, srcs []srcFile, extra []string) ([]string, time.Time) {
	var state []string
	var newest time.Time
	stamp := func(path string) {
		st, err := os.Stat(path)
		if err != nil {
			state = append(state, path+" missing")
			return
		}
		if st.ModTime().After(newest) {
			newest = st.ModTime()
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
	for _, f := range extra {
		stamp(f)
	}
	for d := range dirs {
		// The folder's own time: a file added, removed or renamed in it.
		stamp(d)
		entries, err := os.ReadDir(d)
		if err != nil {
			continue
		}
		for _, e := range entries {
			if strings.HasSuffix(e.Name(), ".go") {
				stamp(filepath.Join(d, e.Name()))
			}
		}
	}
	for _, f := range srcs {
		if !strings.HasSuffix(f.Path, ".go") { // the .go ones are stamped above
			stamp(f.Path) // an embedded file
		}
	}
	slices.Sort(state)
	return slices.Compact(state), newest
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
