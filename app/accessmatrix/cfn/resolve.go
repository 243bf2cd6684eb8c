package cfn

import (
	"errors"
	"fmt"
	"maps"
	"path"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
)

// Symbol writes name the way Fn::Sub would, "${name}": the form every
// unknowable value takes after resolution.
func Symbol(name string) string { return "${" + name + "}" }

// IsSymbolic reports whether s contains at least one symbol.
func IsSymbolic(s string) bool { return strings.Contains(s, "${") }

// Options gives the resolver values it cannot know offline.
type Options struct {
	// Values maps a pseudo parameter ("AWS::Region") or a parameter name to
	// the value to use instead of a symbol or the parameter's default, in
	// every template: a pseudo parameter given here takes precedence over
	// a template's own (Template.Env).
	Values map[string]string
}

// Resolver resolves intrinsic functions across a set of templates, so that
// Fn::ImportValue can follow an export from one template to another, and
// an SSM parameter one template writes to the template that reads it.
//
// A logical id, a parameter name and a mapping name are local to their
// template: two templates given together (one stage per environment) may
// both have a Storage6B64FB91, which are two buckets. The symbol of such a
// name says whose it is when another template defines the same name:
// "${dev#Storage6B64FB91}" (see LocalSymbol and Scope). A name that only
// one template defines keeps its plain symbol, "${Storage6B64FB91}", so a
// single template resolves as it always has.
//
// A pseudo parameter is resolved from Options.Values, else from the
// template's Env, else it is a symbol. Each stack has its own name, id,
// account and region: given several templates (stages that may deploy to
// different accounts and regions), the symbols of AWS::StackName,
// AWS::StackId, AWS::AccountId and AWS::Region carry the template's label,
// "${dev#AWS::AccountId}", so a dev role and a prod bucket whose accounts
// nobody gave are not provably in one account. AWS::Partition and the
// other pseudo parameters stay plain; a single template's are all plain.
type Resolver struct {
	opts      Options
	templates []*Template
	exports   map[string]export
	// labels name each template in its qualified symbols; shared lists
	// the names (logical ids, parameters; mappings under "Fn::FindInMap:")
	// that more than one template defines.
	labels map[*Template]string
	shared map[string]bool
	// ssm caches, by SSM parameter name, the one template resource that
	// writes it (nil when none, several or an uncertain one may).
	ssm map[string]*ssmWriter
	// active guards against cycles (a bucket whose BucketName refers to
	// itself, conditions that refer to each other): resolution would
	// otherwise recurse forever.
	active map[string]bool
}

type export struct {
	t   *Template
	out string
}

// ssmWriter is an AWS::SSM::Parameter resource of one of the templates.
type ssmWriter struct {
	t   *Template
	res *Resource
}

// noValue stands for AWS::NoValue until the enclosing object or list drops
// it.
type noValueType struct{}

var noValue = noValueType{}

// errUnknown marks a condition that depends on a value only known at
// deploy time.
var errUnknown = errors.New("unknown offline")

// NewResolver indexes the exports of all templates. Two templates exporting
// the same name is an error, as it is for CloudFormation in one region.
func NewResolver(opts Options, templates ...*Template) (*Resolver, error) {
	r := &Resolver{opts: opts, templates: templates, exports: map[string]export{}, active: map[string]bool{}, ssm: map[string]*ssmWriter{}}
	r.scope()
	for _, t := range templates {
		for _, id := range slices.Sorted(maps.Keys(t.Outputs)) {
			o := t.Outputs[id]
			if o.ExportName == nil {
				continue
			}
			v, err := r.resolve(t, o.ExportName, "")
			if err != nil {
				return nil, &Error{File: t.Name, Resource: "Outputs." + id, Property: "Export.Name", Err: err}
			}
			name, ok := v.(string)
			if !ok {
				return nil, &Error{File: t.Name, Resource: "Outputs." + id, Property: "Export.Name", Err: errors.New("must resolve to a string")}
			}
			if prev, dup := r.exports[name]; dup {
				return nil, &Error{File: t.Name, Resource: "Outputs." + id, Property: "Export.Name", Err: fmt.Errorf("export %q is also exported by %s output %s", name, prev.t.Name, prev.out)}
			}
			r.exports[name] = export{t: t, out: id}
		}
	}
	return r, nil
}

// Templates returns the templates the resolver was built with.
func (r *Resolver) Templates() []*Template { return r.templates }

