package policy

import (
	"fmt"
	"strings"
)

// Decision is the outcome of evaluating one request.
type Decision string

// The decisions, spelled as the matrix prints them.
const (
	// Allowed: some Allow certainly applies, and no Deny may apply.
	Allowed Decision = "allowed"
	// ExplicitDeny: a Deny certainly applies.
	ExplicitDeny Decision = "explicit-deny"
	// ImplicitDeny: certainly refused, and no Deny certainly applies:
	// nothing allows the request (a Deny may also apply; the reason says
	// so).
	ImplicitDeny Decision = "implicit-deny"
	// Unknown: neither allowed nor refused can be proven; the reason names
	// the value that could not be known.
	Unknown Decision = "unknown"
)

// Request is one API call to evaluate.
type Request struct {
	// PrincipalARN is the IAM identity's ARN: the role's (not its
	// session's) or the user's. aws:PrincipalArn holds the same.
	PrincipalARN string
	// Session is the assumed-role session ARN when the caller is a role
	// (arn:aws:sts::ACCOUNT:assumed-role/ROLE/SESSION), empty for a user.
	Session string
	// Account is the principal's account id, often a symbol: the template's
	// ${AWS::AccountId}, or ${label#AWS::AccountId} when several templates
	// are read together.
	Account string
	// ResourceAccount is the account that owns the resource. Empty means
	// the principal's own account. When it may differ from Account, the
	// cross-account rule applies (see Evaluate).
	ResourceAccount string
	// Action is "service:Action", e.g. "s3:PutObject".
	Action string
	// Resource is the ARN acted on. A trailing "*" stands for "some key":
	// the object actions use "arn:...:bucket/*", and the request counts as
	// allowed when some key is provably allowed, and as denied when every
	// key is.
	Resource string
	// EveryKey makes a Resource ending in "*" stand for every key it
	// covers instead of some key: the request is allowed only when one
	// Allow covers them all, and no witness key is tried. A policy that
	// allows some of them and not provably all gives Unknown, its reason
	// naming the keys it covers. The constructs' grant check asks this of
	// the endpoint policy: is every object the role may touch in IAM also
	// allowed through the endpoint?
	EveryKey bool
	Context  Context
}

// Input holds the policies that apply to one request.
type Input struct {
	// Identity holds the policies attached to the principal.
	Identity []Policy
	// Resource holds the resource-based policies (the bucket policy).
	Resource []Policy
	// Endpoint is the S3 gateway endpoint policy when the request travels
	// through one, nil otherwise. An endpoint without a policy has AWS's
	// default full-access policy; the caller passes that explicitly.
	Endpoint *Policy
	// Origin says where a symbol comes from ("a physical name
	// CloudFormation generates"), for the reasons of unknown decisions.
	// It may be nil.
	Origin func(symbol string) string
	// Distinct holds groups of values, symbols included, that are
	// pairwise different: in one group, the names or ids of different
	// resources of one kind (every bucket's name; in one template, the
	// ids of its VPC endpoints, of its VPCs, the names of its roles, the
	// RoleIds of its roles). A comparison whose two sides first differ
	// where each holds a different value of one group is false (see
	// distinct.go). Leave out a value that may be another group member's
	// (a literal id of an earlier deploy may be the template's resource).
	Distinct [][]string
	// KeyPolicy says Resource is a KMS key's policy, which rules alone
	// (rule 5 of Evaluate) instead of adding to the identity policies.
	KeyPolicy bool
}

// Result is a decision with a reason naming the deciding statement, or
// what could not be known.
type Result struct {
	Decision Decision
	Reason   string
	// By names the deciding statements without their conditions: the
	// Deny of an explicit deny, the Allows of an allow ("bucket policy P
	// statement \"Sid\""); empty otherwise. Summaries group by it.
	By string
}

type policyKind int

const (
	identityPolicy policyKind = iota
	resourcePolicy
	endpointPolicy
)

