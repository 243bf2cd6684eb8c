package stack_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/privates3/privates3/app/guard"
)

// The Guard rules (Control Tower's S3, Lambda, EC2 and IAM rules, and the
// project's own) pass on the templates this binary synthesizes, not only on
// the committed snapshots. One cfn-guard run covers the configurations that
// together use every exemption, so a stale exemption still fails.
func TestGuardRulesPass(t *testing.T) {
	dir := t.TempDir()
	var paths []string
	for _, name := range []string{"default", "full"} {
		p := filepath.Join(dir, name+".template.json")
		if err := os.WriteFile(p, synth(t, configurations[name]).raw, 0o644); err != nil {
			t.Fatal(err)
		}
		paths = append(paths, p)
	}
	report, err := guard.Check(guard.Options{Root: root}, paths...)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range report.Failures() {
		t.Errorf("guard: %+v", f)
	}
	if err := report.Err(); err != nil {
		t.Error(err)
	}
}