// scope labels the templates and finds the names more than one defines.
func (r *Resolver) scope() {
	r.labels = map[*Template]string{}
	r.shared = map[string]bool{}
	if len(r.templates) < 2 {
		return
	}
	defined := map[string]int{}
	for _, t := range r.templates {
		names := map[string]bool{}
		for id := range t.Resources {
			names[id] = true
		}
		for id := range t.Parameters {
			names[id] = true
		}
		for id := range t.Mappings {
			names["Fn::FindInMap:"+id] = true
		}
		for n := range names {
			defined[n]++
		}
	}
	for n, c := range defined {
		if c > 1 {
			r.shared[n] = true
		}
	}
	// The label is the file's base name without its extension
	// (devPrivateS3dev38B48B8E for cdk.out/assembly-dev/
	// devPrivateS3dev38B48B8E.template.json); the whole path when two base
	// names agree; a counter after that (the same file given twice).
	byBase := map[string]int{}
	for _, t := range r.templates {
		byBase[label(path.Base(filepath.ToSlash(t.Name)))]++
	}
	used := map[string]bool{}
	for i, t := range r.templates {
		l := label(path.Base(filepath.ToSlash(t.Name)))
		if byBase[l] > 1 {
			l = label(filepath.ToSlash(t.Name))
		}
		if l == "" || used[l] {
			l = fmt.Sprintf("%s-%d", l, i+1)
		}
		used[l] = true
		r.labels[t] = l
	}
}

// label makes a file name into a template label: its extensions cut, and
// every character that could end or open a symbol, or that policies and
// ARNs split on ("/", ":"), replaced, as is "#", which ends a label.
func label(name string) string {
	for _, ext := range []string{".json", ".yaml", ".yml", ".template"} {
		name = strings.TrimSuffix(name, ext)
	}
	return strings.Map(func(c rune) rune {
		switch c {
		case '$', '{', '}', '/', ':', '#', ' ', '\t', '\n':
			return '_'
		}
		return c
	}, name)
}

// LocalSymbol is the symbol of name+suffix, where name is a logical id or a
// parameter of t (suffix, such as ".Arn", is what follows it): "${name}"
// when no other template defines name, otherwise "${label#name}" with t's
// label, so that equal logical ids of two templates are two values. The
// "#" keeps the symbol whole wherever ARNs and policies are split on "/"
// or ":".
func (r *Resolver) LocalSymbol(t *Template, name, suffix string) string {
	if r.shared[name] {
		return Symbol(r.labels[t] + "#" + name + suffix)
	}
	return Symbol(name + suffix)
}

// Scope splits a symbol into the template it is local to and its name
// there: ${dev#Storage6B64FB91} is Storage6B64FB91 of the template labelled
// dev, ${dev#AWS::AccountId} the account of dev's stack. A symbol without
// a label returns a nil template and its name: a name at most one template
// defines, a pseudo parameter of a single template or of every one
// (AWS::Partition), an import.
func (r *Resolver) Scope(symbol string) (*Template, string) {
	name := strings.TrimSuffix(strings.TrimPrefix(symbol, "${"), "}")
	if len(r.labels) == 0 {
		return nil, name
	}
	var best *Template
	rest := name
	for _, t := range r.templates {
		l := r.labels[t]
		if after, ok := strings.CutPrefix(name, l+"#"); ok && (best == nil || len(l) > len(r.labels[best])) {
			best, rest = t, after
		}
	}
	return best, rest
}

// Property resolves one top-level property of a resource. ok is false when
// the property is absent or resolves to AWS::NoValue.
func (r *Resolver) Property(t *Template, res *Resource, name string) (v any, ok bool, err error) {
	raw, present := res.Properties[name]
	if !present {
		return nil, false, nil
	}
	v, err = r.resolve(t, raw, name)
	if err != nil {
		return nil, false, r.wrap(t, res.LogicalID, name, err)
	}
	if v == noValue {
		return nil, false, nil
	}
	return v, true, nil
}

// Resolve evaluates every intrinsic in v, a fragment of t (for example a
// rule nested in a property that was read raw).
func (r *Resolver) Resolve(t *Template, v any) (any, error) {
	out, err := r.resolve(t, v, "")
	if out == noValue {
		out = nil
	}
	return out, err
}

// Exists reports whether the resource is created, that is whether its
// Condition (if any) holds.
func (r *Resolver) Exists(t *Template, res *Resource) (bool, error) {
	if res.Condition == "" {
		return true, nil
	}
	ok, err := r.condition(t, res.Condition)
	if err != nil {
		return false, r.wrap(t, res.LogicalID, "Condition", err)
	}
	return ok, nil
}

// Ref resolves {"Ref": name} in t: what other resources see of a resource
// or parameter.
func (r *Resolver) Ref(t *Template, name string) (any, error) {
	return r.ref(t, name)
}

func (r *Resolver) wrap(t *Template, res, prop string, err error) error {
	var ce *Error
	if errors.As(err, &ce) {
		return err // already located, in another template or resource
	}
	if pe, ok := err.(*pathError); ok {
		if pe.path != "" {
			prop = pe.path
		}
		err = pe.err
	}
	return &Error{File: t.Name, Resource: res, Property: prop, Err: err}
}

