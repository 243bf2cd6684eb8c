// Package cfnlint runs AWS's CloudFormation linter, cfn-lint, over many
// templates in one process (its Python start-up and schema loading cost
// about two seconds; each further template costs little), reads its JSON
// findings and sets aside the ones an exemption covers.
package cfnlint

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os/exec"
	"regexp"
	"sort"
	"strings"
)

// Version is the cfn-lint the project is tested with, on CI and on these
// machines; another version may know other rules and schemas.
const Version = "1.51.0"

// Install says how to get the linter, for the error when it is missing.
const Install = "install AWS's CloudFormation linter with `pip install cfn-lint==" + Version + "` (it brings its resource schemas)"

// Finding is one problem cfn-lint reports.
type Finding struct {
	File  string // the template, as named to Run
	Rule  string // E3002, W3005, I3042
	Level string // Error, Warning or Informational
	// Resource is the logical id the finding is about, "" when it is not
	// under Resources (a parse error, an output).
	Resource string
	Path     string // Resources/Bucket/Properties/BucketNam
	Line     int
	Message  string
}

func (f Finding) String() string {
	where := f.Path
	if where == "" {
		where = "(template)"
	}
	return fmt.Sprintf("%s:%d: %s %s: %s", f.File, f.Line, f.Rule, where, f.Message)
}

