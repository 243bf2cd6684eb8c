package cfndiff

import (
	"encoding/json"
	"fmt"
	"maps"
	"reflect"
	"slices"
	"sort"
	"strings"
)

// diffValue returns the changed paths below path. Maps recurse by key;
// lists whose items have a natural key (a statement's Sid, a tag's Key)
// are matched by it; other lists of the same length recurse by index, and
// lists of different lengths are compared as sets, so that inserting one
// item reports one added item, not a shifted list.
func diffValue(path string, o, n any, hasO, hasN bool) []PropertyChange {
	switch {
	case !hasO && !hasN:
		return nil
	case !hasO || !hasN:
		return []PropertyChange{{Path: path, Old: o, New: n, HasOld: hasO, HasNew: hasN}}
	}
	if reflect.DeepEqual(o, n) {
		return nil
	}
	om, oIsMap := o.(map[string]any)
	nm, nIsMap := n.(map[string]any)
	// An intrinsic function is one value to a reader: Fn::Join's parts
	// are not properties.
	if oIsMap && nIsMap && !isIntrinsic(om) && !isIntrinsic(nm) {
		keys := map[string]bool{}
		for k := range om {
			keys[k] = true
		}
		for k := range nm {
			keys[k] = true
		}
		var out []PropertyChange
		for _, k := range slices.Sorted(maps.Keys(keys)) {
			ov, okO := om[k]
			nv, okN := nm[k]
			out = append(out, diffValue(join(path, k), ov, nv, okO, okN)...)
		}
		return out
	}
	ol, oIsList := o.([]any)
	nl, nIsList := n.([]any)
	if oIsList && nIsList {
		return diffList(path, ol, nl)
	}
	return []PropertyChange{{Path: path, Old: o, New: n, HasOld: true, HasNew: true}}
}

func diffList(path string, o, n []any) []PropertyChange {
	if ok, nk := itemKeys(o), itemKeys(n); ok != nil && nk != nil {
		var out []PropertyChange
		keys := map[string]bool{}
		for k := range ok {
			keys[k] = true
		}
		for k := range nk {
			keys[k] = true
		}
		for _, k := range slices.Sorted(maps.Keys(keys)) {
			ov, hasO := ok[k]
			nv, hasN := nk[k]
			out = append(out, diffValue(path+"["+k+"]", ov, nv, hasO, hasN)...)
		}
		return out
	}
	if len(o) == len(n) {
		var out []PropertyChange
		for i := range o {
			out = append(out, diffValue(fmt.Sprintf("%s[%d]", path, i), o[i], n[i], true, true)...)
		}
		return out
	}
	// Different lengths: items only in one list, in their order.
	count := func(l []any) map[string]int {
		m := map[string]int{}
		for _, v := range l {
			m[canonical(v)]++
		}
		return m
	}
	oc, nc := count(o), count(n)
	var out []PropertyChange
	for _, v := range o {
		if k := canonical(v); nc[k] > 0 {
			nc[k]--
		} else {
			out = append(out, PropertyChange{Path: path + "[]", Old: v, HasOld: true})
		}
	}
	for _, v := range n {
		if k := canonical(v); oc[k] > 0 {
			oc[k]--
		} else {
			out = append(out, PropertyChange{Path: path + "[]", New: v, HasNew: true})
		}
	}
	return out
}

// itemKeys indexes a list by its items' natural key, or returns nil when
// some item has none or two items share one.
func itemKeys(l []any) map[string]any {
	if len(l) == 0 {
		return nil
	}
	out := map[string]any{}
	for _, v := range l {
		m, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		var key string
		switch {
		case isString(m["Sid"]):
			key = "Sid=" + m["Sid"].(string)
		case isString(m["Key"]) && len(m) == 2:
			key = "Key=" + m["Key"].(string)
		default:
			return nil
		}
		if _, dup := out[key]; dup {
			return nil
		}
		out[key] = v
	}
	return out
}

func isString(v any) bool { _, ok := v.(string); return ok }

func isIntrinsic(m map[string]any) bool {
	if len(m) != 1 {
		return false
	}
	for k := range m {
		return k == "Ref" || k == "Condition" || strings.HasPrefix(k, "Fn::")
	}
	return false
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

// canonical is a value's JSON with sorted keys (encoding/json sorts map
// keys), for comparing list items.
func canonical(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// Render writes a value the way a reviewer reads it: strings bare,
// intrinsic functions as Ref(X), X.Arn, ${…} joins, lists in brackets.
func Render(v any) string {
	switch v := v.(type) {
	case nil:
		return "null"
	case string:
		return v
	case []any:
		parts := make([]string, len(v))
		for i, x := range v {
			parts[i] = Render(x)
		}
		return "[" + strings.Join(parts, ", ") + "]"
	case map[string]any:
		if s, ok := renderIntrinsic(v); ok {
			return s
		}
		keys := make([]string, 0, len(v))
		for k := range v {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		parts := make([]string, len(keys))
		for i, k := range keys {
			parts[i] = k + ": " + Render(v[k])
		}
		return "{" + strings.Join(parts, ", ") + "}"
	default:
		return canonical(v)
	}
}

func renderIntrinsic(m map[string]any) (string, bool) {
	if !isIntrinsic(m) {
		return "", false
	}
	for k, arg := range m {
		switch k {
		case "Ref":
			return "Ref(" + Render(arg) + ")", true
		case "Fn::GetAtt":
			if l, ok := arg.([]any); ok && len(l) == 2 {
				return Render(l[0]) + "." + Render(l[1]), true
			}
		case "Fn::Join":
			if l, ok := arg.([]any); ok && len(l) == 2 {
				sep, _ := l[0].(string)
				if parts, ok := l[1].([]any); ok {
					out := make([]string, len(parts))
					for i, p := range parts {
						if s, ok := p.(string); ok {
							out[i] = s
						} else {
							out[i] = "${" + Render(p) + "}"
						}
					}
					return strings.Join(out, sep), true
				}
			}
		case "Fn::Sub":
			if s, ok := arg.(string); ok {
				return s, true
			}
		}
		return k + "(" + strings.TrimSuffix(strings.TrimPrefix(Render(arg), "["), "]") + ")", true
	}
	return "", false
}
