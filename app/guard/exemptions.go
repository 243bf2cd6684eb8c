package guard

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"regexp"
	"strings"
)

// Exemption excuses one resource from one rule, for a stated reason.
type Exemption struct {
	// Rule is the Guard rule name as cfn-guard reports it.
	Rule string `json:"rule"`
	// Resource is a logical id, or a prefix of one followed by "*" to
	// absorb the hash suffix CDK appends (ControlFunction*).
	Resource string `json:"resource"`
	// Reason says why the rule does not apply, for a reviewer who was not
	// there: at least MinReasonLength characters.
	Reason string `json:"reason"`
	// UnusedWhen names the settings (README, Configuration) that take the
	// finding away: "kms=true" (the rule then passes), "includeControl=false"
	// (the resource is gone), "canary=unset" (a resource that only that
	// setting adds), or a bare key such as "prefixListId" for any value of
	// it. Such an exemption covering nothing in one synth is that
	// configuration, not a stale entry, so a user's `npm run synth` with a
	// documented setting passes; without UnusedWhen an exemption that covers
	// nothing is stale, an error. That every exemption still covers a
	// finding of some configuration is the project's to prove, on its
	// fixtures (the default and the full configuration), in its tests.
	UnusedWhen []string `json:"unusedWhen,omitempty"`
}

const (
	// MinReasonLength keeps reasons to at least a sentence: "n/a" or
	// "by design" tells a reviewer nothing.
	MinReasonLength = 40
	// MinResourcePrefix is the shortest literal part of a resource
	// pattern, so that "*" or "A*" cannot excuse a whole template.
	MinResourcePrefix = 6
)

var (
	ruleName = regexp.MustCompile(`^[A-Za-z0-9_]+$`)
	// setting is a context key, optionally with a value: kms=true,
	// prefixListId.
	setting = regexp.MustCompile(`^[a-z][A-Za-z]*(=[^\s=]+)?$`)
)

// LoadExemptions reads and checks an exemptions file: a JSON object with an
// "exemptions" array. Every entry is checked; the error lists every problem.
func LoadExemptions(path string) ([]Exemption, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("guard: exemptions: %w", err)
	}
	var f struct {
		Exemptions []Exemption `json:"exemptions"`
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&f); err != nil {
		return nil, fmt.Errorf("guard: exemptions file %s: %w", path, err)
	}
	var problems []string
	seen := map[string]int{}
	for i, e := range f.Exemptions {
		if err := e.validate(); err != nil {
			problems = append(problems, fmt.Sprintf("entry %d: %v", i+1, err))
		}
		key := e.Rule + " " + e.Resource
		if j, dup := seen[key]; dup {
			problems = append(problems, fmt.Sprintf("entry %d: duplicates entry %d (%s on %s)", i+1, j+1, e.Rule, e.Resource))
		}
		seen[key] = i
	}
	if len(problems) > 0 {
		return nil, fmt.Errorf("guard: exemptions file %s:\n  %s", path, strings.Join(problems, "\n  "))
	}
	return f.Exemptions, nil
}

func (e Exemption) validate() error {
	var problems []string
	if !ruleName.MatchString(e.Rule) {
		problems = append(problems, fmt.Sprintf("rule %q is not a Guard rule name (letters, digits, underscores)", e.Rule))
	}
	if err := checkNarrow(e.Resource); err != nil {
		problems = append(problems, err.Error())
	}
	for _, w := range e.UnusedWhen {
		if !setting.MatchString(w) {
			problems = append(problems, fmt.Sprintf("unusedWhen %q is not a setting: write a context key, or key=value, such as kms=true", w))
		}
	}
	if n := len(strings.TrimSpace(e.Reason)); n < MinReasonLength {
		problems = append(problems, fmt.Sprintf("reason has %d characters, want at least %d: say why the rule does not apply, in a sentence", n, MinReasonLength))
	}
	if len(problems) > 0 {
		return fmt.Errorf("%s", strings.Join(problems, "; "))
	}
	return nil
}

// checkNarrow refuses resource patterns that could cover more than the one
// resource meant: only a trailing "*" (for CDK's hash suffix) after a
// literal prefix of at least MinResourcePrefix characters.
func checkNarrow(resource string) error {
	literal := strings.TrimSuffix(resource, "*")
	switch {
	case resource == "":
		return fmt.Errorf("resource is empty: name the logical id the exemption applies to")
	case strings.ContainsAny(literal, "*?[]"):
		return fmt.Errorf("resource %q is too broad: only a trailing * (for CDK's hash suffix) is allowed", resource)
	case literal != resource && len(literal) < MinResourcePrefix:
		return fmt.Errorf("resource %q is too broad: the part before * must have at least %d characters", resource, MinResourcePrefix)
	}
	return nil
}

// Matches reports whether the exemption's resource pattern covers the
// logical id.
func (e Exemption) Matches(logicalID string) bool {
	if literal, ok := strings.CutSuffix(e.Resource, "*"); ok {
		return strings.HasPrefix(logicalID, literal)
	}
	return logicalID == e.Resource
}

// applyExemptions marks the findings each exemption covers and records the
// exemptions that covered none and name no setting that explains it
// (UnusedWhen) as stale. It refuses an exemption for a rule that was
// not evaluated (a typo would otherwise be merely "unused") and one that
// covers two resources of one template (a prefix wider than meant).
func applyExemptions(r *Report, exemptions []Exemption, known map[string]bool) error {
	var problems []string
	for i := range exemptions {
		e := &exemptions[i]
		if !known[e.Rule] {
			problems = append(problems, fmt.Sprintf("exemption %s on %s: no rule of that name was evaluated (a typo, or the rule was renamed)", e.Rule, e.Resource))
			continue
		}
		covered := map[string]string{} // template → the resource covered there
		used := false
		for j := range r.Findings {
			f := &r.Findings[j]
			if f.Rule != e.Rule || f.Resource == "" || !e.Matches(f.Resource) {
				continue
			}
			if prev, ok := covered[f.Template]; ok && prev != f.Resource {
				problems = append(problems, fmt.Sprintf("exemption %s on %s is too broad: it covers both %s and %s in %s; name each resource", e.Rule, e.Resource, prev, f.Resource, f.Template))
				continue
			}
			covered[f.Template] = f.Resource
			f.Exemption = e
			used = true
		}
		if !used && len(e.UnusedWhen) == 0 {
			r.Unused = append(r.Unused, *e)
		}
	}
	if len(problems) > 0 {
		return fmt.Errorf("guard: exemptions:\n  %s", strings.Join(problems, "\n  "))
	}
	return nil
}
