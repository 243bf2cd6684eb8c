// Package cfndiff compares two CloudFormation templates resource by
// resource and writes the difference for a security reviewer. The security
// review comes first: resources CloudFormation replaces (from each type's
// createOnlyProperties, a table generated from cfn-lint's copy of AWS's
// resource provider schemas) and what becomes of the old ones, resources
// a removal orphans, changes of DeletionPolicy and UpdateReplacePolicy,
// then changes to IAM, resource policies (bucket, endpoint, KMS key),
// security groups, network paths, functions' roles and VPCs and the
// bucket's protection settings, and cdk-nag suppressions added or
// removed. Then every added, removed and changed resource with the
// property paths that changed, old → new, and the outputs.
//
// It reads what `cdk synth` writes: JSON with intrinsic functions, which it
// renders the way a person reads them (Bucket.Arn, Ref(Vpc)) rather than as
// nested JSON. What CDK changes without changing what is deployed (the
// AWS::CDK::Metadata resource, construct paths in Metadata) is left out.
package cfndiff

//go:generate go run gen.go

import (
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"os"
	"slices"
)

// Template is the part of a template this package compares.
type Template struct {
	Resources map[string]Resource
	Outputs   map[string]Output
}

// Output is one entry of Outputs.
type Output struct {
	Description any
	Value       any
	Export      any
	Condition   any
}

// OutputChange is one output that differs.
type OutputChange struct {
	Name string
	Kind Kind
	// Properties are the changed paths of a changed output (Value,
	// Description, Export.Name, Condition).
	Properties []PropertyChange
	// Output is the added or removed output, or the new one.
	Output Output
	// Replaced are the replaced resources the output's value refers to:
	// the value it shows changes although its text does not.
	Replaced []string
	// Export is the old output's export name, when a change or removal
	// touches an exported output: CloudFormation refuses it while another
	// stack imports the value.
	Export any
}

// Resource is one entry of Resources. Of its Metadata only cdk-nag's
// suppressions are kept: CDK writes construct paths and asset details
// there, which change without changing what is deployed.
type Resource struct {
	Type                string
	Properties          map[string]any
	DependsOn           any
	Condition           any
	DeletionPolicy      any
	UpdateReplacePolicy any
	// Suppressions are the cdk-nag rules suppressed on the resource
	// (Metadata.cdk_nag.rules_to_suppress), in template order.
	Suppressions []Suppression `json:"-"`
}

// Suppression is one cdk-nag suppression: the rule's findings on this
// resource that are not reported.
type Suppression struct {
	Rule string // "AwsSolutions-IAM5"
	// AppliesTo narrows it to these findings (strings, or {regex: …});
	// nil means every finding of the rule on the resource.
	AppliesTo any
	Reason    string
}

