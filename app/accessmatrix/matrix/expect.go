package matrix

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path"
	"strings"
)

// Expectation is one invariant: every row matching Template, Function,
// Bucket, BucketTemplate, Action and Resource must have Decision (and
// Path, when set). Template, Function, Bucket, BucketTemplate and Action
// match exactly or as a glob ("Uploader*", "s3:*"), because CDK logical
// ids carry hash suffixes. Template is the function's template (the
// bucket's for a probe), BucketTemplate the bucket's; a row whose bucket
// is of the function's own template has it equal to Template.
// Resource, when set, narrows the rows to the actions on the bucket
// ("bucket") or on its objects ("object"), as S3's Service Authorization
// Reference gives each action's resource type. An expectation that
// matches no row is itself a mismatch, so a renamed function cannot pass
// silently.
type Expectation struct {
	Template string `json:"template,omitempty"`
	Function string `json:"function"`
	Bucket   string `json:"bucket,omitempty"`
	// BucketTemplate narrows the rows to the buckets of the templates it
	// matches.
	BucketTemplate string `json:"bucketTemplate,omitempty"`
	Action         string `json:"action"`
	Resource       string `json:"resource,omitempty"`
	// Via, when set, narrows the rows to one way in: "internet" for the
	// rows from outside any VPC, otherwise a glob over Row.Endpoint: the
	// endpoint's logical id, or its id for an endpoint no template
	// defines, e.g. "vpce-0aaaaaaaaaaaaaaaa". A
	// probe tries several ways; Path then checks, Via chooses.
	Via      string `json:"via,omitempty"`
	Path     string `json:"path,omitempty"`
	Decision string `json:"decision"`
	// Why explains the invariant; printed with a mismatch.
	Why string `json:"why,omitempty"`
}

// Mismatch is a broken expectation, with the offending row (nil when no row
// matched at all).
type Mismatch struct {
	Expectation Expectation
	Row         *Row
	Problem     string
}

func (m Mismatch) String() string {
	e := m.Expectation
	action := e.Action
	if e.Resource != "" {
		action += " (" + e.Resource + "-level)"
	}
	on := orStar(e.Bucket)
	if e.Via != "" {
		on += " via " + e.Via
	}
	s := fmt.Sprintf("expected %s %s on %s to be %s: %s", orStar(e.Function), action, on, e.Decision, m.Problem)
	if e.Why != "" {
		s += " (" + e.Why + ")"
	}
	return s
}

func orStar(s string) string {
	if s == "" {
		return "*"
	}
	return s
}

var (
	validPaths     = map[string]bool{"internet": true, "vpc-endpoint": true, "nat": true, "none": true, "unknown": true}
	validDecisions = map[string]bool{Allowed: true, ExplicitDeny: true, ImplicitDeny: true, Unknown: true, Unreachable: true}
)

// ParseExpectations reads a JSON array of expectations. Unknown fields are
// errors, so a typo ("decison") cannot turn an invariant into a no-op.
func ParseExpectations(data []byte) ([]Expectation, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var exps []Expectation
	if err := dec.Decode(&exps); err != nil {
		return nil, fmt.Errorf("expectations: %w", err)
	}
	for i, e := range exps {
		if e.Function == "" || e.Action == "" || e.Decision == "" {
			return nil, fmt.Errorf("expectation %d: function, action and decision are required", i)
		}
		if !validDecisions[e.Decision] {
			return nil, fmt.Errorf("expectation %d: decision %q is not one of allowed, explicit-deny, implicit-deny, unknown, unreachable", i, e.Decision)
		}
		if e.Resource != "" && e.Resource != "bucket" && e.Resource != "object" {
			return nil, fmt.Errorf("expectation %d: resource %q is not bucket or object", i, e.Resource)
		}
		if e.Path != "" && !validPaths[e.Path] {
			return nil, fmt.Errorf("expectation %d: path %q is not one of internet, vpc-endpoint, nat, none, unknown", i, e.Path)
		}
		for _, p := range []string{e.Template, e.Function, e.Bucket, e.BucketTemplate, e.Action, e.Via} {
			if _, err := path.Match(p, ""); err != nil {
				return nil, fmt.Errorf("expectation %d: bad pattern %q: %w", i, p, err)
			}
		}
	}
	if len(exps) == 0 {
		return nil, errors.New("expectations: empty list")
	}
	return exps, nil
}

// LoadExpectations reads an expectations file.
func LoadExpectations(file string) ([]Expectation, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	exps, err := ParseExpectations(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	return exps, nil
}

// Actions returns the actions the expectations name, so a caller can
// evaluate them even when they are not among its chosen actions: each
// literal action, and for a glob ("s3:*", "s3:GetObject*") every action of
// DefaultActions it matches (of the expectation's resource level, when it
// has one).
func Actions(exps []Expectation) []string {
	var out []string
	seen := map[string]bool{}
	add := func(a string) {
		if k := strings.ToLower(a); !seen[k] {
			seen[k] = true
			out = append(out, a)
		}
	}
	for _, e := range exps {
		if !strings.ContainsAny(e.Action, "*?[") {
			add(e.Action)
			continue
		}
		for _, a := range DefaultActions {
			if glob(strings.ToLower(e.Action), strings.ToLower(a)) && e.level(a) {
				add(a)
			}
		}
	}
	return out
}

// level reports whether an action is of the expectation's resource level.
func (e Expectation) level(action string) bool {
	return e.Resource == "" || (e.Resource == "object") == isObjectAction(action)
}

func glob(pattern, s string) bool {
	if pattern == "" || pattern == s {
		return true
	}
	ok, _ := path.Match(pattern, s)
	return ok
}

func (e Expectation) matches(r Row) bool {
	bucketTemplate := r.BucketTemplate
	if bucketTemplate == "" {
		bucketTemplate = r.Template
	}
	return glob(e.Template, r.Template) && glob(e.Function, r.Function) && glob(e.Bucket, r.Bucket) && glob(e.BucketTemplate, bucketTemplate) &&
		glob(strings.ToLower(e.Action), strings.ToLower(r.Action)) && e.level(r.Action) && e.via(r)
}

func (e Expectation) via(r Row) bool {
	switch e.Via {
	case "":
		return true
	case "internet":
		return r.Path == "internet"
	}
	return r.Endpoint != "" && glob(e.Via, r.Endpoint)
}

// Check returns every broken expectation; none means the invariants hold.
func Check(rows []Row, exps []Expectation) []Mismatch {
	var out []Mismatch
	for _, e := range exps {
		n := 0
		for i := range rows {
			r := &rows[i]
			if !e.matches(*r) {
				continue
			}
			n++
			var problems []string
			switch {
			case r.Decision == e.Decision:
			case r.Decision == Unknown:
				// Not a wrong answer but no proof: only an expectation
				// of "unknown" accepts it.
				problems = append(problems, fmt.Sprintf("decision unknown (not provable from the templates), want %s", e.Decision))
			default:
				problems = append(problems, fmt.Sprintf("decision %s, want %s", r.Decision, e.Decision))
			}
			if e.Path != "" && r.Path != e.Path {
				problems = append(problems, fmt.Sprintf("path %s, want %s", r.Path, e.Path))
			}
			if len(problems) > 0 {
				out = append(out, Mismatch{Expectation: e, Row: r, Problem: fmt.Sprintf("%s %s on %s: %s (%s)", r.Function, r.Action, r.bucketName(), strings.Join(problems, ", "), r.Reason)})
			}
		}
		if n == 0 {
			out = append(out, Mismatch{Expectation: e, Problem: "no row matches"})
		}
	}
	return out
}
