package workflows_test

import (
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/rhysd/actionlint"
)

var dir = filepath.Join("..", "..", ".github", "workflows")

func workflowFiles(t *testing.T) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(dir, "*.yml"))
	if err != nil {
		t.Fatal(err)
	}
	more, _ := filepath.Glob(filepath.Join(dir, "*.yaml"))
	files = append(files, more...)
	if len(files) == 0 {
		t.Fatalf("no workflows in %s", dir)
	}
	return files
}

// lint runs actionlint on files. Shellcheck and pyflakes stay off: they are
// not installed everywhere go test runs, and a lint that depends on the
// machine is not a test. (`go tool actionlint` uses them when on PATH.)
func lint(t *testing.T, files ...string) []*actionlint.Error {
	t.Helper()
	l, err := actionlint.NewLinter(io.Discard, &actionlint.LinterOptions{})
	if err != nil {
		t.Fatal(err)
	}
	errs, err := l.LintFiles(files, nil)
	if err != nil {
		t.Fatal(err)
	}
	return errs
}

func TestActionlint(t *testing.T) {
	for _, e := range lint(t, workflowFiles(t)...) {
		t.Errorf("%s:%d:%d: %s [%s]", e.Filepath, e.Line, e.Column, e.Message, e.Kind)
	}
}

// The linter must find the mistakes planted in testdata/broken.yml, or
// TestActionlint proves nothing.
func TestActionlintFindsMistakes(t *testing.T) {
	errs := lint(t, filepath.Join("testdata", "broken.yml"))
	var got []string
	for _, e := range errs {
		got = append(got, e.Message)
	}
	all := strings.Join(got, "\n")
	for _, want := range []string{`"pull_requets"`, `"step"`, `property "nope" is not defined`, `"github.event.pull_request.title" is potentially untrusted`} {
		if !strings.Contains(all, want) {
			t.Errorf("actionlint on testdata/broken.yml: no error mentioning %s; got:\n%s", want, all)
		}
	}
}

var (
	pinned         = regexp.MustCompile(`^[\w.-]+/[\w./-]+@[0-9a-f]{40}$`)
	versionComment = regexp.MustCompile(`uses:\s*(\S+)\s+#\s*v\d+(\.\d+)*\b`)
)

// Our rules, on top of actionlint's.
func TestPinnedReadOnlyNoSecrets(t *testing.T) {
	for _, f := range workflowFiles(t) {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		w, errs := actionlint.Parse(b)
		if len(errs) > 0 {
			t.Fatalf("%s: %v", f, errs[0])
		}
		commented := map[string]bool{}
		for _, m := range versionComment.FindAllStringSubmatch(string(b), -1) {
			commented[m[1]] = true
		}
		for id, job := range w.Jobs {
			for _, step := range job.Steps {
				a, ok := step.Exec.(*actionlint.ExecAction)
				if !ok {
					continue
				}
				uses := a.Uses.Value
				if strings.HasPrefix(uses, "./") {
					continue
				}
				if !pinned.MatchString(uses) {
					t.Errorf("%s: job %s: %s is not pinned by full commit SHA", f, id, uses)
				}
				if !commented[uses] {
					t.Errorf("%s: job %s: %s has no release comment (# vX.Y.Z)", f, id, uses)
				}
			}
			if job.Permissions != nil && job.Permissions.All == nil {
				for scope, p := range job.Permissions.Scopes {
					if p.Value.Value != "read" && p.Value.Value != "none" {
						t.Errorf("%s: job %s: permission %s: %s, want read or none", f, id, scope, p.Value.Value)
					}
				}
			}
		}
		p := w.Permissions
		if p == nil {
			t.Errorf("%s: no top-level permissions: the token would get the repository default", f)
		} else if p.All != nil {
			t.Errorf("%s: permissions: %s, want a read-only scope list", f, p.All.Value)
		} else {
			for scope, s := range p.Scopes {
				if s.Value.Value != "read" && s.Value.Value != "none" {
					t.Errorf("%s: permission %s: %s, want read or none", f, scope, s.Value.Value)
				}
			}
		}
		if strings.Contains(string(b), "secrets.") {
			t.Errorf("%s uses secrets: the pull-request workflow must run without any", f)
		}
	}
}
