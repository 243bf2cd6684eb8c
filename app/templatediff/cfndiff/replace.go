package cfndiff

import (
	"fmt"
	"maps"
	"reflect"
	"regexp"
	"slices"
	"strings"
)

// Replacement is why a changed resource is replaced.
type Replacement struct {
	// Properties are the create-only properties whose value changed, as
	// paths ("BucketName", "DnsOptions.PrivateDnsPreference",
	// "ReplicationInfoList[*].SourceKafkaClusterArn").
	Properties []string
	// Via are create-only properties whose text did not change but that
	// refer to a resource that is replaced.
	Via []Reference
	// Certain is false when the resource may be replaced: only Via
	// holds, and none of its references is certain.
	Certain bool
}

// Reference is a create-only property that refers to another resource.
type Reference struct {
	Property string // as in Replacement.Properties
	Target   string // the logical id it refers to
	// ByRef: the property holds Ref(Target), the physical id, which a
	// replacement changes; otherwise an attribute (Fn::GetAtt, ${X.Attr}),
	// which it may not.
	ByRef bool
}

// Outcome is what CloudFormation does with an old physical resource.
type Outcome string

const (
	Deleted     Outcome = "deleted"
	Kept        Outcome = "kept"
	Snapshotted Outcome = "deleted after a snapshot"
)

// Fate is what becomes of a removed or replaced resource's old physical
// resource, and why.
type Fate struct {
	Outcome Outcome
	// By names the attribute that decides it ("UpdateReplacePolicy
	// Retain") or the default.
	By string
	// Notes are what else the reviewer should know.
	Notes []string
}

// Undecided is the outcome when the policy is not a plain value (an
// intrinsic function under the AWS::LanguageExtensions transform).
const Undecided Outcome = "kept or deleted"

// createOnlyOf returns a resource type's create-only properties as
// pointer segments. A custom resource (Custom::Name) is an
// AWS::CloudFormation::CustomResource.
func createOnlyOf(typ string) [][]string {
	if strings.HasPrefix(typ, "Custom::") {
		typ = "AWS::CloudFormation::CustomResource"
	}
	var out [][]string
	for _, p := range createOnly[typ] {
		out = append(out, strings.Split(p, "/"))
	}
	return out
}

// pointerPath writes pointer segments the way the diff writes paths.
func pointerPath(segs []string) string {
	var b strings.Builder
	for i, s := range segs {
		switch {
		case s == "*":
			b.WriteString("[*]")
		case i > 0:
			b.WriteString("." + s)
		default:
			b.WriteString(s)
		}
	}
	return b.String()
}

// lookup returns the value at a create-only pointer. "*" collects the
// value below it in each item of a list. Where the template holds an
// intrinsic function (or anything but an object) above the pointer's
// end, that value stands for the whole: it is what the template says.
func lookup(v any, segs []string) (any, bool) {
	if len(segs) == 0 {
		return v, true
	}
	switch v := v.(type) {
	case map[string]any:
		if isIntrinsic(v) {
			return v, true
		}
		if segs[0] == "*" {
			var items []any
			for _, k := range slices.Sorted(maps.Keys(v)) {
				items = append(items, v[k])
			}
			return collect(items, segs[1:])
		}
		x, ok := v[segs[0]]
		if !ok {
			return nil, false
		}
		return lookup(x, segs[1:])
	case []any:
		if segs[0] == "*" {
			return collect(v, segs[1:])
		}
		return v, true
	default:
		return v, true
	}
}

func collect(items []any, rest []string) (any, bool) {
	var out []any
	for _, it := range items {
		if x, ok := lookup(it, rest); ok {
			out = append(out, x)
		}
	}
	return out, len(out) > 0
}

// changedCreateOnly returns the create-only properties whose value in
// the template differs between o and n. It compares the template's text:
// a value that would resolve the same at deploy time (Ref(P) replaced by
// P's value) still counts as changed, as it does for cdk diff.
func changedCreateOnly(o, n Resource) []string {
	var out []string
	for _, segs := range createOnlyOf(n.Type) {
		ov, okO := lookup(o.Properties, segs)
		nv, okN := lookup(n.Properties, segs)
		if okO != okN || !reflect.DeepEqual(ov, nv) {
			out = append(out, pointerPath(segs))
		}
	}
	return out
}

// reference is one mention of a resource in a value.
type reference struct {
	target string
	byRef  bool
}

