// Package guard checks CloudFormation templates with AWS CloudFormation Guard
// (cfn-guard): the AWS Control Tower proactive-control rules for S3, Lambda,
// EC2/VPC and IAM, plus this project's own rules in rules/.
//
// cdk-nag's Go bindings are not served here; the npm package
// @cdklabs/cdk-validator-cfnguard, pinned in package.json, ships a static
// cfn-guard binary and the Control Tower rules, and runs offline. This
// package finds both in node_modules, runs cfn-guard once over every
// template, reads its structured JSON output, and applies the exemptions of
// exemptions.json, each narrowed to one resource and explained.
package guard

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"sort"
	"strings"
	"sync"
)

// validatorPackage is where npm ci puts the pinned cfn-guard and its rules.
const validatorPackage = "node_modules/@cdklabs/cdk-validator-cfnguard"

// ControlTowerRuleDirs are the Control Tower rule folders (under
// rules/control-tower/cfn-guard of the validator package) that apply to what
// this project deploys.
var ControlTowerRuleDirs = []string{"s3", "lambda", "ec2", "identityandaccessmanagement"}

// Options says where the tools and rules are. The zero value finds
// everything from the project root (the first folder, from the working
// directory up, that holds node_modules/@cdklabs/cdk-validator-cfnguard).
type Options struct {
	// Root is the project folder. Default: found from the working directory.
	Root string
	// Exemptions is the exemptions file. Default: Root/app/guard/exemptions.json.
	// Set NoExemptions to check with none.
	Exemptions   string
	NoExemptions bool
	// Rules are extra rule files or folders. Default: the Control Tower
	// folders of ControlTowerRuleDirs and Root/app/guard/rules.
	Rules []string
}

// Finding is one rule that one resource of one template does not satisfy.
type Finding struct {
	Template string // the template path as given
	Rule     string // the Guard rule name, e.g. s3_bucket_logging_enabled_check
	Control  string // the id in the rule's message, e.g. CT.S3.PR.2 or PRIVATES3.VPC.1
	Resource string // the logical id; empty when the rule failed on the template as a whole
	Message  string // what the rule requires, from its message
	Fix      string // how to fix it, from its message, when the rule says
	// Exemption is the entry of exemptions.json that covers this finding,
	// or nil.
	Exemption *Exemption
}

// Report is the outcome of one Check.
type Report struct {
	Templates []string
	// Findings are every failure, exempted or not, sorted by template,
	// rule and resource.
	Findings []Finding
	// Rules is the number of distinct rules evaluated.
	Rules int
	// Passed lists, per template, the rules that applied to it and passed
	// (a rule whose "when" did not hold is neither passed nor failed).
	Passed map[string][]string
	// Unused are the exemptions that covered no finding of this run.
	Unused []Exemption
}

// Failures returns the findings no exemption covers.
func (r *Report) Failures() []Finding {
	var out []Finding
	for _, f := range r.Findings {
		if f.Exemption == nil {
			out = append(out, f)
		}
	}
	return out
}

// Err is nil when every finding is exempted and every exemption was used.
// A run over one configuration (kms=true, includeControl=false) can leave
// exemptions legitimately unused; callers that know this look at Failures.
func (r *Report) Err() error {
	var errs []error
	for _, f := range r.Failures() {
		errs = append(errs, fmt.Errorf("%s: %s fails %s: %s", f.Template, orTemplate(f.Resource), f.Rule, f.Message))
	}
	for _, e := range r.Unused {
		errs = append(errs, fmt.Errorf("exemption %s on %s is stale: it covers no finding; remove it from the exemptions file", e.Rule, e.Resource))
	}
	return errors.Join(errs...)
}

func orTemplate(resource string) string {
	if resource == "" {
		return "(template)"
	}
	return resource
}

