// Package cfnyaml reads CloudFormation templates written in YAML, the
// format people write by hand, for package cfn. Importing it (for its
// effect: import _ ".../cfn/cfnyaml") makes cfn.Parse and cfn.Load accept
// YAML next to JSON; programs that read only synthesized JSON, like the
// CDK app, leave it out and with it the YAML library.
//
// A template decodes into exactly the tree encoding/json gives for the
// same template written as JSON: a short-form tag becomes its long form
// (!Sub x is {"Fn::Sub": "x"}, !GetAtt A.B is {"Fn::GetAtt": ["A", "B"]},
// !Ref and !Condition keep their names), numbers are float64, so nothing
// after the reader needs to know the format.
//
// Scalars are read as CloudFormation reads them: "AWS CloudFormation
// supports the YAML Version 1.1 specification with a few exceptions. AWS
// CloudFormation doesn't support the following features: the binary, omap,
// pairs, set, and timestamp tags; aliases; hash merges" (CloudFormation
// User Guide, Template formats). So, unquoted:
//
//   - yes, no, on, off (in the three casings YAML 1.1 gives) are booleans,
//     as are true and false, and reach a property as "true" or "false";
//   - 2012-10-17 stays the string "2012-10-17": there is no timestamp type;
//   - 010 is octal (8), 0x1F hexadecimal, 1:30 base 60 (90), 1_000 is 1000;
//   - ~, null and an empty value are null.
//
// Aliases, merge keys (<<), duplicate keys and more than one document are
// errors, each with its line.
package cfnyaml

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
	"math/big"
	"regexp"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/privates3/privates3/app/accessmatrix/cfn"
)

func init() { cfn.RegisterYAML(decode) }

// Decode decodes a YAML template into the tree encoding/json would give for
// it written as JSON. name is used in errors.
func Decode(name string, data []byte) (map[string]any, error) {
	tree, _, err := decode(name, data)
	return tree, err
}

func decode(name string, data []byte) (map[string]any, func(resource, property string) int, error) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, nil, &cfn.Error{File: name, Err: errors.New("empty template")}
		}
		return nil, nil, syntaxError(name, err)
	}
	var more yaml.Node
	switch err := dec.Decode(&more); {
	case err == nil:
		return nil, nil, &cfn.Error{File: name, Line: more.Line, Err: errors.New("a second YAML document: a template is one document")}
	case !errors.Is(err, io.EOF):
		return nil, nil, syntaxError(name, err)
	}
	d := &decoder{file: name, lines: map[string]int{}}
	root := doc.Content[0]
	if root.Kind != yaml.MappingNode || root.Tag != "!!map" {
		return nil, nil, d.errorf(root, "the template must be a mapping of sections (Resources: ...)")
	}
	v, err := d.value(root)
	if err != nil {
		return nil, nil, err
	}
	d.indexTemplate(root)
	return v.(map[string]any), d.line, nil
}

var lineRE = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

// syntaxError turns the YAML library's message into a located error. The
// library leaves out "line 1" (it omits the line when it is the first).
func syntaxError(name string, err error) error {
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	line := 1
	if m := lineRE.FindStringSubmatch(err.Error()); m != nil {
		line, _ = strconv.Atoi(m[1])
		msg = m[2]
	}
	return &cfn.Error{File: name, Line: line, Err: fmt.Errorf("invalid YAML: %s", msg)}
}

type decoder struct {
	file string
	// lines maps resource+"\x00"+property, as cfn.Error names them, to the
	// line of that node.
	lines map[string]int
}

func (d *decoder) errorf(n *yaml.Node, format string, args ...any) error {
	return &cfn.Error{File: d.file, Line: n.Line, Err: fmt.Errorf(format, args...)}
}

