package environments

import (
	"encoding/json"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"

	"github.com/privates3/privates3/app/config"
)

// Pipeline is the file's optional "pipeline" object: where the CDK
// Pipelines variant of the app (-c pipeline=true) runs and what it builds.
// Every field is required; ParseFile checks them whether or not the pipeline
// is turned on, so a file that names a pipeline is always one that can
// build it.
type Pipeline struct {
	// Account and Region are the pipeline's own: its stack, its CodeBuild
	// projects and its artifact bucket live there, and every environment's
	// account trusts it (cdk bootstrap --trust).
	Account string
	Region  string
	// Repository is the source repository, "owner/name" as its host
	// (GitHub, GitLab, Bitbucket) spells it.
	Repository string
	// Branch is the branch whose pushes start the pipeline.
	Branch string
	// ConnectionArn is the CodeStar connection (AWS CodeConnections) to the
	// repository's host, created and authorized once in the console of the
	// pipeline's account and region.
	ConnectionArn string
}

var (
	repositoryRE = regexp.MustCompile(`^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$`)
	// Both service prefixes name the same connections: codestar-connections
	// for those made before AWS CodeConnections was renamed, codeconnections
	// since.
	connectionRE = regexp.MustCompile(`^arn:aws[a-z-]*:(codestar-connections|codeconnections):[a-z0-9-]+:\d{12}:connection/[0-9a-f-]+$`)
)

// pipelineFields are the pipeline object's fields, all required.
var pipelineFields = []string{"account", "region", "repository", "branch", "connectionArn"}

// parsePipeline reads and checks the pipeline object of the file read from
// path. Its field names match exactly, as an environment's do.
func parsePipeline(path string, raw json.RawMessage) (*Pipeline, []error) {
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		return nil, []error{fmt.Errorf("%s: pipeline: want a JSON object with %s", path, strings.Join(pipelineFields, ", "))}
	}
	var errs []error
	for _, k := range slices.Sorted(maps.Keys(m)) {
		if !slices.Contains(pipelineFields, k) {
			errs = append(errs, fmt.Errorf("%s: pipeline: %s", path, unknownField(k, pipelineFields, "see app/README.md, Pipeline, for the fields")))
		}
	}
	p := &Pipeline{}
	wrongType := map[string]bool{}
	for _, f := range []struct {
		name string
		dst  *string
	}{{"account", &p.Account}, {"region", &p.Region}, {"repository", &p.Repository}, {"branch", &p.Branch}, {"connectionArn", &p.ConnectionArn}} {
		switch v := m[f.name].(type) {
		case nil:
		case string:
			*f.dst = v
		default:
			errs = append(errs, config.Problem{Key: f.name, Value: config.ValueText(v), Msg: "want a string"}.Line(path+": pipeline: field "+f.name))
			wrongType[f.name] = true
		}
	}
	// A field of the wrong type is one problem: its value is not checked
	// again.
	for _, err := range p.problems(path) {
		if !wrongType[err.field] {
			errs = append(errs, err)
		}
	}
	return p, errs
}

// fieldError is a problem of one field of the pipeline object.
type fieldError struct {
	field string
	error
}

// problems checks the pipeline's values.
func (p *Pipeline) problems(path string) []fieldError {
	var errs []fieldError
	bad := func(field, msg string, args ...any) {
		errs = append(errs, fieldError{field, fmt.Errorf("%s: pipeline: field %s: %s", path, field, fmt.Sprintf(msg, args...))})
	}
	if !accountRE.MatchString(p.Account) {
		bad("account", "%q: want the 12-digit AWS account id the pipeline runs in", p.Account)
	}
	if !regionRE.MatchString(p.Region) {
		bad("region", "%q: want a region such as eu-west-1", p.Region)
	}
	if !repositoryRE.MatchString(p.Repository) {
		bad("repository", "%q: want the source repository as owner/name", p.Repository)
	}
	if !validBranch(p.Branch) {
		bad("branch", "%q: want the name of a git branch, such as main", p.Branch)
	}
	if !connectionRE.MatchString(p.ConnectionArn) {
		bad("connectionArn", "%q: want a connection ARN such as arn:aws:codestar-connections:eu-west-1:123456789012:connection/0e4a3b2c-1234-5678-9abc-def012345678 (console: Developer Tools, Settings, Connections)", p.ConnectionArn)
	}
	return errs
}

// validBranch is a conservative reading of git check-ref-format: no
// spaces, control characters, "..", or the characters git forbids, and no
// leading "-" or "/".
func validBranch(b string) bool {
	if b == "" || strings.HasPrefix(b, "-") || strings.HasPrefix(b, "/") || strings.HasSuffix(b, "/") ||
		strings.HasSuffix(b, ".lock") || strings.Contains(b, "..") || strings.Contains(b, "@{") || strings.Contains(b, "//") {
		return false
	}
	for _, r := range b {
		if r <= ' ' || r == 0x7f || strings.ContainsRune(`~^:?*[\`, r) {
			return false
		}
	}
	return true
}