func (p *pathError) Error() string {
	if p.path == "" {
		return p.err.Error()
	}
	return p.path + ": " + p.err.Error()
}

// resolve evaluates every intrinsic in v. path locates v for errors.
func (r *Resolver) resolve(t *Template, v any, path string) (any, error) {
	switch x := v.(type) {
	case []any:
		out := make([]any, 0, len(x))
		for i, e := range x {
			rv, err := r.resolve(t, e, fmt.Sprintf("%s[%d]", path, i))
			if err != nil {
				return nil, err
			}
			if rv != noValue {
				out = append(out, rv)
			}
		}
		return out, nil
	case map[string]any:
		if len(x) == 1 {
			for fn, arg := range x {
				if fn == "Ref" || strings.HasPrefix(fn, "Fn::") {
					v, err := r.intrinsic(t, fn, arg, path)
					if err != nil {
						if _, ok := err.(*pathError); ok {
							return nil, err
						}
						var ce *Error
						if errors.As(err, &ce) {
							return nil, err
						}
						return nil, &pathError{path, err}
					}
					return v, nil
				}
			}
		}
		out := make(map[string]any, len(x))
		for _, k := range slices.Sorted(maps.Keys(x)) {
			rv, err := r.resolve(t, x[k], path+"."+k)
			if err != nil {
				return nil, err
			}
			if rv != noValue {
				out[k] = rv
			}
		}
		return out, nil
	default:
		return v, nil
	}
}

func (r *Resolver) intrinsic(t *Template, fn string, arg any, path string) (any, error) {
	switch fn {
	case "Ref":
		name, ok := arg.(string)
		if !ok {
			return nil, errors.New("Ref takes a string")
		}
		return r.ref(t, name)
	case "Fn::GetAtt":
		res, attr, err := getAttArgs(arg)
		if err != nil {
			return nil, err
		}
		return r.getAtt(t, res, attr)
	case "Fn::Join":
		a, ok := arg.([]any)
		if !ok || len(a) != 2 {
			return nil, errors.New("Fn::Join takes [delimiter, list]")
		}
		delim, ok := a[0].(string)
		if !ok {
			return nil, errors.New("Fn::Join delimiter must be a string")
		}
		lv, err := r.resolve(t, a[1], path)
		if err != nil {
			return nil, err
		}
		if s, ok := lv.(string); ok && IsSymbolic(s) {
			return s, nil // a list only known at deploy time
		}
		list, ok := lv.([]any)
		if !ok {
			return nil, errors.New("Fn::Join list must resolve to a list")
		}
		parts := make([]string, len(list))
		for i, e := range list {
			s, ok := scalarString(e)
			if !ok {
				return nil, fmt.Errorf("Fn::Join element %d must resolve to a string", i)
			}
			parts[i] = s
		}
		return strings.Join(parts, delim), nil
	case "Fn::Sub":
		return r.sub(t, arg, path)
	case "Fn::Select":
		a, ok := arg.([]any)
		if !ok || len(a) != 2 {
			return nil, errors.New("Fn::Select takes [index, list]")
		}
		iv, err := r.resolve(t, a[0], path)
		if err != nil {
			return nil, err
		}
		is, ok := scalarString(iv)
		idx, perr := strconv.Atoi(is)
		if !ok || perr != nil || idx < 0 {
			return nil, errors.New("Fn::Select index must be a non-negative integer")
		}
		lv, err := r.resolve(t, a[1], path)
		if err != nil {
			return nil, err
		}
		switch l := lv.(type) {
		case []any:
			if idx >= len(l) {
				return nil, fmt.Errorf("Fn::Select index %d out of range (list has %d elements)", idx, len(l))
			}
			return l[idx], nil
		case string:
			if IsSymbolic(l) {
				return Symbol(fmt.Sprintf("%s[%d]", strings.TrimSuffix(strings.TrimPrefix(l, "${"), "}"), idx)), nil
			}
		}
		return nil, errors.New("Fn::Select list must resolve to a list")
	case "Fn::Split":
		a, ok := arg.([]any)
		if !ok || len(a) != 2 {
			return nil, errors.New("Fn::Split takes [delimiter, string]")
		}
		delim, ok := a[0].(string)
		if !ok || delim == "" {
			return nil, errors.New("Fn::Split delimiter must be a non-empty string")
		}
		sv, err := r.resolve(t, a[1], path)
		if err != nil {
			return nil, err
		}
		s, ok := scalarString(sv)
		if !ok {
			return nil, errors.New("Fn::Split source must resolve to a string")
		}
		if r.mayHold(s, delim) {
			// A value known only at deploy may hold the delimiter: how
			// many parts there are, and which, is known then only. AWS's
			// Network Firewall samples take Fn::Select [1, Fn::Split [":",
			// endpoint]] of an attribute: an unknown list, whose elements
			// Fn::Select names, never an index out of range.
			return Symbol("Fn::Split " + escapeBraces(strconv.Quote(delim)) + " of " + escapeBraces(s)), nil
		}
		var out []any
		for _, p := range splitOutsideSymbols(s, delim) {
			out = append(out, p)
		}
		return out, nil
	case "Fn::GetAZs":
		// Availability zone names are per account; six symbols cover every
		// region's count and still compare equal to themselves.
		out := make([]any, 6)
		for i := range out {
			out[i] = Symbol(fmt.Sprintf("AZ%d", i))
		}
		return out, nil
	case "Fn::If":
		a, ok := arg.([]any)
		if !ok || len(a) != 3 {
			return nil, errors.New("Fn::If takes [condition, value if true, value if false]")
		}
		c, ok := a[0].(string)
		if !ok {
			return nil, errors.New("Fn::If condition must be a condition name")
		}
		yes, err := r.condition(t, c)
		if err != nil {
			return nil, err
		}
		if yes {
			return r.resolve(t, a[1], path)
		}
		return r.resolve(t, a[2], path)
	case "Fn::ImportValue":
		nv, err := r.resolve(t, arg, path)
		if err != nil {
			return nil, err
		}
		name, ok := nv.(string)
		if !ok {
			return nil, errors.New("Fn::ImportValue name must resolve to a string")
		}
		ex, found := r.exports[name]
		if !found {
			// Exported by a stack we were not given: known only at deploy.
			return Symbol("Fn::ImportValue:" + name), nil
		}
		key := "import:" + name
		if r.active[key] {
			return nil, fmt.Errorf("Fn::ImportValue %q: cycle", name)
		}
		r.active[key] = true
		defer delete(r.active, key)
		v, err := r.resolve(ex.t, ex.t.Outputs[ex.out].Value, "Value")
		if err != nil {
			return nil, r.wrap(ex.t, "Outputs."+ex.out, "Value", err)
		}
		return v, nil
	case "Fn::FindInMap":
		return r.findInMap(t, arg, path)
	case "Fn::Base64":
		return r.resolve(t, arg, path)
	case "Fn::Cidr":
		return Symbol("Fn::Cidr"), nil
	case "Fn::Equals", "Fn::And", "Fn::Or", "Fn::Not":
		return nil, fmt.Errorf("%s is only allowed in Conditions", fn)
	}
	return nil, fmt.Errorf("unsupported intrinsic function %s", fn)
}