// value converts a node and everything under it.
func (d *decoder) value(n *yaml.Node) (any, error) {
	if n.Kind == yaml.AliasNode {
		return nil, d.errorf(n, "alias *%s: CloudFormation does not support YAML aliases", n.Value)
	}
	if fn, ok := shortForm(n); ok {
		return d.shortForm(n, fn)
	}
	if n.Style&yaml.TaggedStyle != 0 {
		switch n.Tag {
		case "!!str", "!!int", "!!float", "!!bool", "!!null", "!!map", "!!seq":
		default:
			return nil, d.errorf(n, "tag %s: CloudFormation does not support it", n.Tag)
		}
	}
	switch n.Kind {
	case yaml.ScalarNode:
		return d.scalar(n)
	case yaml.SequenceNode:
		out := make([]any, 0, len(n.Content))
		for _, c := range n.Content {
			v, err := d.value(c)
			if err != nil {
				return nil, err
			}
			out = append(out, v)
		}
		return out, nil
	case yaml.MappingNode:
		out := make(map[string]any, len(n.Content)/2)
		first := map[string]int{}
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, err := d.key(n.Content[i])
			if err != nil {
				return nil, err
			}
			if line, dup := first[k]; dup {
				return nil, d.errorf(n.Content[i], "duplicate key %q (first at line %d)", k, line)
			}
			first[k] = n.Content[i].Line
			v, err := d.value(n.Content[i+1])
			if err != nil {
				return nil, err
			}
			out[k] = v
		}
		return out, nil
	}
	return nil, d.errorf(n, "unexpected YAML node")
}

// shortForm reports the long name of a short-form intrinsic tag: !Ref and
// !Condition keep theirs, every other !Name is Fn::Name, as in the AWS
// CLI's and cfn-lint's readers. Names cfn does not know are refused there.
func shortForm(n *yaml.Node) (string, bool) {
	if n.Style&yaml.TaggedStyle == 0 || !strings.HasPrefix(n.Tag, "!") || strings.HasPrefix(n.Tag, "!!") || len(n.Tag) < 2 {
		return "", false
	}
	name := n.Tag[1:]
	if name == "Ref" || name == "Condition" {
		return name, true
	}
	return "Fn::" + name, true
}

func (d *decoder) shortForm(n *yaml.Node, fn string) (any, error) {
	switch n.Kind {
	case yaml.ScalarNode:
		// A tagged scalar is the text as written: !Ref 123 names "123".
		if fn == "Fn::GetAtt" {
			res, attr, ok := strings.Cut(n.Value, ".")
			if !ok || res == "" || attr == "" {
				return nil, d.errorf(n, "!GetAtt %q: want Resource.Attribute", n.Value)
			}
			return map[string]any{fn: []any{res, attr}}, nil
		}
		return map[string]any{fn: n.Value}, nil
	case yaml.SequenceNode, yaml.MappingNode:
		c := *n
		c.Tag, c.Style = "", 0
		if n.Kind == yaml.SequenceNode {
			c.Tag = "!!seq"
		} else {
			c.Tag = "!!map"
		}
		v, err := d.value(&c)
		if err != nil {
			return nil, err
		}
		return map[string]any{fn: v}, nil
	}
	return nil, d.errorf(n, "!%s must tag a scalar, a list or a mapping", strings.TrimPrefix(fn, "Fn::"))
}

// key reads a mapping key. Keys are strings in the JSON tree; a key that
// YAML 1.1 reads as a number or boolean is written as JSON would print it.
func (d *decoder) key(n *yaml.Node) (string, error) {
	switch {
	case n.Kind == yaml.AliasNode:
		return "", d.errorf(n, "alias *%s: CloudFormation does not support YAML aliases", n.Value)
	case n.Kind != yaml.ScalarNode:
		return "", d.errorf(n, "a mapping key must be a scalar")
	case n.Style&yaml.TaggedStyle != 0 && n.Tag != "!!str":
		return "", d.errorf(n, "a mapping key cannot be tagged %s", n.Tag)
	case n.Style == 0 && n.Value == "<<":
		return "", d.errorf(n, "merge key <<: CloudFormation does not support hash merges")
	}
	v, err := d.scalar(n)
	if err != nil {
		return "", err
	}
	switch x := v.(type) {
	case nil:
		return "", d.errorf(n, "null mapping key")
	case string:
		return x, nil
	case bool:
		return strconv.FormatBool(x), nil
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64), nil
	}
	return fmt.Sprint(v), nil
}

