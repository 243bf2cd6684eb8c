package gobuild

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/privates3/privates3/lambda/uploader/contract"
)

// bootstrapDir returns a folder holding only the handler's bootstrap, built
// for Lambda (linux/arm64, provided.al2023) the first time its source hash is
// seen, and reused after that: a synth with an unchanged handler builds
// nothing. The folder is the function's asset.
//
// The cache lives in PRIVATES3_BUILD_CACHE, or in the user's cache folder
// (cacheDir).
// A build goes to a temporary folder renamed into place, so two synths at
// once never see half a binary.
func bootstrapDir(entry, hash string) (string, error) {
	root, err := cacheDir("bootstrap")
	if err != nil {
		return "", err
	}
	dir := filepath.Join(root, hash)
	if _, err := os.Stat(filepath.Join(dir, "bootstrap")); err == nil {
		return dir, nil
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
	// A source saved while go build ran would put a binary in the cache
	// under a hash it does not match, for good: hash again, and keep the
	// build only if nothing moved.
	if again, err := computeSourceHash(entry); err != nil || again != hash {
		return "", fmt.Errorf("the handler's sources in %s changed while it was built: synthesize again", entry)
	}
	if err := os.Rename(tmp, dir); err != nil && !errors.Is(err, fs.ErrExist) {
		// Another synth may have put the same build in place first.
		if _, statErr := os.Stat(filepath.Join(dir, "bootstrap")); statErr != nil {
			return "", err
		}
	}
	return dir, nil
}

// cacheDir returns, created, the folder sub ("bootstrap", "deps") of the
// build cache: PRIVATES3_BUILD_CACHE (the bootstrap builds directly in it,
// as before the deps cache existed), or privates3/ in the user's cache
// folder.
func cacheDir(sub string) (string, error) {
	var dir string
	switch root := os.Getenv("PRIVATES3_BUILD_CACHE"); {
	case root != "" && sub == "bootstrap":
		dir = root
	case root != "":
		dir = filepath.Join(root, "."+sub)
	default:
		c, err := os.UserCacheDir()
		if err != nil {
			return "", fmt.Errorf("no folder to build the handler in: %w; set PRIVATES3_BUILD_CACHE", err)
		}
		dir = filepath.Join(c, "privates3", sub)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	return dir, nil
}