// Evaluate applies the policy evaluation logic of the IAM User Guide
// ("Policy evaluation logic"; "Policy evaluation for requests within a
// single account"; "Cross-account policy evaluation logic"), in three
// values:
//
//  1. a Deny that certainly applies, in any policy (identity, resource or
//     endpoint), denies: "An explicit deny in any of the policies
//     overrides the allow";
//  2. the gateway endpoint policy must allow the request too ("Control
//     access to VPC endpoints using endpoint policies");
//  3. "If either the identity-based policy or the resource-based policy
//     within the same account allows the request and the other doesn't,
//     the request is still allowed";
//  4. across accounts both must allow: "To allow cross-account access,
//     you attach a resource-based policy to the resource that you want to
//     share. You must also attach an identity-based policy to the identity
//     that acts as the principal in the request", and the resource-based
//     policy "must specify the principal of the trusted account ... You
//     can specify the entire account or its IAM users, ... IAM roles, or
//     assumed-role sessions" (IAM User Guide, "Cross-account policy
//     evaluation logic"), so there an Allow naming the caller's account
//     counts as the resource's half;
//  5. for a KMS key the key policy rules: "Unless the key policy
//     explicitly allows it, you cannot use IAM policies to allow access to
//     a KMS key" (AWS KMS Developer Guide, "Key policies in AWS KMS"), so
//     in its account the key policy must allow the caller, or allow the
//     account (the default key policy's root principal, which "enables IAM
//     policies") and an identity policy the caller; across accounts rule 4
//     holds ("Allowing users in other accounts to use a KMS key");
//  6. otherwise the request is implicitly denied.
//
// When the two accounts may or may not be one (a symbol), a request is
// allowed only if the cross-account rule allows it (the single-account
// rule then allows it too: it needs one of the Allows the cross-account
// rule needs both of), and refused only if the single-account rule
// refuses it; otherwise it is unknown.
//
// A Deny that may apply rules out allowed; so does an Allow that may not
// apply. Service control policies, permissions boundaries and session
// policies are not modelled.
func Evaluate(req Request, in Input) Result {
	return Prepare(req, in).Evaluate(req.Action)
}

// Prepared is a request without its action, ready to be evaluated for
// many actions: a statement's principal, resource and conditions do not
// depend on the action, so each is judged once per resource tried, and
// each action costs only the match of the statements' Action elements.
// Evaluate(req, in) is Prepare(req, in).Evaluate(req.Action), word for
// word. A Prepared is not safe for concurrent use.
type Prepared struct {
	req     Request
	in      Input
	kinded  []kinded
	parts   map[string][][]part // by resource, then policy and statement
	witness []string
	// denied caches the reason of each Deny that certainly applied, and
	// checked the policies an implicit deny names: neither depends on the
	// action.
	denied  map[decider]string
	checked string
	// labels caches statementName of the statements that decided.
	labels map[decider]string
	d      *distinct
}

// decider is a statement in its policy.
type decider struct {
	p  *Policy
	st *Statement
}

// part is what a statement's judgement is made of, but for the action.
// delegated is the principal's judgement when an Allow naming the caller's
// account counts (a resource policy, across accounts); principal
// otherwise.
type part struct{ rest, principal, delegated judgement }

// Prepare readies req (its Action is ignored) and in for Evaluate.
func Prepare(req Request, in Input) *Prepared {
	return &Prepared{req: req, in: in, kinded: in.policies(), parts: map[string][][]part{}, d: newDistinct(in.Distinct)}
}

// Evaluate evaluates the prepared request for one action.
func (p *Prepared) Evaluate(action string) Result {
	r := p.evaluate(action)
	if r.Decision == Unknown {
		r.Reason = explain(r.Reason, p.in.Origin)
	}
	return r
}

