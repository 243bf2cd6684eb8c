// Package invariants proves, from a synthesized template of the app's
// stack, that the bucket is private: the uploader writes through the
// endpoint, the control is denied, plain HTTP and console users are denied,
// the deployment is not locked out, and each cross-account writer gets its
// writes and nothing more. The CDK app runs it after every synth
// (app/main.go), and the tests run it on every configuration they
// synthesize.
//
// The proofs are the access matrix's (app/accessmatrix); the stack
// (app/stack) knows nothing of them and gives what they need as plain
// fields. The expectations are invariants.json, embedded, written over the
// placeholders {bucket}, {uploader} and {control}, which Check replaces by
// the logical ids Of reads from the stack's constructs: no resource is
// found by a construct id or a hard-coded logical id.
package invariants

import (
	"bytes"
	_ "embed"
	"errors"
	"fmt"
	"regexp"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/constructs-go/constructs/v10"

	"github.com/privates3/privates3/app/accessmatrix/cfn"
	"github.com/privates3/privates3/app/accessmatrix/matrix"
	"github.com/privates3/privates3/app/accessmatrix/network"
	"github.com/privates3/privates3/app/config"
	"github.com/privates3/privates3/app/stack"
	"github.com/privates3/privates3/constructs/storage"
)

// expectationsJSON are the invariants, as matrix.ParseExpectations reads
// them, over the placeholders.
//
//go:embed invariants.json
var expectationsJSON []byte

// The placeholders of invariants.json.
const (
	bucketID   = "{bucket}"
	uploaderID = "{uploader}"
	controlID  = "{control}"
)

// Subject is one synthesized stack of the app, as the invariants see it.
type Subject struct {
	// Config is the configuration the stack was composed from: it decides
	// which invariants apply.
	Config config.Config
	// Bucket, Uploader and Control are the logical ids of the private
	// bucket and of the two functions in the template. Control is empty
	// when the stack has no control function.
	Bucket, Uploader, Control string
	// External is the network the template refers to but does not hold.
	External network.External
}

// Of reads the subject from a stack composed for cfg: the logical ids of its
// bucket and functions, the network it looked up or was given.
func Of(cfg config.Config, st *stack.Stack) (Subject, error) {
	if st.Bucket == nil || st.Uploader == nil {
		return Subject{}, fmt.Errorf("stack %s has no bucket or uploader: its VPC lookup is pending, and the invariants are checked on the template the CDK CLI synthesizes once it has looked the VPC up", *st.StackName())
	}
	s := Subject{
		Config:   cfg,
		Bucket:   logicalID(st.Stack, st.Bucket.Bucket),
		Uploader: logicalID(st.Stack, st.Uploader.Function),
		External: network.External{
			Subnets:       st.External.Subnets,
			Endpoints:     st.External.EndpointRouteTables,
			S3PrefixLists: st.External.S3PrefixLists,
		},
	}
	if st.Control != nil {
		s.Control = logicalID(st.Stack, st.Control.Function)
	}
	return s, nil
}

// logicalID is the logical id the template gives c's CloudFormation
// resource (its default child): the resolved LogicalId, which, unlike
// Stack.GetLogicalId, includes an OverrideLogicalId.
func logicalID(st awscdk.Stack, c constructs.IConstruct) string {
	res := c.Node().DefaultChild().(awscdk.CfnElement)
	return st.Resolve(res.LogicalId()).(string)
}

// CheckStack is Of and Check: what the app runs on each stack it
// synthesized, template being the stack's template as written and name
// how errors call it.
func CheckStack(cfg config.Config, st *stack.Stack, name string, template []byte) error {
	s, err := Of(cfg, st)
	if err != nil {
		return err
	}
	return s.Check(name, template)
}

