package functions

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"reflect"
	"runtime"
	"strings"
	"sync"

	"github.com/privates3/privates3/lambda/uploader/contract"
)

// handlerPackage is the import path of this module's handler, the parent of
// its contract package: right under any module path.
var handlerPackage = path.Dir(reflect.TypeOf(contract.Event{}).PkgPath())

// defaultEntry is the directory of this module's handler, found once per
// process.
var defaultEntry = sync.OnceValues(func() (string, error) {
	_, file, _, _ := runtime.Caller(0)
	return handlerDir(file)
})

// handlerDir finds the handler from the path the compiler recorded for this
// file (runtime.Caller). Normally that is the file itself, in this
// repository or in the module cache when another module imports this one,
// and the handler is beside it. Built with -trimpath it is an import path
// ("github.com/privates3/privates3@v1.0.0/constructs/functions/entry.go"),
// no file; then go list, run in the current directory, finds the handler in
// the module being built, which requires this one (or is it).
func handlerDir(callerFile string) (string, error) {
	if filepath.IsAbs(callerFile) {
		dir := filepath.Join(filepath.Dir(callerFile), "..", "..", "lambda", "uploader")
		if _, err := os.Stat(filepath.Join(dir, "main.go")); err == nil {
			return dir, nil
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
		handlerPackage, callerFile, handlerPackage, wd, why, strings.TrimSuffix(handlerPackage, "/lambda/uploader"))
}
