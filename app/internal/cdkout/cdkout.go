// Package cdkout reads what a synth wrote to a cloud assembly: the
// templates the project's review commands read when none are named (the
// ones `npm run synth` wrote to cdk.out), and the lookups still pending.
package cdkout

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// Templates returns args, or cdk.out/*.template.json when args is empty.
func Templates(args []string) ([]string, error) {
	if len(args) > 0 {
		return args, nil
	}
	files, _ := filepath.Glob(filepath.Join("cdk.out", "*.template.json"))
	if len(files) == 0 {
		return nil, errors.New("no templates given and none in cdk.out/: run `npm run synth` first, or name the templates")
	}
	return files, nil
}

// MissingLookups returns the keys of the context lookups the assembly in dir
// still needs (the CLI answers them and synthesizes again). It reads
// manifest.json itself: the Go bindings cannot decode the whole manifest of
// cloud assembly schema 53 (CloudAssembly.Manifest() panics on an
// artifact's properties).
func MissingLookups(dir string) ([]string, error) {
	b, err := os.ReadFile(filepath.Join(dir, "manifest.json"))
	if err != nil {
		return nil, err
	}
	var m struct {
		Missing []struct {
			Key string `json:"key"`
		} `json:"missing"`
	}
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("%s: %w", filepath.Join(dir, "manifest.json"), err)
	}
	var keys []string
	for _, c := range m.Missing {
		keys = append(keys, c.Key)
	}
	return keys, nil
}
