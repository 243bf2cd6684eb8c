package cfnyaml

import (
	"fmt"
	"strings"

	"go.yaml.in/yaml/v3"
)

// indexTemplate records the line of every node under the sections whose
// errors cfn locates, keyed the way cfn.Error names them: resource "Id"
// with property "VpcConfig.SubnetIds[0]" for Resources, "Conditions.Name",
// "Outputs.Name" and "Parameters.Name" for the others, and SAM's "Globals".
func (d *decoder) indexTemplate(root *yaml.Node) {
	for i := 0; i+1 < len(root.Content); i += 2 {
		k, v := root.Content[i], root.Content[i+1]
		section := k.Value
		d.set("", section, k.Line)
		switch section {
		case "Resources":
			eachEntry(v, func(id string, kn, r *yaml.Node) {
				d.set(id, "", kn.Line)
				eachEntry(r, func(attr string, an, av *yaml.Node) {
					if attr == "Properties" {
						d.set(id, "Properties", an.Line)
						eachEntry(av, func(p string, pn, pv *yaml.Node) { d.walk(id, p, pv, pn.Line) })
						return
					}
					d.walk(id, attr, av, an.Line)
				})
			})
		case "Conditions", "Outputs", "Parameters", "Mappings":
			eachEntry(v, func(id string, kn, e *yaml.Node) {
				res := section + "." + id
				d.set(res, "", kn.Line)
				if section == "Conditions" {
					d.walk(res, id, e, kn.Line)
					return
				}
				eachEntry(e, func(p string, pn, pv *yaml.Node) { d.walk(res, p, pv, pn.Line) })
			})
		case "Globals":
			d.set("Globals", "", k.Line)
			eachEntry(v, func(s string, sn, sv *yaml.Node) { d.walk("Globals", s, sv, sn.Line) })
		}
	}
}

// walk records n at path and everything under it, with the paths cfn's
// checks build: ".key" for mapping entries, "[i]" for list elements, and
// ".Fn::Name" inside a short-form tag, whose long form adds that level.
func (d *decoder) walk(res, path string, n *yaml.Node, line int) {
	d.set(res, path, line)
	if fn, ok := shortForm(n); ok {
		path += "." + fn
		d.set(res, path, n.Line)
		if n.Kind == yaml.ScalarNode {
			d.set(res, path+"[0]", n.Line)
			d.set(res, path+"[1]", n.Line)
			return
		}
	}
	switch n.Kind {
	case yaml.SequenceNode:
		for i, c := range n.Content {
			d.walk(res, fmt.Sprintf("%s[%d]", path, i), c, c.Line)
		}
	case yaml.MappingNode:
		eachEntry(n, func(k string, kn, v *yaml.Node) { d.walk(res, path+"."+k, v, kn.Line) })
	}
}

func (d *decoder) set(res, path string, line int) {
	key := res + "\x00" + path
	if _, ok := d.lines[key]; !ok {
		d.lines[key] = line
	}
}

// line finds the line of a resource's property, or of the nearest
// enclosing node that has one, or 0.
func (d *decoder) line(res, path string) int {
	for {
		if l, ok := d.lines[res+"\x00"+path]; ok {
			return l
		}
		if path == "" {
			return 0
		}
		i := strings.LastIndexAny(path, ".[")
		if i < 0 {
			path = ""
		} else {
			path = path[:i]
		}
	}
}

// eachEntry calls f for each entry of a mapping node with a scalar key.
func eachEntry(n *yaml.Node, f func(key string, k, v *yaml.Node)) {
	if n == nil || n.Kind != yaml.MappingNode {
		return
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Kind == yaml.ScalarNode {
			f(n.Content[i].Value, n.Content[i], n.Content[i+1])
		}
	}
}