func (r *Resolver) value(name string) (string, bool) {
	v, ok := r.opts.Values[name]
	return v, ok
}

// perStack are the pseudo parameters each stack has its own value of:
// with several templates, their symbols are local to a template.
var perStack = map[string]bool{
	"AWS::StackName": true,
	"AWS::StackId":   true,
	"AWS::AccountId": true,
	"AWS::Region":    true,
}

// pseudo is the value of a pseudo parameter in t: the one given for every
// template (Options.Values), else t's own (Template.Env), else a symbol,
// local to t for a per-stack one when there are several templates.
func (r *Resolver) pseudo(t *Template, name string) string {
	if v, ok := r.value(name); ok {
		return v
	}
	if t.Env[name] != "" {
		return t.Env[name]
	}
	if perStack[name] && len(r.templates) > 1 {
		return Symbol(r.labels[t] + "#" + name)
	}
	return Symbol(name)
}

func (r *Resolver) ref(t *Template, name string) (any, error) {
	if name == "AWS::NoValue" {
		return noValue, nil
	}
	if pseudoParameters[name] {
		return r.pseudo(t, name), nil
	}
	if p, ok := t.Parameters[name]; ok {
		if v, ok := r.value(name); ok {
			return r.paramValue(p, v), nil
		}
		// SSM parameter types hold the parameter's name as Default, not
		// its value: the value is known only when another of the
		// templates writes that parameter.
		if p.HasDefault && strings.HasPrefix(p.Type, "AWS::SSM::") {
			v, ok, err := r.ssmValue(t, p)
			if err != nil || ok {
				return v, err
			}
		} else if p.HasDefault {
			if s, ok := scalarString(p.Default); ok {
				return r.paramValue(p, s), nil
			}
			return p.Default, nil
		}
		return r.LocalSymbol(t, name, ""), nil
	}
	res, ok := t.Resources[name]
	if !ok {
		return nil, fmt.Errorf("Ref to unknown %q", name)
	}
	// A resource's Ref is its physical name when the template sets it;
	// otherwise CloudFormation invents one, which stays a symbol.
	var nameProp string
	switch res.Type {
	case "AWS::S3::Bucket":
		nameProp = "BucketName"
	case "AWS::IAM::Role":
		nameProp = "RoleName"
	}
	if nameProp != "" {
		if raw, ok := res.Properties[nameProp]; ok {
			key := "ref:" + t.Name + ":" + name
			if r.active[key] {
				return nil, fmt.Errorf("Ref %q: cycle through its %s", name, nameProp)
			}
			r.active[key] = true
			defer delete(r.active, key)
			v, err := r.resolve(t, raw, nameProp)
			if err != nil {
				return nil, r.wrap(t, name, nameProp, err)
			}
			if s, ok := v.(string); ok && s != "" {
				return s, nil
			}
		}
	}
	return r.LocalSymbol(t, name, ""), nil
}

