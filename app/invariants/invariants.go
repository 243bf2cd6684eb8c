package stack

import (
	"bytes"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/privates3/privates3/app/accessmatrix/cfn"
	"github.com/privates3/privates3/app/accessmatrix/matrix"
	"github.com/privates3/privates3/app/accessmatrix/network"
	"github.com/privates3/privates3/app/config"
	"github.com/privates3/privates3/constructs/storage"
)

// InvariantsFile holds the access matrix's expectations for this app,
// relative to the project root.
const InvariantsFile = "app/accessmatrix/invariants.json"

// CheckInvariants proves from the synthesized template that the bucket is
// private: the uploader writes through the endpoint, the control is denied,
// plain HTTP and console users are denied, the deployment is not locked out.
// It runs on every synth (app/main.go) and in the tests. A broken invariant
// is returned with the whole matrix, so the reader sees why.
//
// external describes the network outside the template (Stack.External).
func CheckInvariants(cfg config.Config, root, name string, template []byte, external network.External) error {
	exps, err := matrix.LoadExpectations(filepath.Join(root, InvariantsFile))
	if err != nil {
		return err
	}
	exps = append(applicable(cfg, exps), crossAccountInvariants(cfg)...)
	t, err := cfn.Parse(name, template)
	if err != nil {
		return err
	}
	opts := matrix.Options{
		Actions:  append(append([]string{}, matrix.DefaultActions...), matrix.Actions(exps)...),
		External: external,
	}
	if cfg.Account != "" {
		// A concrete environment writes the account and region into ARNs
		// (the deployment role's, for one): the probes must use them too.
		opts.Values = map[string]string{"AWS::AccountId": cfg.Account, "AWS::Region": cfg.Region}
	}
	rows, err := matrix.BuildWith(opts, t)
	if err != nil {
		return err
	}
	mismatches := matrix.Check(rows, exps)
	if len(mismatches) == 0 {
		return nil
	}
	var b bytes.Buffer
	fmt.Fprintf(&b, "%s breaks %d access invariant(s):\n", name, len(mismatches))
	for _, m := range mismatches {
		fmt.Fprintf(&b, "  - %s\n", m)
	}
	b.WriteString("\nThe access matrix that shows why:\n")
	if err := matrix.WriteTable(&b, rows); err != nil {
		return err
	}
	return fmt.Errorf("%s", b.String())
}

// applicable drops the invariants a configuration opts out of: the control's
// rows when it is not deployed, and in object-actions mode, which by design
// leaves bucket configuration to IAM and denies only object data actions
// (storage.ObjectDataActions) outside the endpoint, the console's
// bucket-level actions, and of the object-level denials all but those
// actions. With a reused endpoint the uploader's writes are unknown, not
// allowed: that endpoint's policy is managed elsewhere and is in no
// template, so nothing proves it lets them through.
func applicable(cfg config.Config, exps []matrix.Expectation) []matrix.Expectation {
	var out []matrix.Expectation
	objectMode := cfg.DenyMode == storage.DenyObjectActions
	for _, e := range exps {
		switch {
		case cfg.EndpointId != "" && strings.HasPrefix(e.Function, "Uploader") && e.Decision == matrix.Allowed:
			e.Decision = matrix.Unknown
			e.Why += "; unknown with a reused endpoint, whose policy is not in the template"
			out = append(out, e)
		case !cfg.IncludeControl && strings.HasPrefix(e.Function, "Control"):
		case objectMode && e.Function == matrix.ProbeConsole && e.Resource == "bucket":
		case objectMode && e.Resource == "object" && e.Decision == matrix.ExplicitDeny:
			for _, a := range storage.ObjectDataActions {
				n := e
				n.Action = a
				n.Why += " (object-actions mode denies only " + strings.Join(storage.ObjectDataActions, ", ") + ")"
				out = append(out, n)
			}
		default:
			out = append(out, e)
		}
	}
	return out
}

// privateBucket is the private bucket's logical id, as InvariantsFile
// names it.
const privateBucket = "Storage6B64FB91"

// crossAccountInvariants prove each cross-account writer's grant from the
// bucket's side (matrix.ProbeCrossAccount, an administrator of its own
// account, so that what it is refused the bucket refuses): from outside any
// VPC nothing; through each extra endpoint, another VPC's, its two object
// writes, and not reads, deletes or any bucket-level action; another role
// of its account, no write. The identity half
// of the grant is in the other account and in no template ("Cross-account
// policy evaluation logic", IAM User Guide).
//
// Without a concrete account the stack's account is known only at deploy;
// were it the writer's own, the writer's identity policy alone would
// decide, so what the bucket does not grant is unknown, not refused.
func crossAccountInvariants(cfg config.Config) []matrix.Expectation {
	refused, why := matrix.ImplicitDeny, ""
	if cfg.Account == "" {
		refused, why = matrix.Unknown, "; unknown while the stack's account is unknown (environment-agnostic): in the writer's own account its identity policy alone would decide"
	}
	var out []matrix.Expectation
	unnamedDone := map[string]bool{}
	for _, arn := range cfg.CrossAccountWriterRoleArns {
		probe := matrix.CrossAccountProbe(arn)
		out = append(out, matrix.Expectation{Function: probe, Bucket: privateBucket, Via: "internet", Action: "s3:*", Decision: matrix.ExplicitDeny,
			Why: "a cross-account writer is denied everything from outside the allowed endpoints"})
		for _, ep := range cfg.ExtraEndpointIds {
			for _, a := range []string{"s3:PutObject", "s3:PutObjectTagging"} {
				out = append(out, matrix.Expectation{Function: probe, Bucket: privateBucket, Via: ep, Action: a, Decision: matrix.Allowed,
					Why: arn + " writes through the allowed endpoint " + ep + " (the bucket's half of the grant; its own account must allow it too)"})
			}
			for _, e := range []matrix.Expectation{
				{Action: "s3:GetObject", Why: "a cross-account writer cannot read"},
				{Action: "s3:DeleteObject", Why: "a cross-account writer cannot delete"},
				{Action: "s3:*", Resource: "bucket", Why: "a cross-account writer gets no bucket-level action"},
			} {
				e.Function, e.Bucket, e.Via, e.Decision, e.Why = probe, privateBucket, ep, refused, e.Why+why
				out = append(out, e)
			}
		}
		if unnamed := matrix.UnnamedRoleProbe(arn); !unnamedDone[unnamed] {
			unnamedDone[unnamed] = true
			out = append(out, matrix.Expectation{Function: unnamed, Bucket: privateBucket, Via: "internet", Action: "s3:*", Decision: matrix.ExplicitDeny,
				Why: "no role of the writer's account gets anything from outside the allowed endpoints"})
			for _, ep := range cfg.ExtraEndpointIds {
				out = append(out, matrix.Expectation{Function: unnamed, Bucket: privateBucket, Via: ep, Action: "s3:PutObject", Decision: refused,
					Why: "the grant is the named role's, not its account's" + why})
			}
		}
	}
	return out
}
