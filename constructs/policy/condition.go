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
// "Condition key names are not case-sensitive" (IAM User Guide, "IAM JSON
// policy elements: Condition"), mapped to what is known of their values. A
// key that is not in the map is absent from the request.
type Context map[string]Entry

// Entry is what is known of one key of the request context.
type Entry struct {
	// Values are the key's values; a multivalued key (aws:TagKeys) may
	// have several.
	Values []string
	// OneOf, when set, says the key holds exactly one of these values,
	// but not which: s3:TlsVersion is 1.2 or 1.3, as S3 and the client
	// negotiate.
	OneOf []string
	// Unknown, when set, says the key may be absent or hold anything, and
	// why (aws:PrincipalOrgID depends on the account's organization).
	Unknown string
}

// Set records a key's values.
func (c Context) Set(key string, values ...string) { c[strings.ToLower(key)] = Entry{Values: values} }

// SetOneOf records that a key holds one of the values, not known which.
func (c Context) SetOneOf(key string, values ...string) {
	c[strings.ToLower(key)] = Entry{OneOf: values}
}

// SetUnknown records that a key may be absent or hold anything. A key
// ending in "/*" stands for every key with that prefix, such as
// aws:PrincipalTag/*; the key "*" stands for every key not set otherwise,
// for a caller that knows only a few of the request's keys.
func (c Context) SetUnknown(key, why string) { c[strings.ToLower(key)] = Entry{Unknown: why} }

// Get returns a key's values and whether the key is present with values.
func (c Context) Get(key string) ([]string, bool) {
	e, ok := c.entry(key)
	return e.Values, ok && len(e.Values) > 0
}

func (c Context) entry(key string) (Entry, bool) {
	k := strings.ToLower(key)
	if e, ok := c[k]; ok {
		return e, true
	}
	if i := strings.LastIndexByte(k, '/'); i >= 0 {
		if e, ok := c[k[:i+1]+"*"]; ok {
			return e, true
		}
	}
	e, ok := c["*"]
	return e, ok
}

// eval evaluates the condition against the request context, following
// "IAM JSON policy elements: Condition operators" for an absent key and
// "Single-valued vs. multivalued context keys" for the set operators:
// values of one key are ORed (NORed for negated operators); ForAnyValue
// needs one request value to match, ForAllValues needs all to and is true
// when the key is absent. An unknown key, or one of several possible
// values that disagree, gives Maybe.
func (c Condition) eval(ctx Context, d *distinct) Truth {
	e, present := ctx.entry(c.Key)
	switch {
	case present && e.Unknown != "":
		return Maybe
	case present && len(e.OneOf) > 0:
		t := c.evalValues([]string{e.OneOf[0]}, true, d)
		for _, v := range e.OneOf[1:] {
			if c.evalValues([]string{v}, true, d) != t {
				return Maybe
			}
		}
		return t
	}
	return c.evalValues(e.Values, present && len(e.Values) > 0, d)
}

func (c Condition) evalValues(reqVals []string, present bool, d *distinct) Truth {
	if c.base == "Null" {
		// "true (the key doesn't exist — it is null) or false (the key
		// exists and its value is not null)"; several values are ORed.
		t := No
		for _, v := range c.Values {
			t = or(t, truthOf(strings.EqualFold(v, "true") != present))
		}
		return t
	}
	negated := operators[c.base]
	if !present {
		switch {
		case c.ifExists, c.set == "ForAllValues":
			return Yes
		case c.set == "ForAnyValue":
			return No
		}
		return truthOf(negated)
	}
	anyPolicyValue := func(r string) Truth {
		t := No
		for _, p := range c.Values {
			if t = or(t, match(d, c.base, r, p)); t == Yes {
				break
			}
		}
		return t
	}
	switch c.set {
	case "ForAllValues":
		t := Yes
		for _, r := range reqVals {
			v := anyPolicyValue(r)
			if negated {
				v = not(v)
			}
			t = and(t, v)
		}
		return t
	case "ForAnyValue":
		t := No
		for _, r := range reqVals {
			v := anyPolicyValue(r)
			if negated {
				v = not(v)
			}
			t = or(t, v)
		}
		return t
	}
	t := No
	for _, r := range reqVals {
		t = or(t, anyPolicyValue(r))
	}
	if negated {
		return not(t)
	}
	return t
}

// match is the positive form of each operator family; negation is applied
// by eval. A value with a symbol is compared as the symbol allows.
func match(d *distinct, base, req, pol string) Truth {
	switch base {
	case "StringEquals", "StringNotEquals", "BinaryEquals":
		return d.equal(req, pol, false)
	case "StringEqualsIgnoreCase", "StringNotEqualsIgnoreCase", "Bool":
		return d.equal(req, pol, true)
	case "StringLike", "StringNotLike":
		return d.glob(pol, req, false)
	case "ArnEquals", "ArnNotEquals", "ArnLike", "ArnNotLike":
		// "The ArnEquals and ArnLike condition operators behave
		// identically."
		return d.arn(pol, req)
	case "IpAddress", "NotIpAddress":
		return ipMatch(req, pol)
	}
	if hasSymbol(req) || hasSymbol(pol) {
		return Maybe // a number or a date unknown offline
	}
	if strings.HasPrefix(base, "Numeric") {
		r, err1 := strconv.ParseFloat(req, 64)
		p, err2 := strconv.ParseFloat(pol, 64)
		if err1 != nil || err2 != nil {
			return No
		}
		return truthOf(compare(strings.TrimPrefix(base, "Numeric"), r, p))
	}
	if strings.HasPrefix(base, "Date") {
		r, ok1 := parseDate(req)
		p, ok2 := parseDate(pol)
		if !ok1 || !ok2 {
			return No
		}
		return truthOf(compare(strings.TrimPrefix(base, "Date"), float64(r.Unix()), float64(p.Unix())))
	}
	return No
}

// ipMatch: "If you specify an IP address without the associated routing
// prefix, IAM uses the default prefix value of /32" (IP address condition
// operators). An address unknown offline may be in any range.
func ipMatch(req, pol string) Truth {
	if hasSymbol(req) || hasSymbol(pol) {
		return Maybe
	}
	ip, err := netip.ParseAddr(req)
	if err != nil {
		return No
	}
	if pfx, err := netip.ParsePrefix(pol); err == nil {
		return truthOf(pfx.Contains(ip))
	}
	if a, err := netip.ParseAddr(pol); err == nil {
		return truthOf(a == ip)
	}
	return No
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
	if e, ok := ctx.entry(c.Key); ok {
		switch {
		case e.Unknown != "":
			req = "unknown, " + e.Unknown
		case len(e.OneOf) > 0:
			req = strings.Join(e.OneOf, " or ")
		case len(e.Values) > 0:
			req = strings.Join(e.Values, ",")
		}
	}
	return fmt.Sprintf("%s %s [%s] (request: %s)", c.Operator, c.Key, strings.Join(c.Values, ","), req)
}

// symbolsIn lists the symbols of the condition's values and of the
// request's, which are what a Maybe could not know.
func (c Condition) symbolsIn(ctx Context) []string {
	e, _ := ctx.entry(c.Key)
	return symbols(append(append([]string{}, c.Values...), e.Values...)...)
}