// SuppressionChange is a suppression added to a resource, removed from
// it, or (Kind Modified) given another reason. Suppressions are matched
// by rule and AppliesTo, so that widening one is a removal and an
// addition.
type SuppressionChange struct {
	Suppression
	Kind      Kind
	OldReason string // when Kind is Modified
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
	var top map[string]json.RawMessage
	if err := json.Unmarshal(b, &top); err != nil {
		var syntax *json.SyntaxError
		if errors.As(err, &syntax) || !json.Valid(b) {
			return nil, fmt.Errorf("%s: not valid JSON: %w", name, err)
		}
		return nil, fmt.Errorf("%s: not a CloudFormation template: not a JSON object", name)
	}
	if top["Resources"] == nil {
		return nil, fmt.Errorf("%s: not a CloudFormation template: no Resources object", name)
	}
	var resources map[string]json.RawMessage
	if err := json.Unmarshal(top["Resources"], &resources); err != nil || resources == nil {
		return nil, fmt.Errorf("%s: not a CloudFormation template: Resources is not an object", name)
	}
	outputs, err := parseOutputs(name, top["Outputs"])
	if err != nil {
		return nil, err
	}
	t := &Template{Resources: map[string]Resource{}, Outputs: outputs}
	for id, r := range resources {
		var res Resource
		if err := json.Unmarshal(r, &res); err != nil {
			return nil, fmt.Errorf("%s: resource %s: %w", name, id, err)
		}
		sup, err := parseSuppressions(r)
		if err != nil {
			return nil, fmt.Errorf("%s: resource %s: %w", name, id, err)
		}
		res.Suppressions = sup
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
	// Suppressions are the cdk-nag suppressions that differ; an added
	// resource's are all added.
	Suppressions []SuppressionChange
	// Replacement says why CloudFormation replaces a changed resource
	// instead of updating it; nil when it updates it in place.
	Replacement *Replacement
	// Old is what becomes of the old physical resource when it is
	// replaced or removed; nil otherwise.
	Old *Fate
	// Retention are the changes of DeletionPolicy and UpdateReplacePolicy
	// that change what CloudFormation would do.
	Retention []RetentionChange
}

// SecurityRelevant says whether the change belongs in the security review.
func (c Change) SecurityRelevant() bool {
	return c.Category != "" || c.suppressionsChanged() || c.Replacement != nil || c.TypeChanged() ||
		c.Orphaned() || len(c.Retention) > 0
}

// Orphaned says whether a removed resource is kept (or may be): it leaves
// the stack but not the account.
func (c Change) Orphaned() bool {
	return c.Kind == Removed && c.Old != nil && (c.Old.Outcome == Kept || c.Old.Outcome == Undecided)
}

// TypeChanged says whether the resource's Type differs between the two
// templates, which CloudFormation refuses ("Update of resource type is
// not permitted").
func (c Change) TypeChanged() bool {
	for _, p := range c.Properties {
		if p.Path == "(Type)" {
			return true
		}
	}
	return false
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

// Diff is everything that differs between two templates.
type Diff struct {
	// Resources are the resources that differ, sorted by logical id.
	Resources []Change
	// Outputs are the outputs that differ, sorted by name.
	Outputs []OutputChange
}

// SecurityRelevant counts the resource changes the security review lists.
func (d *Diff) SecurityRelevant() int {
	n := 0
	for _, c := range d.Resources {
		if c.SecurityRelevant() {
			n++
		}
	}
	return n
}

// Compare returns the differences from old to new.
func Compare(old, new *Template) *Diff {
	changes := map[string]*Change{}
	for id, n := range new.Resources {
		if n.Type == cdkMetadataType {
			continue
		}
		o, ok := old.Resources[id]
		if !ok {
			changes[id] = &Change{LogicalID: id, Type: n.Type, Kind: Added, Category: categoryOf(n.Type), Resource: n,
				Suppressions: compareSuppressions(nil, n.Suppressions)}
			continue
		}
		props := compareResource(o, n)
		sup := compareSuppressions(o.Suppressions, n.Suppressions)
		if len(props) == 0 && len(sup) == 0 {
			continue
		}
		c := &Change{LogicalID: id, Type: n.Type, Kind: Modified, Properties: props, Suppressions: sup,
			Retention: retentionChanges(o, n, props)}
		// Only a change of its own properties puts a resource under its
		// type's heading; a new suppression is reviewed under its own.
		if len(props) > 0 {
			c.Category = categoryOf(n.Type)
		}
		if c.Category == "" {
			for _, p := range props {
				if p.Security {
					c.Category = propertyCategory[n.Type]
				}
			}
		}
		changes[id] = c
	}
	for id, o := range old.Resources {
		if _, ok := new.Resources[id]; !ok && o.Type != cdkMetadataType {
			changes[id] = &Change{LogicalID: id, Type: o.Type, Kind: Removed, Category: categoryOf(o.Type), Resource: o, Old: removedFate(o)}
		}
	}
	replaced := findReplacements(old, new)
	for id, r := range replaced {
		c := changes[id]
		if c == nil {
			// Replaced because of what it refers to, not its own text.
			c = &Change{LogicalID: id, Type: new.Resources[id].Type, Kind: Modified}
			changes[id] = c
		}
		c.Replacement = r
		c.Old = replacedFate(old.Resources[id], new.Resources[id])
	}
	noteOrphanedBuckets(old, changes)
	d := &Diff{Outputs: compareOutputs(old.Outputs, new.Outputs, replaced)}
	for _, id := range slices.Sorted(maps.Keys(changes)) {
		d.Resources = append(d.Resources, *changes[id])
	}
	return d
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
	// No Properties is none of them: a property set where there were
	// none is that property added.
	op, np := map[string]any{}, map[string]any{}
	if o.Properties != nil {
		op = o.Properties
	}
	if n.Properties != nil {
		np = n.Properties
	}
	out = append(out, diffValue("", op, np, true, true)...)
	for i := range out {
		out[i].Security = isSecurityProperty(n.Type, out[i].Path)
	}
	return out
}