// ssmValue is the value of an SSM parameter-typed parameter when another
// of the templates writes the parameter it names: one AWS::SSM::Parameter
// resource, created, whose Name is that name. ok is false when none does,
// when several may, or when the type is not a plain string.
func (r *Resolver) ssmValue(t *Template, p Parameter) (any, bool, error) {
	name, isString := p.Default.(string)
	if p.Type != "AWS::SSM::Parameter::Value<String>" || !isString || name == "" || IsSymbolic(name) || len(r.templates) < 2 {
		return nil, false, nil
	}
	w, cached := r.ssm[name]
	if !cached {
		// A writer's Name may itself be read from SSM.
		key := "ssm-writer:" + name
		if r.active[key] {
			return nil, false, nil
		}
		r.active[key] = true
		w = r.ssmWriterOf(name)
		delete(r.active, key)
		r.ssm[name] = w
	}
	if w == nil || w.t == t {
		// A template reads its own parameter at deploy time, before it
		// writes it: what it reads is the previous deployment's value.
		return nil, false, nil
	}
	key := "ssm:" + name
	if r.active[key] {
		return nil, false, fmt.Errorf("SSM parameter %q: cycle", name)
	}
	r.active[key] = true
	defer delete(r.active, key)
	raw, ok := w.res.Properties["Value"]
	if !ok {
		return nil, false, nil
	}
	v, err := r.resolve(w.t, raw, "Value")
	if err != nil {
		return nil, false, r.wrap(w.t, w.res.LogicalID, "Value", err)
	}
	if _, ok := scalarString(v); !ok {
		return nil, false, nil
	}
	return v, true, nil
}

// ssmWriterOf finds the one resource that writes the SSM parameter name.
// A writer whose Name or Condition is unknown offline may be one, so it
// rules the link out, as do two writers.
func (r *Resolver) ssmWriterOf(name string) *ssmWriter {
	var found *ssmWriter
	for _, t := range r.templates {
		for _, id := range slices.Sorted(maps.Keys(t.Resources)) {
			res := t.Resources[id]
			if res.Type != "AWS::SSM::Parameter" {
				continue
			}
			raw, ok := res.Properties["Name"]
			if !ok {
				continue // CloudFormation generates a name: not this one
			}
			v, err := r.resolve(t, raw, "Name")
			s, isString := scalarString(v)
			switch {
			case err != nil || !isString:
				return nil
			case IsSymbolic(s):
				// It may be name, unless its literal start says not.
				if strings.HasPrefix(name, s[:strings.Index(s, "${")]) {
					return nil
				}
				continue
			case s != name:
				continue
			}
			exists, err := r.Exists(t, res)
			if err != nil || (exists && found != nil) {
				return nil
			}
			if exists {
				found = &ssmWriter{t: t, res: res}
			}
		}
	}
	return found
}

func (r *Resolver) paramValue(p Parameter, s string) any {
	if strings.HasPrefix(p.Type, "List<") || p.Type == "CommaDelimitedList" {
		var out []any
		for _, e := range strings.Split(s, ",") {
			out = append(out, strings.TrimSpace(e))
		}
		return out
	}
	return s
}

func (r *Resolver) getAtt(t *Template, resID, attr string) (any, error) {
	res, ok := t.Resources[resID]
	if !ok {
		return nil, fmt.Errorf("Fn::GetAtt of unknown resource %q", resID)
	}
	// The ARNs that policies compare against are built the way AWS builds
	// them, so a role's ARN matches an ArnLike pattern over the same
	// symbols.
	switch {
	case res.Type == "AWS::S3::Bucket" && attr == "Arn":
		name, err := r.ref(t, resID)
		if err != nil {
			return nil, err
		}
		return "arn:" + r.pseudo(t, "AWS::Partition") + ":s3:::" + fmt.Sprint(name), nil
	case res.Type == "AWS::IAM::Role" && attr == "Arn":
		name, err := r.ref(t, resID)
		if err != nil {
			return nil, err
		}
		p := "/"
		if raw, ok := res.Properties["Path"]; ok {
			v, err := r.resolve(t, raw, "Path")
			if err != nil {
				return nil, r.wrap(t, resID, "Path", err)
			}
			if s, ok := v.(string); ok && s != "" {
				p = s
			}
		}
		return "arn:" + r.pseudo(t, "AWS::Partition") + ":iam::" + r.pseudo(t, "AWS::AccountId") + ":role" + p + fmt.Sprint(name), nil
	}
	return r.LocalSymbol(t, resID, "."+attr), nil
}

