package policy

import (
	"fmt"
	"maps"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Condition is one key test of a Condition block, e.g.
// "StringNotEquals": {"aws:SourceVpce": ["vpce-1"]}.
type Condition struct {
	// Operator is the operator as written, for reasons.
	Operator string
	base     string
	ifExists bool
	// set is "", "ForAnyValue" or "ForAllValues".
	set    string
	Key    string
	Values []string
}

// operators maps each base operator to whether it is negated. Negated
// operators are true when the key is absent, per "IAM JSON policy elements:
// Condition operators" (docs.aws.amazon.com/IAM/latest/UserGuide/
// reference_policies_elements_condition_operators.html): "If the policy
// condition requires that the key is not matched, such as StringNotLike or
// ArnNotLike, and the right key is not present, the condition is true."
var operators = map[string]bool{
	"StringEquals": false, "StringNotEquals": true,
	"StringEqualsIgnoreCase": false, "StringNotEqualsIgnoreCase": true,
	"StringLike": false, "StringNotLike": true,
	"NumericEquals": false, "NumericNotEquals": true,
	"NumericLessThan": false, "NumericLessThanEquals": false,
	"NumericGreaterThan": false, "NumericGreaterThanEquals": false,
	"DateEquals": false, "DateNotEquals": true,
	"DateLessThan": false, "DateLessThanEquals": false,
	"DateGreaterThan": false, "DateGreaterThanEquals": false,
	"Bool": false, "BinaryEquals": false,
	"IpAddress": false, "NotIpAddress": true,
	"ArnEquals": false, "ArnNotEquals": true,
	"ArnLike": false, "ArnNotLike": true,
	"Null": false,
}

func parseConditions(v any) ([]Condition, error) {
	m, ok := v.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("must be an object")
	}
	var out []Condition
	for _, op := range slices.Sorted(maps.Keys(m)) {
		c := Condition{Operator: op, base: op}
		if set, rest, ok := strings.Cut(c.base, ":"); ok {
			if set != "ForAnyValue" && set != "ForAllValues" {
				return nil, fmt.Errorf("unknown set operator %q", set)
			}
			c.set, c.base = set, rest
		}
		if b, ok := strings.CutSuffix(c.base, "IfExists"); ok && b != "Null" {
			c.base, c.ifExists = b, true
		}
		if _, ok := operators[c.base]; !ok {
			return nil, fmt.Errorf("unsupported condition operator %q", op)
		}
		keys, ok := m[op].(map[string]any)
		if !ok {
			return nil, fmt.Errorf("%s must map condition keys to values", op)
		}
		for _, k := range slices.Sorted(maps.Keys(keys)) {
			vals, ok := scalars(keys[k])
			if !ok {
				return nil, fmt.Errorf("%s %s: values must be strings, numbers or booleans", op, k)
			}
			cc := c
			cc.Key, cc.Values = k, vals
			out = append(out, cc)
		}
	}
	return out, nil
}

// Context is the request context: condition keys, lower-cased because
// condition key names are case-insensitive, mapped to their values. A key
// that is absent is not in the map.
type Context map[string][]string

// Set records a key's values.
func (c Context) Set(key string, values ...string) { c[strings.ToLower(key)] = values }

// Get returns a key's values and whether the key is present.
func (c Context) Get(key string) ([]string, bool) {
	v, ok := c[strings.ToLower(key)]
	return v, ok
}

// Holds evaluates the condition against the request context, following
// "Conditions with multiple context keys or values" (docs.aws.amazon.com/
// IAM/latest/UserGuide/reference_policies_multi-value-conditions.html):
// values of one key are ORed (NORed for negated operators); ForAnyValue
// needs one request value to match, ForAllValues needs all to, and is true
// when the key is absent.
func (c Condition) Holds(ctx Context) bool {
	reqVals, present := ctx.Get(c.Key)
	present = present && len(reqVals) > 0
	if c.base == "Null" {
		for _, v := range c.Values {
			if strings.EqualFold(v, "true") != present {
				return true
			}
		}
		return false
	}
	negated := operators[c.base]
	if !present {
		switch {
		case c.ifExists:
			return true
		case c.set == "ForAllValues":
			return true
		case c.set == "ForAnyValue":
			return false
		}
		return negated
	}
	anyPolicyValue := func(r string) bool {
		for _, p := range c.Values {
			if match(c.base, r, p) {
				return true
			}
		}
		return false
	}
	switch c.set {
	case "ForAllValues":
		for _, r := range reqVals {
			if anyPolicyValue(r) == negated {
				return false
			}
		}
		return true
	case "ForAnyValue":
		for _, r := range reqVals {
			if anyPolicyValue(r) != negated {
				return true
			}
		}
		return false
	}
	for _, r := range reqVals {
		if anyPolicyValue(r) {
			return !negated
		}
	}
	return negated
}

// match is the positive form of each operator family; negation is applied
// by Holds.
func match(base, req, pol string) bool {
	switch base {
	case "StringEquals", "StringNotEquals", "BinaryEquals":
		return req == pol
	case "StringEqualsIgnoreCase", "StringNotEqualsIgnoreCase":
		return strings.EqualFold(req, pol)
	case "StringLike", "StringNotLike":
		return Glob(pol, req, false)
	case "Bool":
		return strings.EqualFold(req, pol)
	case "ArnEquals", "ArnNotEquals", "ArnLike", "ArnNotLike":
		return ArnLike(pol, req)
	case "IpAddress", "NotIpAddress":
		ip, err := netip.ParseAddr(req)
		if err != nil {
			return false // an unknown (symbolic) address is in no range
		}
		if pfx, err := netip.ParsePrefix(pol); err == nil {
			return pfx.Contains(ip)
		}
		if a, err := netip.ParseAddr(pol); err == nil {
			return a == ip
		}
		return false
	}
	if strings.HasPrefix(base, "Numeric") {
		r, err1 := strconv.ParseFloat(req, 64)
		p, err2 := strconv.ParseFloat(pol, 64)
		if err1 != nil || err2 != nil {
			return false
		}
		return compare(strings.TrimPrefix(base, "Numeric"), r, p)
	}
	if strings.HasPrefix(base, "Date") {
		r, ok1 := parseDate(req)
		p, ok2 := parseDate(pol)
		if !ok1 || !ok2 {
			return false
		}
		return compare(strings.TrimPrefix(base, "Date"), float64(r.Unix()), float64(p.Unix()))
	}
	return false
}

func compare(rel string, r, p float64) bool {
	switch rel {
	case "Equals", "NotEquals":
		return r == p
	case "LessThan":
		return r < p
	case "LessThanEquals":
		return r <= p
	case "GreaterThan":
		return r > p
	case "GreaterThanEquals":
		return r >= p
	}
	return false
}

func parseDate(s string) (time.Time, bool) {
	for _, layout := range []string{time.RFC3339, "2006-01-02T15:04:05Z", "2006-01-02"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t, true
		}
	}
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		return time.Unix(n, 0), true
	}
	return time.Time{}, false
}

// Describe renders the condition and the request's value for a reason,
// e.g. `StringNotEquals aws:SourceVpce [vpce-1] (request: absent)`.
func (c Condition) Describe(ctx Context) string {
	req := "absent"
	if v, ok := ctx.Get(c.Key); ok && len(v) > 0 {
		req = strings.Join(v, ",")
	}
	return fmt.Sprintf("%s %s [%s] (request: %s)", c.Operator, c.Key, strings.Join(c.Values, ","), req)
}