func (p *Prepared) evaluate(action string) Result {
	res := p.req.Resource
	r := p.decide(action, res)
	if r.Decision != Unknown || !strings.HasSuffix(res, "*") || p.req.EveryKey {
		return r
	}
	// "Some key": the wildcard answer could not decide (an Allow on a
	// prefix, a Deny on another). A key that is provably allowed proves
	// the row; try the keys the Allow statements name.
	prefix := strings.TrimSuffix(res, "*")
	if p.witness == nil {
		p.witness = witnessKeys(prefix, p.in)
	}
	for i, key := range p.witness {
		if kr := p.decide(action, prefix+key); kr.Decision == Allowed {
			if i > 0 {
				kr.Reason += " (key " + key + ", for example)"
			}
			return kr
		}
	}
	return r
}

// partsFor judges every statement's principal, resource and conditions
// for one resource, once.
func (p *Prepared) partsFor(resource string) [][]part {
	if ps, ok := p.parts[resource]; ok {
		return ps
	}
	ps := make([][]part, len(p.kinded))
	for i, k := range p.kinded {
		ps[i] = make([]part, len(k.p.Statements))
		for j := range k.p.Statements {
			st := &k.p.Statements[j]
			pt := part{rest: st.restJ(resource, p.req.Context, p.d), principal: st.principalJ(p.req, k.kind, p.d)}
			pt.delegated = pt.principal
			if k.kind == resourcePolicy {
				pt.delegated = st.delegatedJ(p.req, pt.principal, p.d)
			}
			ps[i][j] = pt
		}
	}
	p.parts[resource] = ps
	return ps
}

// witnessKeys are the keys worth trying: "x", and each Allow statement's
// object pattern under the bucket with its wildcards filled in
// ("uploads/*" gives "uploads/x").
func witnessKeys(prefix string, in Input) []string {
	keys := []string{"x"}
	seen := map[string]bool{"x": true}
	add := func(ps []Policy) {
		for _, p := range ps {
			for _, st := range p.Statements {
				if !st.Allow {
					continue
				}
				for _, pat := range st.Resource {
					rest, ok := strings.CutPrefix(pat, prefix)
					if !ok || len(keys) >= 8 {
						continue
					}
					key := strings.NewReplacer("*", "x", "?", "x").Replace(rest)
					// A symbol of a pattern may hold wildcards (a
					// parameter); in a request value it may not (see
					// mayOverlap), so it makes no witness, unless its
					// class excludes them (an account id: the bucket
					// policy of Elastic Load Balancing's access logs
					// grants AWSLogs/${AWS::AccountId}/*).
					if key != "" && !seen[key] && !mayHoldWildcards(key) {
						seen[key] = true
						keys = append(keys, key)
					}
				}
			}
		}
	}
	add(in.Identity)
	add(in.Resource)
	if in.Endpoint != nil {
		add([]Policy{*in.Endpoint})
	}
	return keys
}

// found is the strongest applicability among one policy's statements of
// one effect.
type found struct {
	judgement
	p  *Policy
	st *Statement
	// note explains a statement that would have applied but for a rule
	// worth citing (a gateway endpoint's principals).
	note string
}

func strongest(p *Policy, parts []part, allow bool, action string) found {
	return strongestOf(p, parts, allow, action, false)
}

// strongestOf is strongest; with delegated, an Allow naming the caller's
// account applies (see part).
func strongestOf(p *Policy, parts []part, allow bool, action string, delegated bool) found {
	if p.Unknown != "" {
		if !allow && p.GrantsOnly || allow && p.AccountsOnly && !delegated {
			return found{p: p}
		}
		return found{judgement: judgement{Maybe, fmt.Sprintf("%s is not known (%s)", p.Name, p.Unknown)}, p: p}
	}
	best := found{p: p}
	for i := range p.Statements {
		st := &p.Statements[i]
		if st.Allow != allow {
			continue
		}
		pt := parts[i]
		if delegated {
			pt.principal = pt.delegated
		}
		j := st.applies(action, pt)
		if j.t == No && j.why != "" && best.note == "" {
			best.note = j.why
		}
		if j.t > best.t {
			best.judgement, best.st = j, st
		}
		if j.t == Yes {
			break
		}
	}
	return best
}

// kinded is a policy with the rules it is judged by.
type kinded struct {
	p    *Policy
	kind policyKind
}

