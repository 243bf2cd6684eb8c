package cdkout

import (
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
)

// Error is the metadata type of an error annotation: what a construct's
// failed validation, or a context lookup that failed (the CLI answers it
// with a provider error and synthesizes again), records instead of
// stopping the synth.
const Error = "aws:cdk:error"

// Messages returns the annotations of one type (Error, aws:cdk:warning)
// recorded for the stacks of the assembly in dir and of its nested
// assemblies (the stages of an environments file, the pipeline's), each as
// "construct path: message", in artifact and path order. The CLI reports
// them only for the stacks it selects, which a stage's are not, so a
// stage whose lookups failed would otherwise synthesize "successfully"
// with dummy values.
func Messages(dir, kind string) ([]string, error) {
	m, err := ReadManifest(dir)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, id := range slices.Sorted(maps.Keys(m.Artifacts)) {
		a := m.Artifacts[id]
		if a.Type == "cdk:cloud-assembly" {
			nested, err := Messages(filepath.Join(dir, a.Properties.DirectoryName), kind)
			if err != nil {
				return nil, err
			}
			out = append(out, nested...)
			continue
		}
		all := []Metadata{a.Metadata}
		if a.AdditionalMetadataFile != "" {
			path := filepath.Join(dir, a.AdditionalMetadataFile)
			b, err := os.ReadFile(path)
			if err != nil {
				return nil, err
			}
			var more Metadata
			if err := json.Unmarshal(b, &more); err != nil {
				return nil, fmt.Errorf("%s: %w", path, err)
			}
			all = append(all, more)
		}
		for _, md := range all {
			for _, path := range slices.Sorted(maps.Keys(md)) {
				for _, e := range md[path] {
					if e.Type == kind {
						out = append(out, fmt.Sprintf("%s: %v", path, e.Data))
					}
				}
			}
		}
	}
	return out, nil
}
