package environments

import (
	"encoding/json"
	"fmt"
	"os"
	"regexp"
	"strings"
)

// Pipeline is the file's optional "pipeline" object: where the CDK
// Pipelines variant of the app (-c pipeline=true) runs and what it builds.
// Every field is required; Parse checks them whether or not the pipeline
// is turned on, so a file that names a pipeline is always one that can
// build it.
type Pipeline struct {
	// Account and Region are the pipeline's own: its stack, its CodeBuild
	// projects and its artifact bucket live there, and every environment's
	// account trusts it (cdk bootstrap --trust).
	Account string `json:"account"`
	Region  string `json:"region"`
	// Repository is the source repository, "owner/name" as its host
	// (GitHub, GitLab, Bitbucket) spells it.
	Repository string `json:"repository"`
	// Branch is the branch whose pushes start the pipeline.
	Branch string `json:"branch"`
	// ConnectionArn is the CodeStar connection (AWS CodeConnections) to the
	// repository's host, created and authorized once in the console of the
	// pipeline's account and region.
	ConnectionArn string `json:"connectionArn"`
}

var (
	repositoryRE = regexp.MustCompile(`^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$`)
	// Both service prefixes name the same connections: codestar-connections
	// for those made before AWS CodeConnections was renamed, codeconnections
	// since.
	connectionRE = regexp.MustCompile(`^arn:aws[a-z-]*:(codestar-connections|codeconnections):[a-z0-9-]+:\d{12}:connection/[0-9a-f-]+$`)
)

// problems checks the pipeline object of the file read from path; nil (no
// object) is no problem.
func (p *Pipeline) problems(path string) []error {
	if p == nil {
		return nil
	}
	var errs []error
	bad := func(field, msg string, args ...any) {
		errs = append(errs, fmt.Errorf("%s: pipeline: field %s: %s", path, field, fmt.Sprintf(msg, args...)))
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

// LoadFile reads and checks path as Load does, and returns the whole
// document: the environments and, when the file has one, the pipeline.
func LoadFile(path string) (File, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return File{}, fmt.Errorf("%s: %w", path, err)
	}
	envs, err := Parse(path, b)
	if err != nil {
		return File{}, err
	}
	var f File
	if err := json.Unmarshal(b, &f); err != nil {
		return File{}, fmt.Errorf("%s: %w", path, err) // Parse decoded it already
	}
	f.Environments = envs
	return f, nil
}
