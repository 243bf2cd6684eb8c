package cfn

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"slices"

	"github.com/privates3/privates3/app/accessmatrix/sam"
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

// transformed is a template after its transforms, with what they could
// not model.
type transformed struct {
	template      map[string]any
	notes         []string
	resourceNotes map[string][]string
}

// applyTransform expands the SAM transform (package sam). A template
// without it is refused: other transforms (language extensions, macros)
// run server-side code the matrix cannot reproduce. Transforms next to
// SAM's are not applied, and a note says so.
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
	if !slices.Contains(names, sam.Transform) {
		return nil, &Error{File: name, Property: "Transform", Err: fmt.Errorf("transforms are not supported, except %s: synthesize or process the template first", sam.Transform)}
	}
	res, err := sam.Expand(raw)
	if err != nil {
		var se *sam.Error
		if errors.As(err, &se) {
			return nil, &Error{File: name, Resource: se.Resource, Property: se.Property, Err: se.Err}
		}
		return nil, &Error{File: name, Err: err}
	}
	tr := &transformed{template: res.Template, resourceNotes: res.ResourceNotes}
	for _, n := range names {
		if n != sam.Transform {
			tr.notes = append(tr.notes, fmt.Sprintf("transform %s was not applied", n))
		}
	}
	tr.notes = append(tr.notes, res.Notes...)
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