// Check runs cfn-guard over the templates and applies the exemptions. The
// error is about the run itself (tools missing, a template unreadable, the
// exemptions file invalid); rule failures are in the Report.
func Check(opts Options, templates ...string) (*Report, error) {
	if len(templates) == 0 {
		return nil, errors.New("guard: no templates to check")
	}
	root := opts.Root
	if root == "" {
		var err error
		if root, err = FindRoot(); err != nil {
			return nil, err
		}
	}
	bin, err := Binary(root)
	if err != nil {
		return nil, err
	}
	resources := map[string][]string{} // template → logical ids
	types := map[string]bool{}         // of every template's resources
	for _, t := range templates {
		ids, err := readTemplate(t, types)
		if err != nil {
			return nil, err
		}
		resources[t] = ids
	}
	var exemptions []Exemption
	if !opts.NoExemptions {
		path := opts.Exemptions
		if path == "" {
			path = filepath.Join(root, "app", "guard", "exemptions.json")
		}
		if exemptions, err = LoadExemptions(path); err != nil {
			return nil, err
		}
	}
	rules := opts.Rules
	if rules == nil {
		for _, d := range ControlTowerRuleDirs {
			rules = append(rules, filepath.Join(root, validatorPackage, "rules", "control-tower", "cfn-guard", d))
		}
		rules = append(rules, filepath.Join(root, "app", "guard", "rules"))
	}
	results, err := runParallel(bin, rules, templates, func(file string) bool {
		// Only Control Tower's files are skipped; this project's own
		// rules always run (some pass on a resource's absence).
		return strings.HasPrefix(file, filepath.Join(root, validatorPackage)+string(filepath.Separator))
	}, types)
	if err != nil {
		return nil, err
	}
	report := &Report{Templates: templates, Passed: map[string][]string{}}
	known := map[string]bool{}
	for i, res := range results {
		report.Passed[templates[i]] = res.Compliant
		for _, names := range [][]string{res.Compliant, res.NotApplicable} {
			for _, n := range names {
				known[n] = true
			}
		}
		for _, nc := range res.NotCompliant {
			known[nc.Rule.Name] = true
			report.Findings = append(report.Findings, findings(templates[i], nc.Rule)...)
		}
	}
	report.Rules = len(known)
	sort.Slice(report.Findings, func(i, j int) bool {
		a, b := report.Findings[i], report.Findings[j]
		if a.Template != b.Template {
			return a.Template < b.Template
		}
		if a.Rule != b.Rule {
			return a.Rule < b.Rule
		}
		return a.Resource < b.Resource
	})
	if err := applyExemptions(report, exemptions, known); err != nil {
		return nil, err
	}
	return report, nil
}

// FindRoot returns the first folder, from the working directory up, that
// holds the validator package.
func FindRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for d := dir; ; {
		if _, err := os.Stat(filepath.Join(d, validatorPackage)); err == nil {
			return d, nil
		}
		parent := filepath.Dir(d)
		if parent == d {
			return "", fmt.Errorf("guard: %s not found in %s or above: run `npm ci` in the project folder first (it installs the pinned cfn-guard)", validatorPackage, dir)
		}
		d = parent
	}
}

// Binary returns the path of the cfn-guard binary the validator package
// ships for this platform.
func Binary(root string) (string, error) {
	osDir := map[string]string{"linux": "ubuntu", "darwin": "macos"}[runtime.GOOS]
	archDir := map[string]string{"amd64": "x86_64", "arm64": "aarch64"}[runtime.GOARCH]
	if osDir == "" || archDir == "" {
		return "", fmt.Errorf("guard: no cfn-guard binary for %s/%s in %s (it ships linux and macOS, amd64 and arm64)", runtime.GOOS, runtime.GOARCH, validatorPackage)
	}
	bin := filepath.Join(root, validatorPackage, "bin", osDir, archDir, "cfn-guard")
	if _, err := os.Stat(bin); err != nil {
		return "", fmt.Errorf("guard: cfn-guard not found at %s: run `npm ci` in %s (it installs the pinned @cdklabs/cdk-validator-cfnguard)", bin, root)
	}
	return bin, nil
}

// readTemplate returns the logical ids of a template's resources, and
// refuses what is not a CloudFormation template, so that cfn-guard never
// "passes" a file it could not apply a rule to. It adds the resources'
// types to types.
func readTemplate(path string, types map[string]bool) ([]string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("guard: %w", err)
	}
	var t struct {
		Resources map[string]struct{ Type any }
	}
	if err := json.Unmarshal(b, &t); err != nil {
		return nil, fmt.Errorf("guard: %s is not valid JSON: %w", path, err)
	}
	if len(t.Resources) == 0 {
		return nil, fmt.Errorf("guard: %s is not a CloudFormation template: it has no Resources", path)
	}
	for _, r := range t.Resources {
		if typ, ok := r.Type.(string); ok {
			types[typ] = true
		}
	}
	ids := slices.Sorted(maps.Keys(t.Resources))
	return ids, nil
}

// fileResult is one data file in cfn-guard's --structured JSON output.
type fileResult struct {
	Name          string                    `json:"name"`
	Status        string                    `json:"status"`
	NotCompliant  []struct{ Rule ruleNode } `json:"not_compliant"`
	NotApplicable []string                  `json:"not_applicable"`
	Compliant     []string                  `json:"compliant"`
}

