// Package cfn reads CloudFormation JSON templates and resolves their
// intrinsic functions symbolically, without an AWS account.
//
// Offline, some values cannot be known: the account id, the region, the
// physical name CloudFormation will give a resource, a parameter without a
// default. Rather than failing, the resolver keeps such a value as a symbol
// written like Fn::Sub writes it, "${AWS::AccountId}" or "${UploaderRole}",
// embedded in the string that contains it. The policy evaluator compares
// symbols in three values: a symbol equals itself, so an ARN built from the
// same symbols in two places (a role's ARN and an ArnNotLike pattern in a
// bucket policy) provably matches; against anything else it may match,
// and the decision that depends on it is unknown.
package cfn

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"os"
	"slices"
	"sort"
	"strings"
)

// Template is one parsed CloudFormation template. Only the sections that
// can influence who reaches a bucket are kept; Rules, Metadata and
// Description are read and ignored, because they never change resources.
type Template struct {
	// Name is the file name as given to Load, used in errors and rows.
	Name       string
	Resources  map[string]*Resource
	Parameters map[string]Parameter
	Mappings   map[string]any
	Conditions map[string]any
	Outputs    map[string]Output
	// Env holds the pseudo parameters known for this template alone, by
	// name: its stack's environment, "AWS::AccountId" and "AWS::Region",
	// as a cloud assembly's manifest gives it (cdkout.StackFor). Parse
	// leaves it nil; the caller sets it. Options.Values, which hold for
	// every template, take precedence, and a pseudo parameter in neither
	// (or empty here) is a symbol: with several templates, AWS::AccountId
	// and AWS::Region are each template's own ("${label#AWS::AccountId}",
	// see Resolver), so two templates whose environments are unknown are
	// never taken to share an account or a region.
	Env map[string]string
	// Notes list what a transform left unmodelled (a SAM resource type, an
	// event source, another transform), so the output can say so.
	Notes []string
}

// Resource is one entry of the Resources section.
type Resource struct {
	LogicalID string
	Type      string
	// Condition names an entry of Conditions; empty when the resource is
	// unconditional.
	Condition  string
	Properties map[string]any
	// Notes say what of this resource a transform did not model, e.g. a
	// SAM role's policy that was not expanded.
	Notes []string
}

// Parameter is one entry of the Parameters section.
type Parameter struct {
	Type       string
	Default    any
	HasDefault bool
}

// Output is one entry of the Outputs section; ExportName is nil when the
// output is not exported.
type Output struct {
	Value      any
	ExportName any
}

// Error locates a problem in a template so that the user can fix it
// without guessing: the file, the resource (or section entry) and the
// property path.
type Error struct {
	File string
	// Line is the 1-based line in File, when known (YAML templates).
	Line     int
	Resource string
	Property string
	Err      error
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.File)
	if e.Line > 0 {
		fmt.Fprintf(&b, ":%d", e.Line)
	}
	if e.Resource != "" {
		b.WriteString(": resource ")
		b.WriteString(e.Resource)
	}
	if e.Property != "" {
		b.WriteString(": property ")
		b.WriteString(e.Property)
	}
	b.WriteString(": ")
	b.WriteString(e.Err.Error())
	return b.String()
}

func (e *Error) Unwrap() error { return e.Err }

// Load reads and parses the template at path.
func Load(path string) (*Template, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read template: %w", err)
	}
	return Parse(path, data)
}

// Parse parses a JSON or YAML template (see RegisterYAML), expands its
// transforms (see RegisterTransform), and checks its structure: every Ref, Fn::GetAtt and Fn::Sub
// reference must name something that exists, and every intrinsic function
// must be one the resolver understands. Checking here, once, means a
// dangling Ref is reported even in a resource the matrix never looks at.
func Parse(name string, data []byte) (*Template, error) {
	if !startsLikeJSON(data) {
		return parseYAML(name, data)
	}
	// Most templates are synthesized JSON: decoded at once, and only text
	// that fails asks isJSON whether it is YAML after all.
	var raw map[string]any
	dec := json.NewDecoder(bytes.NewReader(data))
	err := dec.Decode(&raw)
	if err != nil {
		err = fmt.Errorf("invalid JSON: %w", err)
	} else if dec.More() {
		err = errors.New("invalid JSON: data after the template object")
	}
	if err != nil {
		if !isJSON(data) {
			return parseYAML(name, data)
		}
		return nil, &Error{File: name, Err: err}
	}
	if raw == nil {
		return nil, &Error{File: name, Err: errors.New("template is not a JSON object")}
	}
	return fromTree(name, raw)
}