// Check proves the invariants that apply to the subject's configuration
// on its template (named name in errors). A broken invariant is returned
// with the whole matrix, so the reader sees why.
func (s Subject) Check(name string, template []byte) error {
	exps, err := s.expectations()
	if err != nil {
		return err
	}
	t, err := cfn.Parse(name, template)
	if err != nil {
		return err
	}
	opts := matrix.Options{
		Actions:  append(append([]string{}, matrix.DefaultActions...), matrix.Actions(exps)...),
		External: s.External,
	}
	if s.Config.Account != "" {
		// A concrete environment writes the account and region into ARNs
		// (the deployment role's, for one): the probes must use them too.
		opts.Values = map[string]string{"AWS::AccountId": s.Config.Account, "AWS::Region": s.Config.Region}
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
	return errors.New(b.String())
}

// logicalIDPattern is what CloudFormation accepts as a logical id
// (CloudFormation User Guide, "Resources" section: "The logical ID must be
// alphanumeric (A-Za-z0-9) and unique within the template"). Nothing else
// may replace a placeholder: the expectations would read it as a glob.
var logicalIDPattern = regexp.MustCompile(`^[A-Za-z0-9]+$`)

// expectations are the embedded invariants that apply to the subject, with
// its logical ids in place of the placeholders, and its cross-account
// writers' invariants.
func (s Subject) expectations() ([]matrix.Expectation, error) {
	ids := map[string]string{bucketID: s.Bucket, uploaderID: s.Uploader, controlID: s.Control}
	for p, id := range ids {
		if id != "" && !logicalIDPattern.MatchString(id) {
			return nil, fmt.Errorf("logical id %q for %s is not alphanumeric", id, p)
		}
	}
	if s.Bucket == "" || s.Uploader == "" {
		return nil, errors.New("the subject names no bucket or no uploader: build it with invariants.Of")
	}
	exps, err := matrix.ParseExpectations(expectationsJSON)
	if err != nil {
		return nil, fmt.Errorf("invariants.json: %w", err)
	}
	exps = append(applicable(s.Config, s.Control != "", exps), crossAccountInvariants(s.Config)...)
	for i := range exps {
		for _, f := range []*string{&exps[i].Function, &exps[i].Bucket} {
			if id, ok := ids[*f]; ok {
				*f = id
			} else if strings.ContainsAny(*f, "{}") {
				return nil, fmt.Errorf("invariants.json: %q is not one of the placeholders %s, %s, %s", *f, bucketID, uploaderID, controlID)
			}
		}
	}
	return exps, nil
}

// applicable drops the invariants a configuration opts out of: the control's
// rows when the stack has no control, and in object-actions mode, which by
// design leaves bucket configuration to IAM and denies only object data
// actions (storage.ObjectDataActions) outside the endpoint, the console's
// bucket-level actions, and of the object-level denials all but those
// actions. With a reused endpoint the uploader's writes are unknown, not
// allowed: that endpoint's policy is managed elsewhere and is in no
// template, so nothing proves it lets them through.
func applicable(cfg config.Config, withControl bool, exps []matrix.Expectation) []matrix.Expectation {
	var out []matrix.Expectation
	objectMode := cfg.DenyMode == storage.DenyObjectActions
	for _, e := range exps {
		switch {
		case cfg.EndpointId != "" && e.Function == uploaderID && e.Decision == matrix.Allowed:
			e.Decision = matrix.Unknown
			e.Why += "; unknown with a reused endpoint, whose policy is not in the template"
			out = append(out, e)
		case !withControl && e.Function == controlID:
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
		out = append(out, matrix.Expectation{Function: probe, Bucket: bucketID, Via: "internet", Action: "s3:*", Decision: matrix.ExplicitDeny,
			Why: "a cross-account writer is denied everything from outside the allowed endpoints"})
		for _, ep := range cfg.ExtraEndpointIds {
			for _, a := range []string{"s3:PutObject", "s3:PutObjectTagging"} {
				out = append(out, matrix.Expectation{Function: probe, Bucket: bucketID, Via: ep, Action: a, Decision: matrix.Allowed,
					Why: arn + " writes through the allowed endpoint " + ep + " (the bucket's half of the grant; its own account must allow it too)"})
			}
			for _, e := range []matrix.Expectation{
				{Action: "s3:GetObject", Why: "a cross-account writer cannot read"},
				{Action: "s3:DeleteObject", Why: "a cross-account writer cannot delete"},
				{Action: "s3:*", Resource: "bucket", Why: "a cross-account writer gets no bucket-level action"},
			} {
				e.Function, e.Bucket, e.Via, e.Decision, e.Why = probe, bucketID, ep, refused, e.Why+why
				out = append(out, e)
			}
		}
		if unnamed := matrix.UnnamedRoleProbe(arn); !unnamedDone[unnamed] {
			unnamedDone[unnamed] = true
			out = append(out, matrix.Expectation{Function: unnamed, Bucket: bucketID, Via: "internet", Action: "s3:*", Decision: matrix.ExplicitDeny,
				Why: "no role of the writer's account gets anything from outside the allowed endpoints"})
			for _, ep := range cfg.ExtraEndpointIds {
				out = append(out, matrix.Expectation{Function: unnamed, Bucket: bucketID, Via: ep, Action: "s3:PutObject", Decision: refused,
					Why: "the grant is the named role's, not its account's" + why})
			}
		}
	}
	return out
}