// ruleNode is a failed rule; its checks nest rules, clauses and blocks to
// any depth, so they stay generic and are walked.
type ruleNode struct {
	Name   string `json:"name"`
	Checks []any  `json:"checks"`
}

// Exit statuses of cfn-guard validate 3.1.1.
const (
	exitPass = 0
	exitFail = 19
)

// runParallel spreads the rule files over one cfn-guard process per CPU
// and merges their results: cfn-guard spends most of its time per rule file
// (about 30 ms each over a template, whether its rules apply or not), and
// it uses one core.
//
// A rule file that skippable allows and that names resource types none of
// which is in types (any template's) is not run: every Control Tower rule
// selects its resources by type, so each of its rules would be not
// applicable, and is reported so. That takes 23 of the 46 Control Tower
// files off the app's synth (launch templates, instances, fleets, access
// points, function URLs). A test runs the fixtures with and without this,
// and wants the same results.
func runParallel(bin string, rules, templates []string, skippable func(string) bool, types map[string]bool) ([]fileResult, error) {
	var all []string
	for _, r := range rules {
		st, err := os.Stat(r)
		if err != nil {
			return nil, fmt.Errorf("guard: rules %s: %w", r, err)
		}
		if !st.IsDir() {
			all = append(all, r)
			continue
		}
		found, err := filepath.Glob(filepath.Join(r, "*.guard"))
		if err != nil {
			return nil, err
		}
		all = append(all, found...)
	}
	if len(all) == 0 {
		return nil, fmt.Errorf("guard: no rule files in %s", strings.Join(rules, ", "))
	}
	var files, inapplicable []string
	for _, f := range all {
		if skippable == nil || !skippable(f) {
			files = append(files, f)
			continue
		}
		names, applies, err := ruleFile(f, types)
		if err != nil {
			return nil, err
		}
		if applies {
			files = append(files, f)
		} else {
			inapplicable = append(inapplicable, names...)
		}
	}
	if len(files) == 0 {
		results := make([]fileResult, len(templates))
		for i := range results {
			results[i].NotApplicable = slices.Compact(slices.Sorted(slices.Values(inapplicable)))
		}
		return results, nil
	}
	groups := make([][]string, min(runtime.NumCPU(), len(files)))
	for i, f := range files {
		groups[i%len(groups)] = append(groups[i%len(groups)], f)
	}
	parts := make([][]fileResult, len(groups))
	errs := make([]error, len(groups))
	var wg sync.WaitGroup
	for i, g := range groups {
		wg.Add(1)
		go func() {
			defer wg.Done()
			parts[i], errs[i] = run(bin, g, templates)
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	results := parts[0]
	for _, part := range parts[1:] {
		for i, r := range part {
			results[i].NotCompliant = append(results[i].NotCompliant, r.NotCompliant...)
			results[i].NotApplicable = append(results[i].NotApplicable, r.NotApplicable...)
			results[i].Compliant = append(results[i].Compliant, r.Compliant...)
		}
	}
	for i := range results {
		results[i].NotApplicable = append(results[i].NotApplicable, inapplicable...)
	}
	// The same order whatever the number of CPUs; a rule file can name a
	// rule twice (cfn-guard reports it once).
	for i := range results {
		sort.Strings(results[i].NotApplicable)
		results[i].NotApplicable = slices.Compact(results[i].NotApplicable)
		sort.Strings(results[i].Compliant)
	}
	return results, nil
}

// ruleTypes finds the resource types a rule file selects by, and
// ruleNames the rules it reports (those without parameters: cfn-guard
// reports neither a parameterized rule nor a named check).
var (
	ruleTypes = regexp.MustCompile(`AWS::[A-Za-z0-9]+::[A-Za-z0-9]+`)
	ruleNames = regexp.MustCompile(`(?m)^rule\s+([A-Za-z0-9_]+)\s*(?:when\b|\{)`)
)

// ruleFile returns the names of the rules in a rule file, and whether it
// can apply to resources of types: it names one of them, or no type at all.
func ruleFile(path string, types map[string]bool) ([]string, bool, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, false, fmt.Errorf("guard: rules %s: %w", path, err)
	}
	named := ruleTypes.FindAllString(string(b), -1)
	applies := len(named) == 0
	for _, t := range named {
		applies = applies || types[t]
	}
	var names []string
	for _, m := range ruleNames.FindAllStringSubmatch(string(b), -1) {
		names = append(names, m[1])
	}
	if len(names) == 0 {
		applies = true // nothing to report it by: let cfn-guard read it
	}
	return names, applies, nil
}

func run(bin string, rules, templates []string) ([]fileResult, error) {
	args := []string{"validate", "--output-format", "json", "--structured", "--show-summary", "none"}
	for _, r := range rules {
		args = append(args, "--rules", r)
	}
	abs := make([]string, len(templates))
	for i, t := range templates {
		a, err := filepath.Abs(t)
		if err != nil {
			return nil, err
		}
		abs[i] = a
		args = append(args, "--data", a)
	}
	cmd := exec.Command(bin, args...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	var exit *exec.ExitError
	if err != nil && !(errors.As(err, &exit) && exit.ExitCode() == exitFail) {
		return nil, fmt.Errorf("guard: cfn-guard %s: %w: %s", strings.Join(args, " "), err, strings.TrimSpace(stderr.String()))
	}
	var out []fileResult
	if err := json.Unmarshal(stdout.Bytes(), &out); err != nil {
		return nil, fmt.Errorf("guard: reading cfn-guard's output: %w", err)
	}
	// cfn-guard names each result by the data path; put them back in the
	// caller's order and spelling.
	byName := map[string]fileResult{}
	for _, r := range out {
		byName[r.Name] = r
	}
	results := make([]fileResult, len(templates))
	for i, a := range abs {
		r, ok := byName[a]
		if !ok {
			return nil, fmt.Errorf("guard: cfn-guard reported nothing for %s", templates[i])
		}
		results[i] = r
	}
	return results, nil
}

// controlLine finds "[CT.S3.PR.2]: ..." or "[PRIVATES3.VPC.1]: ..." and
// fixLine "[FIX]: ..." in a line of a rule's message. cfn-guard 3.1.1 joins
// the lines of some messages with ";" and spaces instead of newlines.
var (
	messageLines = regexp.MustCompile(`\n|;\s{2,}`)
	controlLine  = regexp.MustCompile(`\[([A-Z0-9]+(?:\.[A-Z0-9]+)+)\]:\s*(.*)`)
	fixLine      = regexp.MustCompile(`\[FIX\]:\s*(.*)`)
)

// findings turns one failed rule into one finding per resource it names.
// Only the left side of a comparison ("from", an unresolved "traversed_to",
// a unary "value") is the resource under test; the right side ("to") names
// the resources it was compared with.
func findings(template string, rule ruleNode) []Finding {
	var messages []string
	resources := map[string]bool{}
	var walk func(v any, key string)
	walk = func(v any, key string) {
		switch v := v.(type) {
		case map[string]any:
			for k, c := range v {
				switch {
				case k == "to":
					continue
				case k == "custom_message":
					if s, ok := c.(string); ok && strings.TrimSpace(s) != "" {
						messages = append(messages, s)
					}
				case k == "path" && (key == "from" || key == "traversed_to" || key == "value"):
					if s, ok := c.(string); ok && resourceOf(s) != "" {
						resources[resourceOf(s)] = true
					}
				default:
					walk(c, k)
				}
			}
		case []any:
			for _, c := range v {
				walk(c, key)
			}
		}
	}
	walk(rule.Checks, "")
	f := Finding{Template: template, Rule: rule.Name}
	sort.Strings(messages)
	for _, m := range messages {
		for _, line := range messageLines.Split(m, -1) {
			if c := controlLine.FindStringSubmatch(line); c != nil && f.Control == "" {
				f.Control, f.Message = c[1], strings.TrimSpace(c[2])
			}
			if x := fixLine.FindStringSubmatch(line); x != nil && f.Fix == "" {
				f.Fix = strings.TrimSpace(x[1])
			}
		}
	}
	if f.Message == "" && len(messages) > 0 {
		f.Message = strings.Join(strings.Fields(messages[0]), " ")
	}
	if len(resources) == 0 {
		resources[""] = true
	}
	ids := slices.Sorted(maps.Keys(resources))
	var out []Finding
	for _, id := range ids {
		g := f
		g.Resource = id
		out = append(out, g)
	}
	return out
}

// resourceOf returns the logical id in a path like /Resources/Id/Properties,
// or "" for a path outside Resources.
func resourceOf(path string) string {
	parts := strings.Split(path, "/")
	if len(parts) >= 3 && parts[0] == "" && parts[1] == "Resources" {
		return parts[2]
	}
	return ""
}
