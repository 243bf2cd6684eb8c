// Package policy parses IAM policy documents (identity, bucket and VPC
// endpoint policies) and evaluates a request against them with AWS's
// documented evaluation logic: an explicit deny in any policy wins; within
// one account an allow from either the identity policies or the resource
// policy suffices, across accounts both must allow; a VPC endpoint policy,
// when the request travels through an endpoint, must allow as well.
//
// Values may contain symbols written "${Name}" (unknown account ids,
// physical names, parameters without a default, imports). The evaluation is
// three-valued, as AWS's own reasoning tools are: a symbol equals itself,
// a "*" matches it, and a comparison with anything else may hold, which
// makes the decision unknown rather than a guess (see glob.go).
package policy

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
)

// Policy is one parsed policy document with a human name used in reasons,
// such as "bucket policy DataBucketPolicy".
type Policy struct {
	Name       string
	Statements []Statement
	// Unknown, when set, says that the policy's content is not known and
	// why (an AWS managed policy that is not modelled, the policies of a
	// role outside the templates): it may allow and may deny anything.
	Unknown string
	// GrantsOnly, with Unknown, says the unknown content can only allow,
	// never deny: an S3 access control list, which grants permissions and
	// has no Deny.
	GrantsOnly bool
	// AccountsOnly, with GrantsOnly, says the unknown grants name only
	// accounts, as an S3 ACL does once Block Public Access ignores its
	// public grants: like an Allow whose Principal is an account, such a
	// grant "delegates authority to the account" and allows no role or
	// user of the caller's own account by itself, while across accounts
	// it may be the resource's half of the grant.
	AccountsOnly bool
}

// Statement is one parsed statement. Principal and NotPrincipal are nil in
// identity policies.
type Statement struct {
	// Index is the statement's position in the document, from 0; used in
	// reasons when Sid is empty.
	Index        int
	Sid          string
	Allow        bool
	Principal    *Principals
	NotPrincipal *Principals
	Action       []string
	NotAction    []string
	Resource     []string
	NotResource  []string
	// HasResource distinguishes "Resource absent" from "Resource: []".
	HasResource bool
	Conditions  []Condition
}

// Principals is the parsed Principal or NotPrincipal element.
type Principals struct {
	// Any is "*" or {"AWS": "*"}.
	Any bool
	// AWS holds account ids and IAM ARNs.
	AWS []string
	// Others holds service, federated and canonical-user principals; they
	// never match the IAM roles and users this package evaluates.
	Others []string
}

// Label names the statement the way reasons cite it.
func (s Statement) Label() string {
	if s.Sid != "" {
		return strconv.Quote(s.Sid)
	}
	return fmt.Sprintf("Statement[%d]", s.Index)
}

// Parse reads a policy document that has already had its intrinsics
// resolved (a JSON value decoded into any). Errors name the statement and
// element.
func Parse(name string, doc any) (Policy, error) {
	p := Policy{Name: name}
	m, ok := doc.(map[string]any)
	if !ok {
		return p, errors.New("policy document must be an object")
	}
	raw, ok := m["Statement"]
	if !ok {
		return p, errors.New("policy document has no Statement")
	}
	var list []any
	switch s := raw.(type) {
	case []any:
		list = s
	case map[string]any:
		list = []any{s}
	default:
		return p, errors.New("Statement must be an object or a list")
	}
	for i, e := range list {
		sm, ok := e.(map[string]any)
		if !ok {
			return p, fmt.Errorf("Statement[%d] must be an object", i)
		}
		st, err := parseStatement(i, sm)
		if err != nil {
			return p, fmt.Errorf("Statement[%d]: %w", i, err)
		}
		p.Statements = append(p.Statements, st)
	}
	return p, nil
}

func parseStatement(i int, m map[string]any) (Statement, error) {
	st := Statement{Index: i}
	if sid, ok := m["Sid"]; ok {
		s, ok := sid.(string)
		if !ok {
			return st, errors.New("Sid must be a string")
		}
		st.Sid = s
	}
	switch m["Effect"] {
	case "Allow":
		st.Allow = true
	case "Deny":
	default:
		return st, fmt.Errorf("Effect must be Allow or Deny, not %v", m["Effect"])
	}
	var err error
	if st.Action, err = stringList(m, "Action"); err != nil {
		return st, err
	}
	if st.NotAction, err = stringList(m, "NotAction"); err != nil {
		return st, err
	}
	if (st.Action == nil) == (st.NotAction == nil) {
		return st, errors.New("exactly one of Action and NotAction is required")
	}
	if st.Resource, err = stringList(m, "Resource"); err != nil {
		return st, err
	}
	if st.NotResource, err = stringList(m, "NotResource"); err != nil {
		return st, err
	}
	if st.Resource != nil && st.NotResource != nil {
		return st, errors.New("Resource and NotResource are mutually exclusive")
	}
	st.HasResource = st.Resource != nil || st.NotResource != nil
	if v, ok := m["Principal"]; ok {
		if st.Principal, err = parsePrincipals(v); err != nil {
			return st, fmt.Errorf("Principal: %w", err)
		}
	}
	if v, ok := m["NotPrincipal"]; ok {
		if st.NotPrincipal, err = parsePrincipals(v); err != nil {
			return st, fmt.Errorf("NotPrincipal: %w", err)
		}
	}
	if st.Principal != nil && st.NotPrincipal != nil {
		return st, errors.New("Principal and NotPrincipal are mutually exclusive")
	}
	if v, ok := m["Condition"]; ok {
		if st.Conditions, err = parseConditions(v); err != nil {
			return st, fmt.Errorf("Condition: %w", err)
		}
	}
	return st, nil
}

// stringList reads an element that IAM accepts as a string or a list of
// strings. It returns nil when the element is absent.
func stringList(m map[string]any, key string) ([]string, error) {
	v, ok := m[key]
	if !ok {
		return nil, nil
	}
	out, ok := scalars(v)
	if !ok {
		return nil, fmt.Errorf("%s must be a string or a list of strings", key)
	}
	if out == nil {
		out = []string{}
	}
	return out, nil
}

// scalars converts a string, number, bool or list of them to strings:
// condition values are often written as JSON booleans or numbers.
func scalars(v any) ([]string, bool) {
	switch x := v.(type) {
	case string:
		return []string{x}, true
	case bool:
		return []string{strconv.FormatBool(x)}, true
	case float64:
		return []string{strconv.FormatFloat(x, 'f', -1, 64)}, true
	case []any:
		out := make([]string, 0, len(x))
		for _, e := range x {
			s, ok := scalars(e)
			if !ok || len(s) != 1 {
				return nil, false
			}
			out = append(out, s[0])
		}
		return out, true
	}
	return nil, false
}

func parsePrincipals(v any) (*Principals, error) {
	p := &Principals{}
	if s, ok := v.(string); ok {
		if s != "*" {
			return nil, fmt.Errorf("a string principal must be \"*\", not %q", s)
		}
		p.Any = true
		return p, nil
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, errors.New("must be \"*\" or an object")
	}
	for _, k := range slices.Sorted(maps.Keys(m)) {
		vals, ok := scalars(m[k])
		if !ok {
			return nil, fmt.Errorf("%s must be a string or a list of strings", k)
		}
		switch k {
		case "AWS":
			for _, s := range vals {
				if s == "*" {
					p.Any = true
				}
			}
			p.AWS = append(p.AWS, vals...)
		case "Service", "Federated", "CanonicalUser":
			for _, s := range vals {
				p.Others = append(p.Others, k+":"+s)
			}
		default:
			return nil, fmt.Errorf("unknown principal type %q", k)
		}
	}
	return p, nil
}
