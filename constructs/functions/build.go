package functions

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"

	"github.com/privates3/privates3/lambda/uploader/contract"
)

// bootstrapDir returns a folder holding only the handler's bootstrap, built
// for Lambda (linux/arm64, provided.al2023) the first time its source hash is
// seen, and reused after that: a synth with an unchanged handler builds
// nothing. The folder is the function's asset.
//
// The cache lives in PRIVATES3_BUILD_CACHE, or in the user's cache folder.
// A build goes to a temporary folder renamed into place, so two synths at
// once never see half a binary.
func bootstrapDir(entry, hash string) (string, error) {
	root := os.Getenv("PRIVATES3_BUILD_CACHE")
	if root == "" {
		c, err := os.UserCacheDir()
		if err != nil {
			return "", fmt.Errorf("no folder to build the handler in: %w; set PRIVATES3_BUILD_CACHE", err)
		}
		root = filepath.Join(c, "privates3", "bootstrap")
	}
	dir := filepath.Join(root, hash)
	if _, err := os.Stat(filepath.Join(dir, "bootstrap")); err == nil {
		return dir, nil
	}
	if err := os.MkdirAll(root, 0o755); err != nil {
		return "", err
	}
	tmp, err := os.MkdirTemp(root, hash+".tmp-")
	if err != nil {
		return "", err
	}
	defer os.RemoveAll(tmp)
	args := append(append([]string{"build"}, contract.BuildFlags...), "-o", filepath.Join(tmp, "bootstrap"), ".")
	cmd := exec.Command("go", args...)
	cmd.Dir = entry
	cmd.Env = append(os.Environ(), contract.BuildEnv...)
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go %s in %s: %w\n%s", strings.Join(args, " "), entry, err, out)
	}
	if err := os.Rename(tmp, dir); err != nil && !errors.Is(err, fs.ErrExist) {
		// Another synth may have put the same build in place first.
		if _, statErr := os.Stat(filepath.Join(dir, "bootstrap")); statErr != nil {
			return "", err
		}
	}
	return dir, nil
}

// handlerModules lists the modules the handler links, with their versions
// (and replacements), as go list sees them for the Lambda target. Hashing
// these, rather than all of go.mod and go.sum, keeps the asset unchanged
// when only the app's own dependencies (the CDK, say) move.
func handlerModules(entry string) ([]string, error) {
	cmd := exec.Command("go", "list", "-deps", "-f", "{{with .Module}}{{if not .Main}}{{.Path}} {{.Version}}{{with .Replace}} => {{.Path}} {{.Version}}{{end}}{{end}}{{end}}", ".")
	cmd.Dir = entry
	cmd.Env = append(os.Environ(), contract.BuildEnv...)
	out, err := cmd.Output()
	if err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			return nil, fmt.Errorf("go list in %s: %w\n%s", entry, err, ee.Stderr)
		}
		return nil, fmt.Errorf("go list in %s: %w (the handler is built with Go: install it, https://go.dev/dl/)", entry, err)
	}
	seen := map[string]bool{}
	var mods []string
	for _, l := range strings.Split(string(out), "\n") {
		if l != "" && !seen[l] {
			seen[l] = true
			mods = append(mods, l)
		}
	}
	sort.Strings(mods)
	return mods, nil
}
