package gobuild

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"runtime"
	"runtime/debug"
	"strings"
)

// modulePath is this module's path: this package's import path without
// its place in the module.
var modulePath = strings.TrimSuffix(reflect.TypeOf(marker{}).PkgPath(), "/constructs/internal/gobuild")

type marker struct{}

// callerFile is the path the compiler recorded for this file.
func callerFile() string {
	_, file, _, _ := runtime.Caller(0)
	return file
}

// handlerDir finds this module's handler lambda/<name> from the path the
// compiler recorded for this file (callerFile). Normally that is the file
// itself, in this repository or in the module cache when another module
// imports this one, and the handler is three folders up. Built with -trimpath it is an import path
// ("github.com/privates3/privates3@v1.0.0/constructs/functions/entry.go"),
// no file; then the binary's build information names this module's
// version (or its directory replacement), whose copy is in the module cache
// of the machine that built it, wherever the binary runs; failing that, go
// list, run in the current directory, finds the handler in the module being
// built, which requires this one (or is it).
func handlerDir(recorded, name string) (string, error) {
	handlerPackage := modulePath + "/lambda/" + name
	if filepath.IsAbs(recorded) {
		dir := filepath.Join(filepath.Dir(recorded), "..", "..", "..", "lambda", name)
		if hasMain(dir) {
			return dir, nil
		}
	}
	if info, ok := debug.ReadBuildInfo(); ok {
		if mod := moduleDir(info, modulePath, goModCache); mod != "" {
			if dir := filepath.Join(mod, "lambda", name); hasMain(dir) {
				return dir, nil
			}
		}
	}
	cmd := exec.Command("go", "list", "-f", "{{.Dir}}", handlerPackage)
	out, err := cmd.Output()
	dir := strings.TrimSpace(string(out))
	if err == nil && dir != "" {
		return dir, nil
	}
	why := err
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		why = errors.New(strings.TrimSpace(string(ee.Stderr)))
	}
	wd, _ := os.Getwd()
	return "", fmt.Errorf("Entry is nil, and this module's handler (%s) was not found: this package's recorded path %q is not a file here (built with -trimpath, or on another machine), and go list %s in %s failed: %v; run the synth inside the Go module of your app, which requires %s, or set Entry to the handler's directory",
		handlerPackage, recorded, handlerPackage, wd, why, modulePath)
}

func hasMain(dir string) bool {
	st, err := os.Stat(filepath.Join(dir, "main.go"))
	return err == nil && !st.IsDir()
}

// moduleDir is where module mod's source is for the binary described by
// info, or "": the directory a replace directive names (an absolute path;
// a relative one is relative to a main module whose folder is unknown
// here), or the module cache's copy of the version it was built with
// (Go Modules Reference, "Module cache": <cache>/<escaped path>@<version>).
// modCache is asked only when needed.
func moduleDir(info *debug.BuildInfo, mod string, modCache func() string) string {
	for _, d := range info.Deps {
		if d.Path != mod {
			continue
		}
		if r := d.Replace; r != nil {
			if filepath.IsAbs(r.Path) {
				return r.Path
			}
			if r.Version == "" {
				return ""
			}
			d = r
		}
		cache := modCache()
		if cache == "" || d.Version == "" {
			return ""
		}
		return filepath.Join(cache, escapePath(d.Path)+"@"+d.Version)
	}
	return ""
}

// escapePath is the module cache's spelling of a module path: each
// upper-case letter becomes "!" and its lower case (Go Modules Reference,
// "Module cache").
func escapePath(p string) string {
	var b strings.Builder
	for _, r := range p {
		if 'A' <= r && r <= 'Z' {
			b.WriteByte('!')
			r += 'a' - 'A'
		}
		b.WriteRune(r)
	}
	return b.String()
}

// goModCache is the module cache of the machine running the synth.
func goModCache() string {
	out, err := exec.Command("go", "env", "GOMODCACHE").Output()
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(out))
}
