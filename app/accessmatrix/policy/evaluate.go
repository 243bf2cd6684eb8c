package policy

import (
	"fmt"
	"strings"
)

// Decision is the outcome of evaluating one request.
type Decision string

// The decisions, spelled as the matrix prints them.
const (
	Allowed      Decision = "allowed"
	ExplicitDeny Decision = "explicit-deny"
	ImplicitDeny Decision = "implicit-deny"
)

// Request is one API call to evaluate.
type Request struct {
	// PrincipalARN is the IAM identity's ARN (the role's, not the
	// assumed-role session's: a Principal naming the role matches its
	// sessions).
	PrincipalARN string
	// Account is the principal's account id (often the symbol
	// ${AWS::AccountId}). The resource is assumed to be in the same
	// account.
	Account string
	// Action is "service:Action", e.g. "s3:PutObject".
	Action string
	// Resource is the ARN acted on. A "*" in it stands for "any": the
	// object actions use "arn:...:bucket/*", and the request counts as
	// allowed when some key is allowed and as denied when a deny covers
	// every key.
	Resource string
	Context  Context
}

// Input holds the policies that apply to one request.
type Input struct {
	// Identity holds the policies attached to the principal.
	Identity []Policy
	// Resource holds the resource-based policies (the bucket policy).
	Resource []Policy
	// Endpoint is the VPC endpoint policy when the request travels through
	// an endpoint, nil otherwise. An endpoint without a policy has AWS's
	// default full-access policy; the caller passes that explicitly.
	Endpoint *Policy
	// Notes explain what was left out (an AWS managed policy whose content
	// is not known); they are appended to implicit-deny reasons, where
	// a missing allow may be due to them.
	Notes []string
}

// Result is a decision with a reason naming the deciding statement.
type Result struct {
	Decision Decision
	Reason   string
}

// Evaluate applies the policy evaluation logic of "Policy evaluation logic"
// (docs.aws.amazon.com/IAM/latest/UserGuide/
// reference_policies_evaluation-logic.html) for a principal and a resource
// in the same account:
//
//  1. an explicit Deny in any applicable policy (identity, resource or
//     endpoint) denies;
//  2. a VPC endpoint policy must allow the request, or it is implicitly
//     denied ("Control access to VPC endpoints using endpoint policies");
//  3. an Allow in an identity policy, or in the resource policy for this
//     principal, allows (same-account requests need only one of them);
//  4. otherwise the request is implicitly denied.
//
// Service control policies, permissions boundaries and session policies
// are not modelled.
func Evaluate(req Request, in Input) Result {
	all := make([]*Policy, 0, len(in.Identity)+len(in.Resource)+1)
	for i := range in.Identity {
		all = append(all, &in.Identity[i])
	}
	for i := range in.Resource {
		all = append(all, &in.Resource[i])
	}
	if in.Endpoint != nil {
		all = append(all, in.Endpoint)
	}
	for _, p := range all {
		for _, st := range p.Statements {
			if !st.Allow && st.applies(req, false) {
				return Result{ExplicitDeny, fmt.Sprintf("denied by %s statement %s%s", p.Name, st.Label(), st.why(req.Context))}
			}
		}
	}
	if in.Endpoint != nil {
		if allowing(*in.Endpoint, req, endpointPolicy) == nil {
			return Result{ImplicitDeny, fmt.Sprintf("%s allows no %s on %s", in.Endpoint.Name, req.Action, req.Resource)}
		}
	}
	var grants []string
	for _, p := range in.Identity {
		if st := allowing(p, req, identityPolicy); st != nil {
			grants = append(grants, fmt.Sprintf("%s statement %s", p.Name, st.Label()))
			break
		}
	}
	for _, p := range in.Resource {
		if st := allowing(p, req, resourcePolicy); st != nil {
			grants = append(grants, fmt.Sprintf("%s statement %s", p.Name, st.Label()))
			break
		}
	}
	if len(grants) > 0 {
		return Result{Allowed, "allowed by " + strings.Join(grants, " and ")}
	}
	var names []string
	for _, p := range in.Identity {
		names = append(names, p.Name)
	}
	for _, p := range in.Resource {
		names = append(names, p.Name)
	}
	checked := "no identity or resource policy applies"
	if len(names) > 0 {
		checked = "checked " + strings.Join(names, ", ")
	}
	reason := fmt.Sprintf("no statement allows %s (%s)", req.Action, checked)
	if len(in.Notes) > 0 {
		reason += "; " + strings.Join(in.Notes, "; ")
	}
	return Result{ImplicitDeny, reason}
}

