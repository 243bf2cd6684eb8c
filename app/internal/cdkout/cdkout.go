// Package cdkout reads what a synth wrote to a cloud assembly: its manifest
// (the stacks, nested stage assemblies, pending lookups and annotations),
// and the templates the project's review commands read when none are named
// (the ones `npm run synth` wrote to cdk.out).
//
// It reads manifest.json itself: the Go bindings cannot decode the whole
// manifest of cloud assembly schema 53 (CloudAssembly.Manifest() panics on
// an artifact's properties).
package cdkout

import (
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// Manifest is what the project reads of an assembly's manifest.json.
type Manifest struct {
	Missing []struct {
		Key string `json:"key"`
	} `json:"missing"`
	Artifacts map[string]Artifact `json:"artifacts"`
}

// Artifact is one artifact of a manifest: a stack, a nested assembly (a
// stage), or something the project does not read (assets, the tree).
type Artifact struct {
	Type string `json:"type"`
	// Environment is a stack's "aws://ACCOUNT/REGION", with
	// unknown-account and unknown-region for an environment-agnostic one.
	Environment string `json:"environment"`
	Properties  struct {
		TemplateFile  string `json:"templateFile"`
		DirectoryName string `json:"directoryName"`
	} `json:"properties"`
	// Metadata holds a stack's annotations by construct path, unless they
	// are in AdditionalMetadataFile (schema 50 and later), in the same form.
	Metadata               Metadata `json:"metadata"`
	AdditionalMetadataFile string   `json:"additionalMetadataFile"`
}

// Metadata maps a construct path to its entries, such as aws:cdk:warning.
type Metadata map[string][]struct {
	Type string `json:"type"`
	Data any    `json:"data"`
}

// ReadManifest reads dir's manifest.json. A missing file's error wraps
// os.ErrNotExist.
func ReadManifest(dir string) (Manifest, error) {
	var m Manifest
	path := filepath.Join(dir, "manifest.json")
	b, err := os.ReadFile(path)
	if err != nil {
		return m, err
	}
	if err := json.Unmarshal(b, &m); err != nil {
		return m, fmt.Errorf("%s: %w", path, err)
	}
	return m, nil
}

// Stack is a stack artifact of an assembly, with its template's path and
// its environment: Account and Region are empty when the stack is
// environment-agnostic (unknown-account, unknown-region), and then known
// only at deploy.
type Stack struct {
	ID, Template    string
	Account, Region string
}

// stack reads the stack artifact id of the assembly in dir.
func stack(dir, id string, a Artifact) Stack {
	s := Stack{ID: id, Template: filepath.Join(dir, a.Properties.TemplateFile)}
	s.Account, s.Region = environment(a.Environment)
	return s
}

// environment splits a stack's "aws://ACCOUNT/REGION" (the cloud assembly
// schema's environment). unknown-account and unknown-region give empty
// values, as does a string of any other form.
func environment(env string) (account, region string) {
	rest, ok := strings.CutPrefix(env, "aws://")
	if !ok {
		return "", ""
	}
	account, region, ok = strings.Cut(rest, "/")
	if !ok || strings.Contains(region, "/") {
		return "", ""
	}
	if account == "unknown-account" {
		account = ""
	}
	if region == "unknown-region" {
		region = ""
	}
	return account, region
}

// Stacks lists the stacks of the assembly in dir and of its nested
// assemblies (the stages of an environments file), in artifact id order.
func Stacks(dir string) ([]Stack, error) {
	m, err := ReadManifest(dir)
	if err != nil {
		return nil, err
	}
	var out []Stack
	for _, id := range slices.Sorted(maps.Keys(m.Artifacts)) {
		a := m.Artifacts[id]
		switch a.Type {
		case "aws:cloudformation:stack":
			out = append(out, stack(dir, id, a))
		case "cdk:cloud-assembly":
			nested, err := Stacks(filepath.Join(dir, a.Properties.DirectoryName))
			if err != nil {
				return nil, err
			}
			out = append(out, nested...)
		}
	}
	return out, nil
}

// StackFor finds the stack whose template is the file at path in the
// manifest.json of the file's directory: the stack artifact of that
// assembly (not of a nested one) whose templateFile is that file, so that
// cdk.out/assembly-prod/X.template.json, named on a command line, has
// the environment of prod's stage. ok is false when the directory has no
// manifest or the manifest no such stack (a template that is not in a
// cloud assembly); a manifest that cannot be read is an error.
func StackFor(path string) (s Stack, ok bool, err error) {
	dir := filepath.Dir(path)
	m, err := ReadManifest(dir)
	if errors.Is(err, os.ErrNotExist) {
		return Stack{}, false, nil
	}
	if err != nil {
		return Stack{}, false, err
	}
	want := filepath.Clean(path)
	for _, id := range slices.Sorted(maps.Keys(m.Artifacts)) {
		a := m.Artifacts[id]
		if a.Type == "aws:cloudformation:stack" && a.Properties.TemplateFile != "" && filepath.Join(dir, a.Properties.TemplateFile) == want {
			return stack(dir, id, a), true, nil
		}
	}
	return Stack{}, false, nil
}

// Templates returns args, or when args is empty the templates of the cloud
// assembly in cdk.out, as its manifest lists them: the stacks of the app,
// and those of each stage in its nested assembly, so the review commands
// see every stage together and never a stale template an earlier synth
// left behind.
func Templates(args []string) ([]string, error) {
	if len(args) > 0 {
		return args, nil
	}
	stacks, err := Stacks("cdk.out")
	if err != nil || len(stacks) == 0 {
		return nil, errors.New("no templates given and none in cdk.out/: run `npm run synth` first, or name the templates")
	}
	files := make([]string, 0, len(stacks))
	for _, s := range stacks {
		files = append(files, s.Template)
	}
	return files, nil
}

// MissingLookups returns the keys of the context lookups the assembly in dir
// still needs (the CLI answers them and synthesizes again). A stage's
// pending lookups are recorded in the root assembly too.
func MissingLookups(dir string) ([]string, error) {
	m, err := ReadManifest(dir)
	if err != nil {
		return nil, err
	}
	var keys []string
	for _, c := range m.Missing {
		keys = append(keys, c.Key)
	}
	return keys, nil
}