// references returns the logical ids a value mentions: Ref(X) and
// ${X} in Fn::Sub (by Ref), Fn::GetAtt and ${X.Attr} (an attribute).
// Pseudo parameters (AWS::Region) are not resources and are left out.
func references(v any) []reference {
	var out []reference
	var walk func(v any)
	walk = func(v any) {
		switch v := v.(type) {
		case map[string]any:
			if len(v) == 1 {
				if r, ok := v["Ref"].(string); ok {
					if !strings.HasPrefix(r, "AWS::") {
						out = append(out, reference{target: r, byRef: true})
					}
					return
				}
				if a, ok := v["Fn::GetAtt"]; ok {
					switch a := a.(type) {
					case []any:
						if len(a) > 0 {
							if s, ok := a[0].(string); ok {
								out = append(out, reference{target: s})
							}
						}
					case string:
						out = append(out, reference{target: strings.SplitN(a, ".", 2)[0]})
					}
					return
				}
				if s, ok := v["Fn::Sub"]; ok {
					out = append(out, subReferences(s)...)
					if l, ok := s.([]any); ok && len(l) == 2 {
						walk(l[1])
					}
					return
				}
			}
			for _, k := range slices.Sorted(maps.Keys(v)) {
				walk(v[k])
			}
		case []any:
			for _, x := range v {
				walk(x)
			}
		}
	}
	walk(v)
	return out
}

// subVariable is a ${…} in Fn::Sub's string; ${!…} is a literal.
var subVariable = regexp.MustCompile(`\$\{([^!}][^}]*)\}`)

// subReferences reads the resources an Fn::Sub string names, except the
// names its variable map defines.
func subReferences(arg any) []reference {
	var str string
	vars := map[string]any{}
	switch a := arg.(type) {
	case string:
		str = a
	case []any:
		if len(a) != 2 {
			return nil
		}
		str, _ = a[0].(string)
		vars, _ = a[1].(map[string]any)
	}
	var out []reference
	for _, m := range subVariable.FindAllStringSubmatch(str, -1) {
		name, attr, _ := strings.Cut(strings.TrimSpace(m[1]), ".")
		if _, local := vars[name]; local || strings.HasPrefix(name, "AWS::") {
			continue
		}
		out = append(out, reference{target: name, byRef: attr == ""})
	}
	return out
}

// findReplacements marks the resources CloudFormation replaces: those
// whose create-only properties changed, then, to a fixed point, those
// whose unchanged create-only properties refer to a replaced resource.
// A Ref to one is certainly replaced: a replacement has a new physical
// id. An attribute may stay the same.
func findReplacements(old, new *Template) map[string]*Replacement {
	replaced := map[string]*Replacement{}
	ids := slices.Sorted(maps.Keys(new.Resources))
	for _, id := range ids {
		n := new.Resources[id]
		o, ok := old.Resources[id]
		if !ok || o.Type != n.Type {
			continue
		}
		if props := changedCreateOnly(o, n); len(props) > 0 {
			replaced[id] = &Replacement{Properties: props, Certain: true}
		}
	}
	for grown := true; grown; {
		grown = false
		for _, id := range ids {
			n := new.Resources[id]
			o, ok := old.Resources[id]
			if !ok || o.Type != n.Type || (replaced[id] != nil && len(replaced[id].Properties) > 0) {
				continue
			}
			var via []Reference
			certain := false
			for _, segs := range createOnlyOf(n.Type) {
				v, ok := lookup(n.Properties, segs)
				if !ok {
					continue
				}
				for _, r := range references(v) {
					t := replaced[r.target]
					if t == nil || r.target == id {
						continue
					}
					ref := Reference{Property: pointerPath(segs), Target: r.target, ByRef: r.byRef}
					if !slices.Contains(via, ref) {
						via = append(via, ref)
					}
					certain = certain || (r.byRef && t.Certain)
				}
			}
			if len(via) == 0 {
				continue
			}
			if cur := replaced[id]; cur == nil || cur.Certain != certain || len(cur.Via) != len(via) {
				replaced[id] = &Replacement{Via: via, Certain: certain}
				grown = true
			}
		}
	}
	return replaced
}

// retained says whether a DeletionPolicy or UpdateReplacePolicy value
// keeps the resource. RetainExceptOnCreate "behaves like Retain for stack
// operations, except for the stack operation that initially created the
// resource" (CloudFormation User Guide, "DeletionPolicy attribute").
func retained(v any) bool {
	return v == "Retain" || v == "RetainExceptOnCreate"
}

// policyFate reads one policy attribute: Delete (the default), Retain or
// RetainExceptOnCreate (kept) or Snapshot (deleted after a snapshot).
func policyFate(attr string, v any, dflt Outcome, dfltBy string) *Fate {
	switch {
	case v == nil:
		return &Fate{Outcome: dflt, By: dfltBy}
	case retained(v):
		return &Fate{Outcome: Kept, By: attr + " " + v.(string)}
	case v == "Delete":
		return &Fate{Outcome: Deleted, By: attr + " Delete"}
	case v == "Snapshot":
		return &Fate{Outcome: Snapshotted, By: attr + " Snapshot"}
	}
	return &Fate{Outcome: Undecided, By: attr + " " + Render(v)}
}