type policyKind int

const (
	identityPolicy policyKind = iota
	resourcePolicy
	endpointPolicy
)

// allowing returns the first Allow statement of p that grants req. In a
// bucket policy the statement must name the principal itself: naming only
// the account delegates to the account's identity policies and grants
// nothing by itself. An endpoint policy only filters, so naming the
// account is enough there.
func allowing(p Policy, req Request, kind policyKind) *Statement {
	for i := range p.Statements {
		st := &p.Statements[i]
		if !st.Allow || !st.applies(req, true) {
			continue
		}
		if kind == resourcePolicy && st.Principal != nil && principalMatch(st.Principal, req) != matchExact {
			continue
		}
		return st
	}
	return nil
}

// applies reports whether the statement matches the request's principal,
// action, resource and conditions. allow selects the "any key" semantics
// of Request.Resource: an Allow needs to share one key, a Deny must cover
// them all.
func (st *Statement) applies(req Request, allow bool) bool {
	if st.Principal != nil && principalMatch(st.Principal, req) == matchNone {
		return false
	}
	if st.NotPrincipal != nil && principalMatch(st.NotPrincipal, req) != matchNone {
		return false
	}
	if st.Action != nil && !anyGlob(st.Action, req.Action) {
		return false
	}
	if st.NotAction != nil && anyGlob(st.NotAction, req.Action) {
		return false
	}
	if !st.resourceMatches(req.Resource, allow) {
		return false
	}
	for _, c := range st.Conditions {
		if !c.Holds(req.Context) {
			return false
		}
	}
	return true
}

func anyGlob(patterns []string, action string) bool {
	for _, p := range patterns {
		if Glob(p, action, true) {
			return true
		}
	}
	return false
}

func (st *Statement) resourceMatches(res string, allow bool) bool {
	if !st.HasResource {
		// Resource may be omitted only where the resource is implied (a
		// bucket policy's bucket is not); treat as matching.
		return true
	}
	if st.Resource != nil {
		for _, p := range st.Resource {
			if (allow && intersects(p, res)) || (!allow && covers(p, res, true)) {
				return true
			}
		}
		return false
	}
	for _, p := range st.NotResource {
		if (allow && covers(p, res, true)) || (!allow && intersects(p, res)) {
			return false
		}
	}
	return true
}

type principalMatchKind int

const (
	matchNone principalMatchKind = iota
	matchAccount
	matchExact
)

// principalMatch compares a Principal element with the request's
// principal. "*" and the principal's own ARN match exactly; the account
// (bare id or :root ARN) matches every principal of the account.
func principalMatch(p *Principals, req Request) principalMatchKind {
	if p.Any {
		return matchExact
	}
	best := matchNone
	for _, a := range p.AWS {
		switch {
		case a == req.PrincipalARN:
			return matchExact
		case a == req.Account || strings.HasSuffix(a, ":iam::"+req.Account+":root") && strings.HasPrefix(a, "arn:"):
			best = matchAccount
		}
	}
	return best
}

// why lists the statement's conditions with the request's values, so the
// reason shows what made the statement apply.
func (st *Statement) why(ctx Context) string {
	if len(st.Conditions) == 0 {
		return ""
	}
	parts := make([]string, len(st.Conditions))
	for i, c := range st.Conditions {
		parts[i] = c.Describe(ctx)
	}
	return ": " + strings.Join(parts, " and ")
}
