// Package cfndiff compares two CloudFormation templates resource by
// resource and writes the difference for a security reviewer: changes to
// IAM, resource policies (bucket, endpoint, KMS key), security groups and
// network paths first, then every added, removed and changed resource with
// the property paths that changed, old → new.
//
// It reads what `cdk synth` writes: JSON with intrinsic functions, which it
// renders the way a person reads them (Bucket.Arn, Ref(Vpc)) rather than as
// nested JSON.
package cfndiff

//go:generate go run gen.go

import (
	"encoding/json"
	"fmt"
	"os"
	"sort"
)

// Template is the part of a template this package compares.
type Template struct {
	Resources map[string]Resource
}

// Resource is one entry of Resources. Metadata is left out: CDK writes
// construct paths and asset details there, which change without changing
// what is deployed.
type Resource struct {
	Type                string
	Properties          map[string]any
	DependsOn           any
	Condition           any
	DeletionPolicy      any
	UpdateReplacePolicy any
}

// Load reads a template, with errors that name the file.
func Load(path string) (*Template, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return Parse(path, b)
}

// Parse reads a template from b; name is used in errors.
func Parse(name string, b []byte) (*Template, error) {
	var raw struct {
		Resources map[string]json.RawMessage
	}
	if err := json.Unmarshal(b, &raw); err != nil {
		return nil, fmt.Errorf("%s: not valid JSON: %w", name, err)
	}
	if raw.Resources == nil {
		return nil, fmt.Errorf("%s: not a CloudFormation template: no Resources object", name)
	}
	t := &Template{Resources: map[string]Resource{}}
	for id, r := range raw.Resources {
		var res Resource
		if err := json.Unmarshal(r, &res); err != nil {
			return nil, fmt.Errorf("%s: resource %s: %w", name, id, err)
		}
		if res.Type == "" {
			return nil, fmt.Errorf("%s: not a CloudFormation template: resource %s has no Type", name, id)
		}
		t.Resources[id] = res
	}
	return t, nil
}

// Kind is what happened to a resource.
type Kind string

const (
	Added    Kind = "added"
	Removed  Kind = "removed"
	Modified Kind = "changed"
)

// Change is one resource that differs.
type Change struct {
	LogicalID string
	Type      string // the new type; the old one when removed
	Kind      Kind
	// Category is the security review heading the change belongs under,
	// or "" when it is not security-relevant.
	Category Category
	// Properties are the changed paths of a modified resource.
	Properties []PropertyChange
	// Resource is the added or removed resource, for describing it.
	Resource Resource
}

// PropertyChange is one changed path. Old or New is absent (nil, with
// HasOld/HasNew false) when the path was added or removed.
type PropertyChange struct {
	Path           string
	Old, New       any
	HasOld, HasNew bool
	// Security marks a property that makes a change security-relevant
	// on a resource that otherwise is not (a function's role or VPC).
	Security bool
}

// Compare returns the changes from old to new, sorted by logical id.
func Compare(old, new *Template) []Change {
	var changes []Change
	for id, n := range new.Resources {
		o, ok := old.Resources[id]
		if !ok {
			changes = append(changes, Change{LogicalID: id, Type: n.Type, Kind: Added, Category: categoryOf(n.Type), Resource: n})
			continue
		}
		props := compareResource(o, n)
		if len(props) == 0 {
			continue
		}
		c := Change{LogicalID: id, Type: n.Type, Kind: Modified, Category: categoryOf(n.Type), Properties: props}
		if c.Category == "" {
			for _, p := range props {
				if p.Security {
					c.Category = propertyCategory[n.Type]
				}
			}
		}
		changes = append(changes, c)
	}
	for id, o := range old.Resources {
		if _, ok := new.Resources[id]; !ok {
			changes = append(changes, Change{LogicalID: id, Type: o.Type, Kind: Removed, Category: categoryOf(o.Type), Resource: o})
		}
	}
	sort.Slice(changes, func(i, j int) bool { return changes[i].LogicalID < changes[j].LogicalID })
	return changes
}

func compareResource(o, n Resource) []PropertyChange {
	var out []PropertyChange
	if o.Type != n.Type {
		out = append(out, PropertyChange{Path: "(Type)", Old: o.Type, New: n.Type, HasOld: true, HasNew: true})
	}
	attrs := []struct {
		name string
		o, n any
	}{
		{"(DeletionPolicy)", o.DeletionPolicy, n.DeletionPolicy},
		{"(UpdateReplacePolicy)", o.UpdateReplacePolicy, n.UpdateReplacePolicy},
		{"(Condition)", o.Condition, n.Condition},
		{"(DependsOn)", o.DependsOn, n.DependsOn},
	}
	for _, a := range attrs {
		out = append(out, diffValue(a.name, a.o, a.n, a.o != nil, a.n != nil)...)
	}
	var op, np any
	if o.Properties != nil {
		op = o.Properties
	}
	if n.Properties != nil {
		np = n.Properties
	}
	out = append(out, diffValue("", op, np, op != nil, np != nil)...)
	for i := range out {
		out[i].Security = isSecurityProperty(n.Type, out[i].Path)
	}
	return out
}