// fromTree builds a Template from a decoded document, JSON's or YAML's.
func fromTree(name string, raw map[string]any) (*Template, error) {
	t := &Template{
		Name:       name,
		Resources:  map[string]*Resource{},
		Parameters: map[string]Parameter{},
		Mappings:   map[string]any{},
		Conditions: map[string]any{},
		Outputs:    map[string]Output{},
	}
	var tr *transformed
	if v, ok := raw["Transform"]; ok && v != nil {
		// A transform rewrites the template server-side; reading the
		// untransformed text would silently miss functions and policies.
		var err error
		if tr, err = applyTransform(name, v, raw); err != nil {
			return nil, err
		}
		raw = tr.template
	}
	if v, ok := raw["Resources"]; ok {
		m, ok := v.(map[string]any)
		if !ok {
			return nil, &Error{File: name, Property: "Resources", Err: errors.New("must be an object")}
		}
		for id, rv := range m {
			rm, ok := rv.(map[string]any)
			if !ok {
				return nil, &Error{File: name, Resource: id, Err: errors.New("must be an object")}
			}
			typ, ok := rm["Type"].(string)
			if !ok || typ == "" {
				return nil, &Error{File: name, Resource: id, Property: "Type", Err: errors.New("must be a non-empty string")}
			}
			r := &Resource{LogicalID: id, Type: typ, Properties: map[string]any{}}
			if c, ok := rm["Condition"]; ok {
				cs, ok := c.(string)
				if !ok {
					return nil, &Error{File: name, Resource: id, Property: "Condition", Err: errors.New("must be a string")}
				}
				r.Condition = cs
			}
			if p, ok := rm["Properties"]; ok && p != nil {
				pm, ok := p.(map[string]any)
				if !ok {
					return nil, &Error{File: name, Resource: id, Property: "Properties", Err: errors.New("must be an object")}
				}
				r.Properties = pm
			}
			t.Resources[id] = r
		}
	}
	if v, ok := raw["Parameters"]; ok {
		m, ok := v.(map[string]any)
		if !ok {
			return nil, &Error{File: name, Property: "Parameters", Err: errors.New("must be an object")}
		}
		for id, pv := range m {
			pm, ok := pv.(map[string]any)
			if !ok {
				return nil, &Error{File: name, Resource: "Parameters." + id, Err: errors.New("must be an object")}
			}
			typ, _ := pm["Type"].(string)
			def, has := pm["Default"]
			t.Parameters[id] = Parameter{Type: typ, Default: def, HasDefault: has}
		}
	}
	for _, sec := range []struct {
		key string
		dst map[string]any
	}{{"Mappings", t.Mappings}, {"Conditions", t.Conditions}} {
		v, ok := raw[sec.key]
		if !ok {
			continue
		}
		m, ok := v.(map[string]any)
		if !ok {
			return nil, &Error{File: name, Property: sec.key, Err: errors.New("must be an object")}
		}
		for k, x := range m {
			sec.dst[k] = x
		}
	}
	if v, ok := raw["Outputs"]; ok {
		m, ok := v.(map[string]any)
		if !ok {
			return nil, &Error{File: name, Property: "Outputs", Err: errors.New("must be an object")}
		}
		for id, ov := range m {
			om, ok := ov.(map[string]any)
			if !ok {
				return nil, &Error{File: name, Resource: "Outputs." + id, Err: errors.New("must be an object")}
			}
			o := Output{Value: om["Value"]}
			if ex, ok := om["Export"].(map[string]any); ok {
				o.ExportName = ex["Name"]
			}
			t.Outputs[id] = o
		}
	}
	tr.annotate(t)
	if err := t.validate(); err != nil {
		return nil, err
	}
	return t, nil
}

