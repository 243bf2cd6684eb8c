package propsdoc

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestReadmeTables fails when a props table of constructs/README.md is not
// what the doc comments say.
func TestReadmeTables(t *testing.T) {
	constructs := filepath.Join("..", "..")
	readme, err := os.ReadFile(filepath.Join(constructs, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	want, err := Rewrite(readme, constructs)
	if err != nil {
		t.Fatal(err)
	}
	if string(want) != string(readme) {
		t.Fatal("constructs/README.md's props tables are not what the doc comments say: run go generate ./constructs/internal/propsdoc")
	}
}

func TestTable(t *testing.T) {
	dir := t.TempDir()
	src := `package p

// Props configures a thing.
type Props struct {
	// Name is the thing's name (a-z...). At least 1 character.
	// Default: generated.
	Name *string
	// Size in GB. Required.
	Size float64
	// Mode is how. Default (nil): the CDK role. An empty list refuses.
	Mode []string
	hidden bool
}
`
	if err := os.WriteFile(filepath.Join(dir, "p.go"), []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	got, err := Table(dir, "Props")
	if err != nil {
		t.Fatal(err)
	}
	want := strings.Join([]string{
		"| prop | type | what it does | default |",
		"|---|---|---|---|",
		"| `Name` | `*string` | Name is the thing's name (a-z...). At least 1 character. | generated |",
		"| `Size` | `float64` | Size in GB. Required. | — |",
		"| `Mode` | `[]string` | Mode is how. An empty list refuses. | the CDK role |",
		"",
	}, "\n")
	if got != want {
		t.Errorf("Table:\n%s\nwant:\n%s", got, want)
	}
	if _, err := Table(dir, "Missing"); err == nil {
		t.Error("Table of a missing type: no error")
	}
	if _, err := Rewrite([]byte("no markers"), dir); err == nil {
		t.Error("Rewrite without markers: no error")
	}
}