// replacedFate follows the CloudFormation User Guide, "UpdateReplacePolicy
// attribute": CloudFormation creates the replacement first, then deletes
// the old resource, unless UpdateReplacePolicy is Retain (kept) or
// Snapshot (a snapshot, then deleted). "DeletionPolicy attribute": it
// "doesn't apply to resources whose physical instance is replaced".
func replacedFate(o, n Resource) *Fate {
	f := policyFate("UpdateReplacePolicy", n.UpdateReplacePolicy, Deleted, "default (no UpdateReplacePolicy)")
	if f.Outcome == Deleted && retained(n.DeletionPolicy) {
		f.Notes = append(f.Notes, "DeletionPolicy "+Render(n.DeletionPolicy)+" does not apply to a replacement: only UpdateReplacePolicy keeps the old one")
	}
	if !reflect.DeepEqual(o.UpdateReplacePolicy, n.UpdateReplacePolicy) {
		was := "no UpdateReplacePolicy"
		if o.UpdateReplacePolicy != nil {
			was = "UpdateReplacePolicy " + Render(o.UpdateReplacePolicy)
		}
		f.Notes = append(f.Notes, "the old template says "+was+": change the policy in a deployment of its own to be sure which one applies")
	}
	if f.Outcome != Kept && n.Type == "AWS::S3::Bucket" {
		// "DeletionPolicy attribute", Delete: "For Amazon S3 buckets, you
		// must delete all objects in the bucket for deletion to succeed."
		f.Notes = append(f.Notes, "CloudFormation deletes only an empty bucket: one that holds objects stays behind, outside the stack")
	}
	return f
}

// noteOrphanedBuckets adds to each kept bucket the bucket policies of the
// old template that leave it: the policy's delete removes the bucket's
// policy, so the kept bucket is left without one.
func noteOrphanedBuckets(old *Template, changes map[string]*Change) {
	for _, id := range slices.Sorted(maps.Keys(changes)) {
		c := changes[id]
		if c.Type != "AWS::S3::Bucket" || c.Old == nil || c.Old.Outcome != Kept {
			continue
		}
		for _, pid := range slices.Sorted(maps.Keys(old.Resources)) {
			p := old.Resources[pid]
			if p.Type != "AWS::S3::BucketPolicy" || !slices.Contains(references(p.Properties["Bucket"]), reference{target: id, byRef: true}) {
				continue
			}
			pc := changes[pid]
			if pc == nil || pc.Old == nil || pc.Old.Outcome == Kept {
				continue
			}
			how := "is deleted"
			if pc.Kind == Modified {
				how = "goes to the new bucket"
			}
			c.Old.Notes = append(c.Old.Notes, fmt.Sprintf("its bucket policy `%s` %s: the kept one is left without a bucket policy", pid, how))
		}
	}
}

// removedFate follows the CloudFormation User Guide, "DeletionPolicy
// attribute": a resource removed from the template is deleted, unless its
// DeletionPolicy is Retain or RetainExceptOnCreate (kept) or Snapshot;
// "the default policy is Snapshot for AWS::RDS::DBCluster resources and
// for AWS::RDS::DBInstance resources that don't specify the
// DBClusterIdentifier property".
func removedFate(o Resource) *Fate {
	dflt, by := Deleted, "default (no DeletionPolicy)"
	switch {
	case o.Type == "AWS::RDS::DBCluster":
		dflt, by = Snapshotted, "default for AWS::RDS::DBCluster (no DeletionPolicy)"
	case o.Type == "AWS::RDS::DBInstance" && o.Properties["DBClusterIdentifier"] == nil:
		dflt, by = Snapshotted, "default for an AWS::RDS::DBInstance outside a cluster (no DeletionPolicy)"
	}
	f := policyFate("DeletionPolicy", o.DeletionPolicy, dflt, by)
	if f.Outcome != Kept && o.Type == "AWS::S3::Bucket" {
		f.Notes = append(f.Notes, "CloudFormation deletes only an empty bucket: one that holds objects stays behind, outside the stack")
	}
	return f
}

// RetentionChange is a change of DeletionPolicy or UpdateReplacePolicy
// that changes what CloudFormation would do: Delete written out where it
// is the default is none.
type RetentionChange struct {
	PropertyChange // Path "(DeletionPolicy)" or "(UpdateReplacePolicy)"
	// Now is what the new value does: to the resource when it is removed
	// (or its stack deleted), or to the old one when it is replaced.
	Now *Fate
}

func retentionChanges(o, n Resource, props []PropertyChange) []RetentionChange {
	var out []RetentionChange
	for _, p := range props {
		var before, after *Fate
		switch p.Path {
		case "(DeletionPolicy)":
			before, after = removedFate(o), removedFate(n)
		case "(UpdateReplacePolicy)":
			before = policyFate("", o.UpdateReplacePolicy, Deleted, "")
			after = policyFate("", n.UpdateReplacePolicy, Deleted, "")
		default:
			continue
		}
		if before.Outcome != after.Outcome || (after.Outcome == Undecided && before.By != after.By) {
			out = append(out, RetentionChange{PropertyChange: p, Now: after})
		}
	}
	return out
}