func (r *Resolver) sub(t *Template, arg any, path string) (any, error) {
	a, ok := arg.([]any)
	var str string
	vars := map[string]any{}
	switch {
	case ok && len(a) == 2:
		sv, err := r.resolve(t, a[0], path)
		if err != nil {
			return nil, err
		}
		s, ok := sv.(string)
		if !ok {
			return nil, errors.New("Fn::Sub string must resolve to a string")
		}
		str = s
		vm, ok := a[1].(map[string]any)
		if !ok {
			return nil, errors.New("Fn::Sub variables must be an object")
		}
		for _, k := range slices.Sorted(maps.Keys(vm)) {
			v, err := r.resolve(t, vm[k], path)
			if err != nil {
				return nil, err
			}
			vars[k] = v
		}
	default:
		s, ok := arg.(string)
		if !ok {
			return nil, errors.New("Fn::Sub takes a string or [string, {variables}]")
		}
		str = s
	}
	var b strings.Builder
	for {
		i := strings.Index(str, "${")
		if i < 0 {
			b.WriteString(str)
			return b.String(), nil
		}
		b.WriteString(str[:i])
		str = str[i+2:]
		j := strings.IndexByte(str, '}')
		if j < 0 {
			return nil, errors.New("Fn::Sub: unterminated ${")
		}
		name := strings.TrimSpace(str[:j])
		str = str[j+1:]
		if strings.HasPrefix(name, "!") {
			b.WriteString("${" + name[1:] + "}")
			continue
		}
		var v any
		var err error
		if vv, ok := vars[name]; ok {
			v = vv
		} else if res, attr, isAtt := strings.Cut(name, "."); isAtt {
			v, err = r.getAtt(t, res, attr)
		} else {
			v, err = r.ref(t, name)
		}
		if err != nil {
			return nil, fmt.Errorf("Fn::Sub: %w", err)
		}
		s, ok := scalarString(v)
		if !ok {
			return nil, fmt.Errorf("Fn::Sub: ${%s} must resolve to a string", name)
		}
		b.WriteString(s)
	}
}

func (r *Resolver) findInMap(t *Template, arg any, path string) (any, error) {
	a, ok := arg.([]any)
	if !ok || len(a) < 3 || len(a) > 4 {
		return nil, errors.New("Fn::FindInMap takes [map, top-level key, second-level key]")
	}
	keys := make([]string, 3)
	for i := range keys {
		v, err := r.resolve(t, a[i], path)
		if err != nil {
			return nil, err
		}
		s, ok := scalarString(v)
		if !ok {
			return nil, fmt.Errorf("Fn::FindInMap key %d must resolve to a string", i)
		}
		keys[i] = s
	}
	symbol := func() string {
		if r.shared["Fn::FindInMap:"+keys[0]] {
			return Symbol(r.labels[t] + "#Fn::FindInMap:" + strings.Join(keys, "."))
		}
		return Symbol("Fn::FindInMap:" + strings.Join(keys, "."))
	}
	m, ok := t.Mappings[keys[0]].(map[string]any)
	if !ok {
		if IsSymbolic(keys[0]) {
			return symbol(), nil
		}
		return nil, fmt.Errorf("Fn::FindInMap: unknown mapping %q", keys[0])
	}
	if IsSymbolic(keys[1]) || IsSymbolic(keys[2]) {
		// Usually keyed by ${AWS::Region}. If every entry agrees on the
		// value the key does not matter; otherwise it stays a symbol.
		var same any
		n := 0
		for _, k := range slices.Sorted(maps.Keys(m)) {
			top, _ := m[k].(map[string]any)
			v, ok := top[keys[2]]
			if !ok {
				if !IsSymbolic(keys[2]) {
					n = -1
					break
				}
				continue
			}
			if n > 0 && !reflect.DeepEqual(v, same) {
				n = -1
				break
			}
			same = v
			n++
		}
		if n > 0 && !IsSymbolic(keys[2]) {
			return r.resolve(t, same, path)
		}
		return symbol(), nil
	}
	top, ok := m[keys[1]].(map[string]any)
	if ok {
		if v, ok := top[keys[2]]; ok {
			return r.resolve(t, v, path)
		}
	}
	if len(a) == 4 {
		if opts, ok := a[3].(map[string]any); ok {
			if d, ok := opts["DefaultValue"]; ok {
				return r.resolve(t, d, path)
			}
		}
	}
	return nil, fmt.Errorf("Fn::FindInMap: mapping %q has no %q.%q", keys[0], keys[1], keys[2])
}

