// Package cdkout reads what a synth wrote to a cloud assembly: the
// templates the project's review commands read when none are named (the
// ones `npm run synth` wrote to cdk.out), and the lookups still pending.
package cdkout

import (
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
)

// Templates returns args, or when args is empty the templates of the cloud
// assembly in cdk.out, as its manifest lists them: the stacks of the app,
// and those of each stage (an environments file) in its nested assembly, so
// the review commands see every stage together and never a stale template
// an earlier synth left behind.
func Templates(args []string) ([]string, error) {
	if len(args) > 0 {
		return args, nil
	}
	files, err := assemblyTemplates("cdk.out")
	if err != nil || len(files) == 0 {
		return nil, errors.New("no templates given and none in cdk.out/: run `npm run synth` first, or name the templates")
	}
	return files, nil
}

func assemblyTemplates(dir string) ([]string, error) {
	b, err := os.ReadFile(filepath.Join(dir, "manifest.json"))
	if err != nil {
		return nil, err
	}
	var m struct {
		Artifacts map[string]struct {
			Type       string `json:"type"`
			Properties struct {
				TemplateFile  string `json:"templateFile"`
				DirectoryName string `json:"directoryName"`
			} `json:"properties"`
		} `json:"artifacts"`
	}
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("%s: %w", filepath.Join(dir, "manifest.json"), err)
	}
	var files []string
	for _, id := range slices.Sorted(maps.Keys(m.Artifacts)) {
		a := m.Artifacts[id]
		switch a.Type {
		case "aws:cloudformation:stack":
			files = append(files, filepath.Join(dir, a.Properties.TemplateFile))
		case "cdk:cloud-assembly":
			nested, err := assemblyTemplates(filepath.Join(dir, a.Properties.DirectoryName))
			if err != nil {
				return nil, err
			}
			files = append(files, nested...)
		}
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