// ResourcesOfType returns the resources of the given type sorted by logical
// id, so that every output built from them is deterministic.
func (t *Template) ResourcesOfType(typ string) []*Resource {
	var out []*Resource
	for _, r := range t.Resources {
		if r.Type == typ {
			out = append(out, r)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].LogicalID < out[j].LogicalID })
	return out
}

// pseudoParameters are the names Ref accepts besides parameters and
// resources.
var pseudoParameters = map[string]bool{
	"AWS::AccountId":        true,
	"AWS::Region":           true,
	"AWS::Partition":        true,
	"AWS::StackName":        true,
	"AWS::StackId":          true,
	"AWS::URLSuffix":        true,
	"AWS::NotificationARNs": true,
	"AWS::NoValue":          true,
}

// validate walks every place where intrinsics may appear and reports the
// first structural problem with its location.
func (t *Template) validate() error {
	ids := slices.Sorted(maps.Keys(t.Resources))
	for _, id := range ids {
		r := t.Resources[id]
		if r.Condition != "" {
			if _, ok := t.Conditions[r.Condition]; !ok {
				return &Error{File: t.Name, Resource: id, Property: "Condition", Err: fmt.Errorf("unknown condition %q", r.Condition)}
			}
		}
		keys := slices.Sorted(maps.Keys(r.Properties))
		for _, k := range keys {
			if err := t.check(r.Properties[k], k); err != nil {
				return &Error{File: t.Name, Resource: id, Property: err.path, Err: err.err}
			}
		}
	}
	for _, k := range slices.Sorted(maps.Keys(t.Conditions)) {
		if err := t.check(t.Conditions[k], k); err != nil {
			return &Error{File: t.Name, Resource: "Conditions." + k, Property: err.path, Err: err.err}
		}
	}
	for _, k := range slices.Sorted(maps.Keys(t.Outputs)) {
		o := t.Outputs[k]
		if err := t.check(o.Value, "Value"); err != nil {
			return &Error{File: t.Name, Resource: "Outputs." + k, Property: err.path, Err: err.err}
		}
		if err := t.check(o.ExportName, "Export.Name"); err != nil {
			return &Error{File: t.Name, Resource: "Outputs." + k, Property: err.path, Err: err.err}
		}
	}
	return nil
}

type pathError struct {
	path string
	err  error
}

func (t *Template) check(v any, path string) *pathError {
	switch x := v.(type) {
	case []any:
		for i, e := range x {
			if err := t.check(e, fmt.Sprintf("%s[%d]", path, i)); err != nil {
				return err
			}
		}
	case map[string]any:
		if len(x) == 1 {
			for fn, arg := range x {
				if fn == "Ref" || strings.HasPrefix(fn, "Fn::") || fn == "Condition" {
					if err := t.checkIntrinsic(fn, arg); err != nil {
						return &pathError{path, err}
					}
				}
			}
		}
		for _, k := range slices.Sorted(maps.Keys(x)) {
			if err := t.check(x[k], path+"."+k); err != nil {
				return err
			}
		}
	}
	return nil
}

