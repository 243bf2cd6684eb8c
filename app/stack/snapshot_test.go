package stack_test

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden templates under testdata/")

// assetHash matches the content hashes CDK puts in asset keys and paths:
// they change with every handler edit and say nothing a reviewer can check.
var assetHash = regexp.MustCompile(`[0-9a-f]{64}`)

// normalize makes a template stable across runs and machines.
func normalize(t *testing.T, tp tmpl) []byte {
	t.Helper()
	b, err := json.MarshalIndent(tp, "", " ")
	if err != nil {
		t.Fatal(err)
	}
	return append(assetHash.ReplaceAll(b, []byte("<asset-hash>")), '\n')
}

// The snapshot complements the fine-grained tests: it shows a reviewer every
// change to the template, including the ones no assertion anticipated. The
// committed snapshots also feed the Guard tests (app/guard), the diagram
// (app/diagram) and the post-deploy check's output test: this test keeps
// them equal to what the stack synthesizes, so those need no synth.
func TestSnapshot(t *testing.T) {
	for name, ctx := range map[string]map[string]any{"default": nil, "full": full} {
		t.Run(name, func(t *testing.T) {
			got := normalize(t, synth(t, ctx).template)
			golden := filepath.Join("testdata", name+".template.json")
			if *update {
				if err := os.WriteFile(golden, got, 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test ./app/stack -update to create it)", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("template differs from %s; review the change with git diff after go test ./app/stack -update", golden)
			}
		})
	}
}