// condition evaluates a named condition; a condition that depends on a
// value unknown offline is an error that tells the user how to supply it.
func (r *Resolver) condition(t *Template, name string) (bool, error) {
	raw, ok := t.Conditions[name]
	if !ok {
		return false, fmt.Errorf("unknown condition %q", name)
	}
	key := "cond:" + t.Name + ":" + name
	if r.active[key] {
		return false, fmt.Errorf("condition %q refers to itself", name)
	}
	r.active[key] = true
	defer delete(r.active, key)
	v, err := r.condExpr(t, raw)
	if errors.Is(err, errUnknown) {
		return false, fmt.Errorf("condition %q cannot be decided offline: %w (set the value it depends on, e.g. --set AWS::Region=eu-west-1)", name, err)
	}
	if err != nil {
		return false, fmt.Errorf("condition %q: %w", name, err)
	}
	return v, nil
}

func (r *Resolver) condExpr(t *Template, v any) (bool, error) {
	m, ok := v.(map[string]any)
	if !ok || len(m) != 1 {
		if b, ok := v.(bool); ok {
			return b, nil
		}
		if s, ok := v.(string); ok && (s == "true" || s == "false") {
			return s == "true", nil
		}
		return false, errors.New("must be a condition function")
	}
	for fn, arg := range m {
		switch fn {
		case "Condition":
			name, ok := arg.(string)
			if !ok {
				return false, errors.New("Condition takes a name")
			}
			return r.condition(t, name)
		case "Fn::Equals":
			a, ok := arg.([]any)
			if !ok || len(a) != 2 {
				return false, errors.New("Fn::Equals takes two values")
			}
			x, err := r.resolve(t, a[0], "")
			if err != nil {
				return false, err
			}
			y, err := r.resolve(t, a[1], "")
			if err != nil {
				return false, err
			}
			xs, xok := scalarString(x)
			ys, yok := scalarString(y)
			if xok && yok {
				if xs == ys {
					return true, nil
				}
				if IsSymbolic(xs) || IsSymbolic(ys) {
					return false, fmt.Errorf("%w: %q vs %q", errUnknown, xs, ys)
				}
				return false, nil
			}
			return reflect.DeepEqual(x, y), nil
		case "Fn::Not":
			a, ok := arg.([]any)
			if !ok || len(a) != 1 {
				return false, errors.New("Fn::Not takes one condition")
			}
			b, err := r.condExpr(t, a[0])
			return !b, err
		case "Fn::And", "Fn::Or":
			a, ok := arg.([]any)
			if !ok || len(a) == 0 {
				return false, fmt.Errorf("%s takes a list of conditions", fn)
			}
			// Short-circuit like CloudFormation, so that a decided operand
			// can settle an expression whose other operand is unknown.
			var unknown error
			for _, e := range a {
				b, err := r.condExpr(t, e)
				if errors.Is(err, errUnknown) {
					unknown = err
					continue
				}
				if err != nil {
					return false, err
				}
				if fn == "Fn::And" && !b {
					return false, nil
				}
				if fn == "Fn::Or" && b {
					return true, nil
				}
			}
			if unknown != nil {
				return false, unknown
			}
			return fn == "Fn::And", nil
		}
		return false, fmt.Errorf("unsupported condition function %s", fn)
	}
	return false, nil
}

// scalarString renders the scalar JSON values CloudFormation converts to
// strings.
func scalarString(v any) (string, bool) {
	switch x := v.(type) {
	case string:
		return x, true
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64), true
	case bool:
		return strconv.FormatBool(x), true
	}
	return "", false
}

// mayHold reports whether a symbol of s may hold a character of delim,
// so that splitting s on delim outside its symbols may miss parts. A
// symbol's characters are known for the pseudo parameters and for the
// names and ids CloudFormation generates for a few resource types (see
// symbolClass); any other symbol may hold anything.
func (r *Resolver) mayHold(s, delim string) bool {
	for _, sym := range topSymbols(s) {
		class := r.symbolClass(sym)
		if class == nil || strings.ContainsFunc(delim, class) {
			return true
		}
	}
	return false
}