func (in Input) policies() []kinded {
	var out []kinded
	for i := range in.Identity {
		out = append(out, kinded{&in.Identity[i], identityPolicy})
	}
	for i := range in.Resource {
		out = append(out, kinded{&in.Resource[i], resourcePolicy})
	}
	if in.Endpoint != nil {
		out = append(out, kinded{in.Endpoint, endpointPolicy})
	}
	return out
}

// decide evaluates one action on one resource (with a "bucket/*"
// resource, an Allow must cover every key to count as certain, and a Deny
// any key to count as possible).
func (p *Prepared) decide(action, resource string) Result {
	req := p.req
	req.Action, req.Resource = action, resource
	parts := p.partsFor(resource)
	in := p.in
	var deny found
	for i, pk := range p.kinded {
		f := strongest(pk.p, parts[i], false, action)
		if f.t == Yes {
			return Result{ExplicitDeny, p.deniedBy(f), p.label(f)}
		}
		if f.t == Maybe && deny.t == No {
			deny = f
		}
	}
	endpoint := found{judgement: judgement{t: Yes}}
	if in.Endpoint != nil {
		last := len(p.kinded) - 1
		endpoint = strongest(in.Endpoint, parts[last], true, action)
		if endpoint.t == No {
			reason := fmt.Sprintf("%s allows no %s on %s", in.Endpoint.Name, req.Action, req.Resource)
			if endpoint.note != "" {
				reason += ": " + endpoint.note
			}
			return Result{ImplicitDeny, reason + p.mayAlsoDeny(deny), ""}
		}
	}
	g := p.grants(action, parts)
	switch {
	case g.t == No:
		return Result{ImplicitDeny, g.denied + p.mayAlsoDeny(deny), ""}
	case deny.t == No && endpoint.t == Yes && g.t == Yes:
		by := strings.Join(g.by, " and ")
		return Result{Allowed, "allowed by " + by, by}
	case deny.t == Maybe:
		reason := statementName(deny) + " may deny it: " + deny.why
		if g.t == Yes {
			reason += "; otherwise allowed by " + strings.Join(g.by, " and ")
		}
		return Result{Unknown, reason, ""}
	case endpoint.t == Maybe:
		return Result{Unknown, statementName(endpoint) + " may not allow it: " + endpoint.why, ""}
	}
	return Result{Unknown, g.why, ""}
}

// grant is the Allow side of a decision: whether the identity and
// resource policies allow the request, by the rule of its accounts.
type grant struct {
	judgement
	// by names the statements that certainly allow, for the reason: one
	// from the identity policies and one from the resource policy at most.
	by []string
	// denied is the reason of a refusal (t == No).
	denied string
}

// sameAccount tells whether the caller and the resource are in one account.
func (p *Prepared) sameAccount() Truth {
	if p.req.ResourceAccount == "" {
		return Yes
	}
	return Equal(p.req.Account, p.req.ResourceAccount)
}

// crossAccountRule is the reason's citation of rule 4 of Evaluate.
const crossAccountRule = `across accounts the identity policy and the resource policy must both allow (IAM User Guide, "Cross-account policy evaluation logic")`

// keyPolicyRule is the reason's citation of rule 5 of Evaluate.
const keyPolicyRule = `a KMS key's policy must allow the caller, or allow its account and an identity policy the caller (AWS KMS Developer Guide, "Key policies in AWS KMS": "Unless the key policy explicitly allows it, you cannot use IAM policies to allow access to a KMS key")`