func (t *Template) checkIntrinsic(fn string, arg any) error {
	switch fn {
	case "Ref":
		name, ok := arg.(string)
		if !ok {
			return errors.New("Ref takes a string")
		}
		return t.checkName(name)
	case "Fn::GetAtt":
		res, _, err := getAttArgs(arg)
		if err != nil {
			return err
		}
		if _, ok := t.Resources[res]; !ok {
			return fmt.Errorf("Fn::GetAtt of unknown resource %q", res)
		}
	case "Fn::Sub":
		str, vars, err := subArgs(arg)
		if err != nil {
			return err
		}
		if str == "" {
			return nil // the template string itself is an intrinsic; checked when resolved
		}
		refs, err := subReferences(str)
		if err != nil {
			return err
		}
		for _, name := range refs {
			if _, ok := vars[name]; ok {
				continue
			}
			res, _, isAtt := strings.Cut(name, ".")
			if isAtt {
				if _, ok := t.Resources[res]; !ok {
					return fmt.Errorf("Fn::Sub references unknown resource %q", res)
				}
				continue
			}
			if err := t.checkName(name); err != nil {
				return fmt.Errorf("Fn::Sub: %w", err)
			}
		}
	case "Fn::If":
		a, ok := arg.([]any)
		if !ok || len(a) != 3 {
			return errors.New("Fn::If takes [condition, value if true, value if false]")
		}
		c, ok := a[0].(string)
		if !ok {
			return errors.New("Fn::If condition must be a condition name")
		}
		if _, ok := t.Conditions[c]; !ok {
			return fmt.Errorf("Fn::If of unknown condition %q", c)
		}
	case "Condition":
		c, ok := arg.(string)
		if !ok {
			return nil // "Condition" is also an ordinary key, e.g. in IAM statements
		}
		if _, ok := t.Conditions[c]; !ok {
			return fmt.Errorf("unknown condition %q", c)
		}
	default:
		if !knownFunctions[fn] {
			return fmt.Errorf("unsupported intrinsic function %s", fn)
		}
	}
	return nil
}

func (t *Template) checkName(name string) error {
	if pseudoParameters[name] {
		return nil
	}
	if _, ok := t.Resources[name]; ok {
		return nil
	}
	if _, ok := t.Parameters[name]; ok {
		return nil
	}
	return fmt.Errorf("Ref to unknown %q (not a resource, parameter or pseudo parameter)", name)
}

// knownFunctions lists the intrinsics the resolver evaluates; Condition
// functions appear only inside Conditions and Fn::If.
var knownFunctions = map[string]bool{
	"Fn::GetAtt": true, "Fn::Join": true, "Fn::Sub": true, "Fn::Select": true,
	"Fn::Split": true, "Fn::GetAZs": true, "Fn::If": true, "Fn::ImportValue": true,
	"Fn::FindInMap": true, "Fn::Base64": true, "Fn::Cidr": true,
	"Fn::Equals": true, "Fn::And": true, "Fn::Or": true, "Fn::Not": true,
}

func getAttArgs(arg any) (res, attr string, err error) {
	switch a := arg.(type) {
	case string:
		res, attr, ok := strings.Cut(a, ".")
		if !ok || res == "" || attr == "" {
			return "", "", fmt.Errorf("Fn::GetAtt %q must be Resource.Attribute", a)
		}
		return res, attr, nil
	case []any:
		if len(a) == 2 {
			r, ok1 := a[0].(string)
			at, ok2 := a[1].(string)
			if ok1 && ok2 && r != "" && at != "" {
				return r, at, nil
			}
		}
	}
	return "", "", errors.New("Fn::GetAtt takes [resource, attribute]")
}

// subArgs splits both forms of Fn::Sub. str is empty when the template
// string is itself an intrinsic (allowed by CloudFormation, rare).
func subArgs(arg any) (str string, vars map[string]any, err error) {
	switch a := arg.(type) {
	case string:
		return a, nil, nil
	case []any:
		if len(a) == 2 {
			vm, ok := a[1].(map[string]any)
			if !ok {
				return "", nil, errors.New("Fn::Sub variables must be an object")
			}
			if s, ok := a[0].(string); ok {
				return s, vm, nil
			}
			if _, ok := a[0].(map[string]any); ok {
				return "", vm, nil
			}
		}
	}
	return "", nil, errors.New("Fn::Sub takes a string or [string, {variables}]")
}

// subReferences lists the names a Fn::Sub string refers to, skipping
// ${!Literal} escapes.
func subReferences(s string) ([]string, error) {
	var names []string
	for {
		i := strings.Index(s, "${")
		if i < 0 {
			return names, nil
		}
		s = s[i+2:]
		j := strings.IndexByte(s, '}')
		if j < 0 {
			return nil, errors.New("Fn::Sub: unterminated ${")
		}
		name := s[:j]
		s = s[j+1:]
		if strings.HasPrefix(name, "!") {
			continue
		}
		names = append(names, strings.TrimSpace(name))
	}
}
