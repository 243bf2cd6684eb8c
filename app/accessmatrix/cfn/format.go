package cfn

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
)

// YAMLDecoder decodes a YAML template into the tree encoding/json would
// produce from the same template written as JSON (short-form tags in their
// long form), and returns a function that gives the line of a resource's
// property, or 0, so that errors found later can point at the source.
type YAMLDecoder func(name string, data []byte) (tree map[string]any, line func(resource, property string) int, err error)

var yamlDecoder YAMLDecoder

// RegisterYAML makes Parse read YAML templates. Package cfnyaml registers
// itself when imported; the indirection keeps the YAML library out of
// programs that only read synthesized JSON, such as the CDK app.
func RegisterYAML(d YAMLDecoder) { yamlDecoder = d }

// isJSON tells a JSON template from a YAML one. Valid JSON is read as
// JSON. Text that starts like JSON ("{" or "[") but is not valid JSON is
// read as YAML only if it is valid YAML (a flow mapping, as in
// "{Resources: {}}"); otherwise the JSON error is the one reported, since
// that is what its author meant to write.
func isJSON(data []byte) bool {
	if !startsLikeJSON(data) {
		return false
	}
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	if json.Valid(data) || yamlDecoder == nil {
		return true
	}
	_, _, err := yamlDecoder("", data)
	return err != nil
}

// startsLikeJSON: the first character, after a byte order mark and white
// space, is "{" or "[".
func startsLikeJSON(data []byte) bool {
	trimmed := bytes.TrimLeft(bytes.TrimPrefix(data, []byte("\xef\xbb\xbf")), " \t\r\n")
	return len(trimmed) > 0 && (trimmed[0] == '{' || trimmed[0] == '[')
}

func parseYAML(name string, data []byte) (*Template, error) {
	if yamlDecoder == nil {
		return nil, &Error{File: name, Err: errors.New("not JSON, and YAML templates need package app/accessmatrix/cfn/cfnyaml imported")}
	}
	raw, line, err := yamlDecoder(name, data)
	if err != nil {
		return nil, err
	}
	t, err := fromTree(name, raw)
	var ce *Error
	if errors.As(err, &ce) && ce.Line == 0 && ce.File == name && line != nil {
		ce.Line = line(ce.Resource, ce.Property)
	}
	return t, err
}

// Expansion is a template after a transform, with what the transform
// could not model.
type Expansion struct {
	// Template is the plain CloudFormation template the transform stands
	// for, without the Transform section.
	Template map[string]any
	// Notes say what of the transform was not modelled.
	Notes []string
	// ResourceNotes say, by logical id, what of a created resource was not
	// modelled.
	ResourceNotes map[string][]string
}

// An Expander expands one transform on a decoded template, Transform
// section included. An error it returns as an *Error (Resource and
// Property set, File left empty) is reported at that place in the file.
type Expander func(template map[string]any) (*Expansion, error)

var expanders = map[string]Expander{}

// RegisterTransform makes Parse expand the transform called name. Package
// sam registers the SAM transform when imported. The indirection keeps the
// SAM expander and its managed-policy table out of programs that read only
// synthesized templates, which have no Transform section: the CDK app's
// invariants check.
func RegisterTransform(name string, e Expander) { expanders[name] = e }

// transformed is a template after its transforms, with what they could
// not model.
type transformed struct {
	template      map[string]any
	notes         []string
	resourceNotes map[string][]string
}

// applyTransform expands the registered transforms of a template's
// Transform section, in the order it lists them, as CloudFormation
// processes them (CloudFormation User Guide, "Transform section"). A
// template with none of them is refused: other transforms (language
// extensions, macros) run server-side code the matrix cannot reproduce.
// Transforms next to a registered one are not applied, and a note says so.
func applyTransform(name string, v any, raw map[string]any) (*transformed, error) {
	var names []string
	switch x := v.(type) {
	case string:
		names = []string{x}
	case []any:
		for _, e := range x {
			s, ok := e.(string)
			if !ok {
				return nil, &Error{File: name, Property: "Transform", Err: errors.New("must be a transform name or a list of names")}
			}
			names = append(names, s)
		}
	default:
		return nil, &Error{File: name, Property: "Transform", Err: errors.New("must be a transform name or a list of names")}
	}
	if !slices.ContainsFunc(names, func(n string) bool { return expanders[n] != nil }) {
		supported := ""
		if len(expanders) > 0 {
			supported = ", except " + strings.Join(slices.Sorted(maps.Keys(expanders)), ", ")
		}
		return nil, &Error{File: name, Property: "Transform", Err: fmt.Errorf("transforms are not supported%s: synthesize or process the template first", supported)}
	}
	tr := &transformed{template: raw, resourceNotes: map[string][]string{}}
	var later []string
	for _, n := range names {
		expand := expanders[n]
		if expand == nil {
			tr.notes = append(tr.notes, fmt.Sprintf("transform %s was not applied", n))
			continue
		}
		res, err := expand(tr.template)
		if err != nil {
			var ce *Error
			if errors.As(err, &ce) {
				located := *ce
				located.File = name
				return nil, &located
			}
			return nil, &Error{File: name, Err: err}
		}
		tr.template = res.Template
		later = append(later, res.Notes...)
		for id, notes := range res.ResourceNotes {
			tr.resourceNotes[id] = append(tr.resourceNotes[id], notes...)
		}
	}
	tr.notes = append(tr.notes, later...)
	return tr, nil
}

// annotate copies the transform's notes onto the template; nil-safe for
// templates without a transform.
func (tr *transformed) annotate(t *Template) {
	if tr == nil {
		return
	}
	t.Notes = tr.notes
	for id, notes := range tr.resourceNotes {
		if r, ok := t.Resources[id]; ok {
			r.Notes = notes
		}
	}
}