// grants judges the Allow side of the request, by the rules 3 to 5 of
// Evaluate.
func (p *Prepared) grants(action string, parts [][]part) grant {
	n, m := len(p.in.Identity), len(p.in.Resource)
	id := p.strongestIn(action, parts, 0, n, false)
	res := p.strongestIn(action, parts, n, n+m, false)
	resD := p.strongestIn(action, parts, n, n+m, true)
	names := func(fs ...found) []string {
		var out []string
		for _, f := range fs {
			if f.t == Yes {
				out = append(out, p.label(f))
			}
		}
		return out
	}
	maybe := func(fs ...found) string {
		for _, f := range fs {
			if f.t == Maybe {
				return statementName(f) + " may allow it: " + f.why
			}
		}
		return ""
	}
	// The single-account rule: rule 3, or for a key policy rule 5.
	var single grant
	if p.in.KeyPolicy {
		single.t = or(res.t, and(resD.t, id.t))
		switch {
		case res.t == Yes:
			single.by = names(res)
		case single.t == Yes:
			single.by = names(id, resD)
		case single.t == Maybe:
			single.why = keyPolicyRule + "; " + maybe(res, resD, id)
		default:
			single.denied = keyPolicyRule + ": neither holds for " + action + " (" + p.checkedPolicies() + ")"
		}
	} else {
		best := id
		if res.t > id.t || id.p == nil {
			best = res
		}
		single.t = best.t
		switch single.t {
		case Yes:
			single.by = names(id, res)
		case Maybe:
			single.why = maybe(best)
		default:
			single.denied = "no statement allows " + action + " (" + p.checkedPolicies() + ")"
		}
	}
	same := p.sameAccount()
	if same == Yes {
		return single
	}
	// Rule 4: both must, an Allow naming the caller's account included.
	both := grant{judgement: judgement{t: and(id.t, resD.t)}, by: names(id, resD)}
	switch {
	case both.t == Yes:
		return both
	case same == No && both.t == No:
		missing := "no identity policy statement allows " + action + " for " + p.req.PrincipalARN
		if id.t != No {
			missing = "no resource policy statement allows " + action + " for " + p.req.PrincipalARN + " or its account " + p.req.Account
		}
		return grant{judgement: judgement{t: No}, denied: crossAccountRule + ": " + missing + " (" + p.checkedPolicies() + ")"}
	case same == No:
		return grant{judgement: judgement{Maybe, crossAccountRule + "; " + maybe(id, resD)}}
	case single.t == No:
		// The accounts may be one, and even then nothing allows.
		return single
	}
	return grant{judgement: judgement{Maybe, fmt.Sprintf("account %s compared with the resource's account %s: unknown, and %s (in one account one policy's Allow suffices)", p.req.Account, p.req.ResourceAccount, crossAccountRule)}}
}

// strongestIn is the strongest Allow among the policies kinded[from:to].
func (p *Prepared) strongestIn(action string, parts [][]part, from, to int, delegated bool) found {
	var best found
	for i := from; i < to; i++ {
		f := strongestOf(p.kinded[i].p, parts[i], true, action, delegated)
		if f.t > best.t || best.p == nil {
			best = f
		}
		if f.t == Yes {
			break
		}
	}
	return best
}

func statementName(f found) string {
	if f.st == nil {
		return f.p.Name
	}
	return fmt.Sprintf("%s statement %s", f.p.Name, f.st.Label())
}

// mayAlsoDeny names a Deny that may apply to a refused request.
func (p *Prepared) mayAlsoDeny(deny found) string {
	if deny.t != Maybe {
		return ""
	}
	if deny.st == nil {
		return "; " + statementName(deny) + " may also deny it: " + deny.why
	}
	return "; " + p.label(deny) + " may also deny it: " + deny.why
}

// deniedBy is the reason of an explicit deny: the statement and its
// conditions beside the request's values.
func (p *Prepared) deniedBy(f found) string {
	k := decider{f.p, f.st}
	if r, ok := p.denied[k]; ok {
		return r
	}
	r := fmt.Sprintf("denied by %s statement %s%s", f.p.Name, f.st.Label(), f.st.why(p.req.Context))
	if p.denied == nil {
		p.denied = map[decider]string{}
	}
	p.denied[k] = r
	return r
}

// label is statementName(f), computed once per statement.
func (p *Prepared) label(f found) string {
	k := decider{f.p, f.st}
	if l, ok := p.labels[k]; ok {
		return l
	}
	l := statementName(f)
	if p.labels == nil {
		p.labels = map[decider]string{}
	}
	p.labels[k] = l
	return l
}