// refClasses are the characters of the Ref of a resource type:
// "Bucket names can consist only of lowercase letters, numbers, periods
// (.), and hyphens (-)" (S3 User Guide, "General purpose bucket naming
// rules"); a role name matches [\w+=,.@-]+ (IAM API Reference,
// CreateRole, RoleName); an EC2 resource id is "a resource identifier
// (such as snap for a snapshot) followed by a hyphen and a unique
// combination of letters and numbers" (Amazon EC2 User Guide, "Resource
// IDs").
var refClasses = map[string]func(rune) bool{
	"AWS::S3::Bucket": func(c rune) bool {
		return ('a' <= c && c <= 'z') || ('0' <= c && c <= '9') || c == '.' || c == '-'
	},
	"AWS::IAM::Role": func(c rune) bool {
		return ('a' <= c && c <= 'z') || ('A' <= c && c <= 'Z') || ('0' <= c && c <= '9') || strings.ContainsRune("_+=,.@-", c)
	},
	"AWS::EC2::VPC":             ec2ID,
	"AWS::EC2::VPCEndpoint":     ec2ID,
	"AWS::EC2::Subnet":          ec2ID,
	"AWS::EC2::SecurityGroup":   ec2ID,
	"AWS::EC2::RouteTable":      ec2ID,
	"AWS::EC2::NatGateway":      ec2ID,
	"AWS::EC2::InternetGateway": ec2ID,
}

func ec2ID(c rune) bool { return ('a' <= c && c <= 'z') || ('0' <= c && c <= '9') || c == '-' }

// symbolClass is the set of characters a symbol's value is made of, nil
// when it may hold any: an account id is "a 12-digit number" (AWS Account
// Management guide, "View AWS account identifiers"), a region or a
// partition name lower-case letters, digits and hyphens, and a resource's
// Ref as refClasses says.
func (r *Resolver) symbolClass(sym string) func(rune) bool {
	scope, name := r.Scope(sym)
	switch name {
	case "AWS::AccountId":
		return func(c rune) bool { return '0' <= c && c <= '9' }
	case "AWS::Region", "AWS::Partition":
		return ec2ID
	}
	templates := r.templates
	if scope != nil {
		templates = []*Template{scope}
	}
	for _, t := range templates {
		if res, ok := t.Resources[name]; ok {
			return refClasses[res.Type]
		}
	}
	return nil
}

// topSymbols lists the outermost symbols of s.
func topSymbols(s string) []string {
	var out []string
	for i := strings.Index(s, "${"); i >= 0; i = strings.Index(s, "${") {
		depth, end := 0, -1
		for j := i; j < len(s) && end < 0; j++ {
			switch {
			case strings.HasPrefix(s[j:], "${"):
				depth++
				j++
			case s[j] == '}':
				if depth--; depth == 0 {
					end = j + 1
				}
			}
		}
		if end < 0 {
			return out
		}
		out = append(out, s[i:end])
		s = s[end:]
	}
	return out
}

// escapeBraces writes the braces of s that are outside its symbols as
// \x7b and \x7d, so that s can be part of a symbol's name without
// closing it early.
func escapeBraces(s string) string {
	var b strings.Builder
	depth := 0
	for i := 0; i < len(s); i++ {
		switch {
		case strings.HasPrefix(s[i:], "${"):
			depth++
			b.WriteString("${")
			i++
		case s[i] == '}' && depth > 0:
			depth--
			b.WriteByte('}')
		case s[i] == '{':
			b.WriteString(`\x7b`)
		case s[i] == '}':
			b.WriteString(`\x7d`)
		default:
			b.WriteByte(s[i])
		}
	}
	return b.String()
}

// splitOutsideSymbols splits s on delim except inside ${...}, because
// symbols such as ${AWS::Region} contain ":" and must survive a split on
// ARN separators.
func splitOutsideSymbols(s, delim string) []string {
	var parts []string
	depth := 0
	start := 0
	for i := 0; i < len(s); {
		switch {
		case strings.HasPrefix(s[i:], "${"):
			depth++
			i += 2
		case s[i] == '}' && depth > 0:
			depth--
			i++
		case depth == 0 && strings.HasPrefix(s[i:], delim):
			parts = append(parts, s[start:i])
			i += len(delim)
			start = i
		default:
			i++
		}
	}
	return append(parts, s[start:])
}

// String returns v as a string when it resolved to a scalar.
func String(v any) (string, bool) { return scalarString(v) }

// Strings returns v as a list of strings. A single string counts as a list
// of one, because a Ref to a list parameter without default resolves to a
// single symbol.
func Strings(v any) ([]string, bool) {
	if s, ok := scalarString(v); ok {
		return []string{s}, true
	}
	l, ok := v.([]any)
	if !ok {
		return nil, false
	}
	out := make([]string, 0, len(l))
	for _, e := range l {
		s, ok := scalarString(e)
		if !ok {
			return nil, false
		}
		out = append(out, s)
	}
	return out, true
}