// Run lints the templates with one cfn-lint process. Every rule level runs,
// informational included (cfn-lint leaves those out by default); whether a
// finding matters is the caller's decision. The error is for a linter that
// is missing or did not produce its report, not for findings.
func Run(files []string) ([]Finding, error) {
	if len(files) == 0 {
		return nil, nil
	}
	bin, err := exec.LookPath("cfn-lint")
	if err != nil {
		return nil, fmt.Errorf("cfn-lint is not on PATH: %s", Install)
	}
	args := append([]string{"--format", "json", "--include-checks", "I", "--"}, files...)
	cmd := exec.Command(bin, args...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err = cmd.Run()
	// The exit status is a bit set: 2 errors, 4 warnings, 8 informational
	// findings. Anything else, or no JSON, means the linter itself failed.
	var exit *exec.ExitError
	if err != nil && (!errors.As(err, &exit) || exit.ExitCode()&^(2|4|8) != 0) {
		return nil, fmt.Errorf("cfn-lint: %w: %s", err, strings.TrimSpace(stderr.String()))
	}
	findings, perr := Parse(stdout.Bytes())
	if perr != nil {
		return nil, fmt.Errorf("cfn-lint: %w (stderr: %s)", perr, strings.TrimSpace(stderr.String()))
	}
	return findings, nil
}

// Parse reads cfn-lint's `--format json` report.
func Parse(report []byte) ([]Finding, error) {
	var raw []struct {
		Filename *string
		Level    string
		Location struct {
			Path  []any
			Start struct{ LineNumber int }
		}
		Message string
		Rule    struct{ Id string }
	}
	if err := json.Unmarshal(report, &raw); err != nil {
		return nil, fmt.Errorf("reading the JSON report: %w", err)
	}
	out := make([]Finding, 0, len(raw))
	for _, r := range raw {
		f := Finding{Rule: r.Rule.Id, Level: r.Level, Line: r.Location.Start.LineNumber, Message: r.Message}
		if r.Filename != nil {
			f.File = *r.Filename
		}
		parts := make([]string, len(r.Location.Path))
		for i, p := range r.Location.Path {
			parts[i] = fmt.Sprint(p)
		}
		f.Path = strings.Join(parts, "/")
		if len(parts) > 1 && parts[0] == "Resources" {
			f.Resource = parts[1]
		}
		out = append(out, f)
	}
	return out, nil
}

// Exemption excuses one resource from one rule, for a stated reason.
type Exemption struct {
	Rule string // a cfn-lint rule id: W3005
	// Resource is a logical id, or a prefix of one followed by "*" to
	// absorb the hash suffix CDK appends (ControlFunction*), or, for an
	// informational rule only, EveryResource.
	Resource string
	// Reason says why the finding is accepted, for a reviewer who was not
	// there: at least MinReasonLength characters.
	Reason string
}

// EveryResource as an exemption's resource excuses every finding of an
// informational rule: one about how the template is written rather than
// what it deploys (I1022, Fn::Join where Fn::Sub would read better), which
// no resource of its own can settle. Errors and warnings are excused one
// resource at a time.
const EveryResource = "(every resource)"

const (
	// MinReasonLength keeps reasons to at least a sentence.
	MinReasonLength = 40
	// MinResourcePrefix is the shortest literal part of a resource
	// pattern, so that "*" or "A*" cannot excuse a whole template.
	MinResourcePrefix = 6
)

var ruleID = regexp.MustCompile(`^[EWI][0-9]{4}$`)

// Check refuses exemptions that are not narrowed to one rule and one
// resource, or that give no real reason. The error lists every problem.
func Check(exemptions []Exemption) error {
	var problems []string
	seen := map[string]bool{}
	for _, e := range exemptions {
		name := e.Rule + " on " + e.Resource
		if !ruleID.MatchString(e.Rule) {
			problems = append(problems, fmt.Sprintf("%s: rule %q is not a cfn-lint rule id (E, W or I and four digits)", name, e.Rule))
		}
		literal := strings.TrimSuffix(e.Resource, "*")
		switch {
		case e.Resource == EveryResource:
			if !strings.HasPrefix(e.Rule, "I") {
				problems = append(problems, fmt.Sprintf("%s: only an informational rule (I...) may be exempted on every resource; name each resource", name))
			}
		case e.Resource == "":
			problems = append(problems, fmt.Sprintf("%s: no resource: name the logical id the exemption applies to", name))
		case strings.ContainsAny(literal, "*?[]"):
			problems = append(problems, fmt.Sprintf("%s: only a trailing * (for CDK's hash suffix) is allowed", name))
		case literal != e.Resource && len(literal) < MinResourcePrefix:
			problems = append(problems, fmt.Sprintf("%s: the part before * must have at least %d characters", name, MinResourcePrefix))
		}
		if n := len(strings.TrimSpace(e.Reason)); n < MinReasonLength {
			problems = append(problems, fmt.Sprintf("%s: reason has %d characters, want at least %d: say why the finding is accepted", name, n, MinReasonLength))
		}
		if seen[name] {
			problems = append(problems, fmt.Sprintf("%s: listed twice", name))
		}
		seen[name] = true
	}
	if len(problems) > 0 {
		return fmt.Errorf("cfn-lint exemptions:\n  %s", strings.Join(problems, "\n  "))
	}
	return nil
}

// Covers reports whether the exemption applies to the finding.
func (e Exemption) Covers(f Finding) bool {
	if f.Rule != e.Rule {
		return false
	}
	if e.Resource == EveryResource {
		return true
	}
	if f.Resource == "" {
		return false
	}
	if literal, ok := strings.CutSuffix(e.Resource, "*"); ok {
		return strings.HasPrefix(f.Resource, literal)
	}
	return f.Resource == e.Resource
}

// Apply returns the findings no exemption covers, and the exemptions that
// covered nothing (stale, once every template they were written for has
// been linted).
func Apply(findings []Finding, exemptions []Exemption) (kept []Finding, unused []Exemption) {
	used := make([]bool, len(exemptions))
	for _, f := range findings {
		covered := false
		for i, e := range exemptions {
			if e.Covers(f) {
				used[i], covered = true, true
			}
		}
		if !covered {
			kept = append(kept, f)
		}
	}
	for i, e := range exemptions {
		if !used[i] {
			unused = append(unused, e)
		}
	}
	return kept, unused
}

// Sort orders findings by file, line and rule, for a stable report.
func Sort(findings []Finding) {
	sort.SliceStable(findings, func(i, j int) bool {
		a, b := findings[i], findings[j]
		if a.File != b.File {
			return a.File < b.File
		}
		if a.Line != b.Line {
			return a.Line < b.Line
		}
		return a.Rule < b.Rule
	})
}
