package cfndiff_test

import (
	"errors"
	"os"
	"testing"

	"github.com/privates3/privates3/app/internal/firstdiff"
	"github.com/privates3/privates3/app/templatediff/cfndiff/internal/gen"
)

// TestCreateOnlyTable regenerates createonly.go from the installed
// cfn-lint's schemas and compares it with the committed file byte for
// byte. Without cfn-lint it skips, except on CI.
func TestCreateOnlyTable(t *testing.T) {
	s, err := gen.Read(gen.Region)
	if errors.Is(err, gen.ErrNoCfnLint) {
		if os.Getenv("CI") == "true" {
			t.Fatalf("cannot check createonly.go on CI: %v", err)
		}
		t.Skipf("cannot check createonly.go against cfn-lint's schemas: %v", err)
	}
	if err != nil {
		t.Fatal(err)
	}
	if s.Version != gen.Version {
		t.Fatalf("cfn-lint %s is installed but createonly.go is from %s: pip install cfn-lint==%s, or change gen.Version, go generate ./app/templatediff/cfndiff and review the table's diff",
			s.Version, gen.Version, gen.Version)
	}
	want, err := gen.Generate(s)
	if err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile("createonly.go")
	if err != nil {
		t.Fatal(err)
	}
	if n, g, w, differ := firstdiff.Lines(got, want); differ {
		t.Fatalf("createonly.go is not what cfn-lint %s's schemas yield; first difference, line %d:\ncommitted: %s\ngenerated: %s\nrun: go generate ./app/templatediff/cfndiff",
			s.Version, n, g, w)
	}
}