// checkedPolicies names the policies an implicit deny checked, computed
// once.
func (p *Prepared) checkedPolicies() string {
	if p.checked == "" {
		p.checked = checkedPolicies(p.in)
	}
	return p.checked
}

func checkedPolicies(in Input) string {
	var names []string
	for _, p := range in.Identity {
		names = append(names, p.Name)
	}
	for _, p := range in.Resource {
		names = append(names, p.Name)
	}
	if len(names) == 0 {
		return "no identity or resource policy applies"
	}
	return "checked " + strings.Join(names, ", ")
}

// applies judges whether the statement matches the request's action, given
// the judgement of the rest (restJ, principalJ): No as soon as one part
// does not match, otherwise Maybe if one part may not, with the first such
// part's reason.
func (st *Statement) applies(action string, pt part) judgement {
	j := st.actionJ(action)
	if j.t == No {
		return j
	}
	if j = andJ(j, pt.rest); j.t == No {
		return judgement{t: No}
	}
	// The principal last: a gateway endpoint's Allow that fails only on
	// its principal is worth a note in the reason.
	return andJ(pt.principal, j)
}

// restJ judges the statement's resource and conditions, which do not
// depend on the action.
func (st *Statement) restJ(resource string, ctx Context, d *distinct) judgement {
	j := st.resourceJ(resource, d)
	for _, c := range st.Conditions {
		if j.t == No {
			return j
		}
		t := c.eval(ctx, d)
		why := ""
		if t == Maybe {
			why = c.Describe(ctx) + ": unknown"
		}
		j = andJ(j, judgement{t, why})
	}
	return j
}

func (st *Statement) actionJ(action string) judgement {
	patterns, negate := st.Action, false
	if st.Action == nil {
		patterns, negate = st.NotAction, true
	}
	t := No
	var maybe string
	for _, p := range patterns {
		pt := (*distinct)(nil).glob(p, action, true)
		if pt == Maybe && maybe == "" {
			maybe = p
		}
		if t = or(t, pt); t == Yes {
			break
		}
	}
	if negate {
		t = not(t)
	}
	return compared("Action", maybe, action, t)
}

// resourceJ matches Resource or NotResource. With "bucket/*" (some key) a
// pattern that covers every key is Yes, one that covers some keys Maybe.
func (st *Statement) resourceJ(res string, d *distinct) judgement {
	if !st.HasResource {
		// Resource may be omitted only where the resource is implied (a
		// bucket policy's bucket is not); treat as matching.
		return judgement{t: Yes}
	}
	patterns, negate := st.Resource, false
	if st.Resource == nil {
		patterns, negate = st.NotResource, true
	}
	set := strings.HasSuffix(res, "*")
	var resElems []elem
	if set {
		resElems = compile(res, true, false)
	}
	t := No
	var maybe string
	for _, p := range patterns {
		var pt Truth
		if set {
			pt = d.matchElems(compile(p, true, false), resElems)
		} else {
			pt = d.glob(p, res, false)
		}
		if pt == Maybe && otherBucket(p, res, d) {
			pt = No
		}
		if pt == Maybe && maybe == "" {
			maybe = p
		}
		if t = or(t, pt); t == Yes {
			break
		}
	}
	if negate {
		t = not(t)
	}
	if t != Maybe {
		return judgement{t: t}
	}
	elem := "Resource"
	if negate {
		elem = "NotResource"
	}
	if set && !hasSymbol(maybe) && !hasSymbol(res) {
		return judgement{Maybe, fmt.Sprintf("%s %s covers some keys of %s, not all", elem, maybe, res)}
	}
	return compared(elem, maybe, res, Maybe)
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

// explain appends where each symbol of an unknown reason comes from.
func explain(reason string, origin func(string) string) string {
	if origin == nil {
		return reason
	}
	var notes []string
	for _, s := range symbols(reason) {
		if o := origin(s); o != "" {
			notes = append(notes, s+" is "+o)
		}
	}
	if len(notes) == 0 {
		return reason
	}
	return reason + " (" + strings.Join(notes, "; ") + ")"
}
