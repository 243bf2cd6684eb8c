package cdkout

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestTemplates(t *testing.T) {
	if got, err := Templates([]string{"a.json"}); err != nil || !slices.Equal(got, []string{"a.json"}) {
		t.Errorf("Templates([a.json]) = %v, %v, want the names given", got, err)
	}
	t.Chdir(t.TempDir())
	if _, err := Templates(nil); err == nil || !strings.Contains(err.Error(), "run `npm run synth` first") {
		t.Errorf("Templates(nil) without cdk.out = %v, want a hint to synthesize", err)
	}
	os.Mkdir("cdk.out", 0o755)
	os.WriteFile(filepath.Join("cdk.out", "S.template.json"), []byte("{}"), 0o644)
	os.WriteFile(filepath.Join("cdk.out", "manifest.json"), []byte("{}"), 0o644)
	if got, err := Templates(nil); err != nil || !slices.Equal(got, []string{filepath.Join("cdk.out", "S.template.json")}) {
		t.Errorf("Templates(nil) = %v, %v, want cdk.out's template only", got, err)
	}
}
