package cfndiff

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
)

// parseOutputs reads the Outputs section; a template may have none.
func parseOutputs(name string, raw json.RawMessage) (map[string]Output, error) {
	out := map[string]Output{}
	if raw == nil || string(raw) == "null" {
		return out, nil
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(raw, &m); err != nil || m == nil {
		return nil, fmt.Errorf("%s: not a CloudFormation template: Outputs is not an object", name)
	}
	for k, v := range m {
		var o Output
		if err := json.Unmarshal(v, &o); err != nil {
			return nil, fmt.Errorf("%s: output %s is not an object", name, k)
		}
		out[k] = o
	}
	return out, nil
}

func (o Output) fields() map[string]any {
	m := map[string]any{}
	for k, v := range map[string]any{"Description": o.Description, "Value": o.Value, "Export": o.Export, "Condition": o.Condition} {
		if v != nil {
			m[k] = v
		}
	}
	return m
}

// exportName is the output's Export.Name, or nil when it exports nothing.
func (o Output) exportName() any {
	if m, ok := o.Export.(map[string]any); ok {
		return m["Name"]
	}
	return nil
}

// compareOutputs returns the outputs that differ, and those whose value
// refers to a replaced resource. An exported output that is removed, or
// whose value, export name or condition changes, carries its export name:
// "After another stack imports an output value, you can't delete the stack
// that is exporting the output value or modify the exported output value"
// (CloudFormation User Guide, "Get exported outputs from a deployed
// CloudFormation stack").
func compareOutputs(old, new map[string]Output, replaced map[string]*Replacement) []OutputChange {
	var out []OutputChange
	names := map[string]bool{}
	for k := range old {
		names[k] = true
	}
	for k := range new {
		names[k] = true
	}
	for _, name := range slices.Sorted(maps.Keys(names)) {
		o, hasO := old[name]
		n, hasN := new[name]
		switch {
		case !hasO:
			out = append(out, OutputChange{Name: name, Kind: Added, Output: n})
		case !hasN:
			out = append(out, OutputChange{Name: name, Kind: Removed, Output: o, Export: o.exportName()})
		default:
			c := OutputChange{Name: name, Kind: Modified, Output: n,
				Properties: diffValue("", o.fields(), n.fields(), true, true)}
			for _, p := range c.Properties {
				if p.Path != "Description" && o.exportName() != nil {
					c.Export = o.exportName()
				}
			}
			if len(c.Properties) == 0 {
				for _, r := range references(n.Value) {
					if replaced[r.target] != nil && !slices.Contains(c.Replaced, r.target) {
						c.Replaced = append(c.Replaced, r.target)
					}
				}
			}
			if len(c.Properties) > 0 || len(c.Replaced) > 0 {
				out = append(out, c)
			}
		}
	}
	return out
}