// scalar reads a scalar by YAML 1.1 without timestamps; quoted and block
// scalars are strings.
func (d *decoder) scalar(n *yaml.Node) (any, error) {
	tagged := n.Style&yaml.TaggedStyle != 0
	if !tagged && n.Style != 0 {
		return n.Value, nil // quoted, literal or folded
	}
	if !tagged {
		return plain(n.Value), nil
	}
	v := plain(n.Value)
	switch n.Tag {
	case "!!str":
		return n.Value, nil
	case "!!null":
		if v == nil {
			return nil, nil
		}
	case "!!bool":
		if _, ok := v.(bool); ok {
			return v, nil
		}
	case "!!int":
		if intRE.MatchString(n.Value) {
			return v, nil
		}
	case "!!float":
		if f, ok := v.(float64); ok {
			return f, nil
		}
	default:
		return nil, d.errorf(n, "tag %s on a scalar", n.Tag)
	}
	return nil, d.errorf(n, "%q is not a valid %s", n.Value, n.Tag)
}

// YAML 1.1 implicit types, as PyYAML's resolver (which the AWS CLI and
// cfn-lint use) spells them.
var (
	intRE   = regexp.MustCompile(`^(?:[-+]?0b[0-1_]+|[-+]?0[0-7_]+|[-+]?(?:0|[1-9][0-9_]*)|[-+]?0x[0-9a-fA-F_]+|[-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+)$`)
	floatRE = regexp.MustCompile(`^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+][0-9]+)?|\.[0-9][0-9_]*(?:[eE][-+][0-9]+)?|[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$`)
)

// plain resolves an untagged plain scalar.
func plain(s string) any {
	switch s {
	case "", "~", "null", "Null", "NULL":
		return nil
	case "yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON":
		return true
	case "no", "No", "NO", "false", "False", "FALSE", "off", "Off", "OFF":
		return false
	}
	if intRE.MatchString(s) {
		if f, ok := parseInt(s); ok {
			return f
		}
		return s
	}
	if floatRE.MatchString(s) {
		if f, ok := parseFloat(s); ok {
			return f
		}
	}
	return s
}

// parseInt follows PyYAML's construct_yaml_int.
func parseInt(s string) (float64, bool) {
	s = strings.ReplaceAll(s, "_", "")
	sign := 1.0
	if s != "" && (s[0] == '-' || s[0] == '+') {
		if s[0] == '-' {
			sign = -1
		}
		s = s[1:]
	}
	var base int
	switch {
	case s == "0":
		return 0, true
	case strings.HasPrefix(s, "0b"):
		s, base = s[2:], 2
	case strings.HasPrefix(s, "0x"):
		s, base = s[2:], 16
	case strings.HasPrefix(s, "0"):
		s, base = s[1:], 8
	case strings.Contains(s, ":"):
		var v float64
		for _, p := range strings.Split(s, ":") {
			n, err := strconv.Atoi(p)
			if err != nil {
				return 0, false
			}
			v = v*60 + float64(n)
		}
		return sign * v, true
	default:
		base = 10
	}
	i, ok := new(big.Int).SetString(s, base)
	if !ok {
		return 0, false
	}
	f, _ := new(big.Float).SetInt(i).Float64()
	return sign * f, true
}

// parseFloat follows PyYAML's construct_yaml_float.
func parseFloat(s string) (float64, bool) {
	s = strings.ToLower(strings.ReplaceAll(s, "_", ""))
	sign := 1.0
	if s != "" && (s[0] == '-' || s[0] == '+') {
		if s[0] == '-' {
			sign = -1
		}
		s = s[1:]
	}
	switch {
	case s == ".inf":
		return sign * math.Inf(1), true
	case s == ".nan":
		return math.NaN(), true
	case strings.Contains(s, ":"):
		parts := strings.Split(s, ":")
		var v float64
		for i, p := range parts {
			var n float64
			var err error
			if i == len(parts)-1 {
				n, err = strconv.ParseFloat(p, 64)
			} else {
				var k int
				k, err = strconv.Atoi(p)
				n = float64(k)
			}
			if err != nil {
				return 0, false
			}
			v = v*60 + n
		}
		return sign * v, true
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return 0, false
	}
	return sign * f, true
}
