package policy

import (
	"fmt"
	"strings"
)

// listed says which of the caller's identities a Principal or NotPrincipal
// element names: the role session (a Lambda function calls as a session of
// its role), the role or user itself, and the account. Each may be Maybe
// when an entry or the caller's ARN holds a symbol.
type listed struct{ session, principal, account judgement }

func (p *Principals) list(req Request, d *distinct) listed {
	l := listed{}
	for _, a := range p.AWS {
		if a == "*" {
			continue
		}
		if req.Session != "" {
			l.session = orJ(l.session, compared("Principal", a, req.Session, d.equal(a, req.Session, false)))
		}
		l.principal = orJ(l.principal, compared("Principal", a, req.PrincipalARN, d.equal(a, req.PrincipalARN, false)))
		l.account = orJ(l.account, compared("Principal", a, "account "+req.Account, accountTruth(a, req.Account)))
	}
	return l
}

// accountTruth compares a Principal entry with the caller's account. "The
// account ARN and the shortened account ID behave the same way" (IAM User
// Guide, "AWS JSON policy elements: Principal", AWS account principals).
func accountTruth(entry, account string) Truth {
	if !strings.HasPrefix(entry, "arn:") {
		return Equal(entry, account)
	}
	parts := SplitARN(entry)
	if len(parts) == 6 && parts[2] == "iam" && parts[5] == "root" {
		return Equal(parts[4], account)
	}
	return No
}

// principalJ judges whether the statement's Principal or NotPrincipal
// applies to the caller, by the rules of the policy's kind.
func (st *Statement) principalJ(req Request, kind policyKind, d *distinct) judgement {
	switch kind {
	case identityPolicy:
		return judgement{t: Yes} // the principal is the identity the policy is attached to
	case endpointPolicy:
		return st.gatewayPrincipalJ()
	}
	if st.NotPrincipal != nil {
		if st.Allow {
			return st.notPrincipalAllowJ(req, d)
		}
		e := st.NotPrincipal.exempt(req, d)
		return judgement{not(e.t), e.why}
	}
	if st.Principal == nil {
		return judgement{Maybe, fmt.Sprintf("statement %s has no Principal, which a bucket policy requires", st.Label())}
	}
	if st.Principal.Any {
		return judgement{t: Yes}
	}
	l := st.Principal.list(req, d)
	named := orJ(l.session, l.principal)
	if st.Allow {
		// Naming only the account "delegates authority to the account"
		// (Principal, AWS account principals): it grants nothing until
		// the account's identity policies do, so it is no grant here.
		return named
	}
	// A Deny naming the account applies to every principal in it: "Using
	// the account ARN in the Principal element does not limit permissions
	// to only the root user of the account."
	return orJ(named, l.account)
}

// delegatedJ is principalJ of a resource policy's statement where an
// Allow naming the caller's account applies: across accounts that Allow is
// the resource's half of the grant, and the caller's identity policies the
// other (IAM User Guide, "Cross-account policy evaluation logic": the
// resource-based policy may "specify the entire account").
// j is the statement's principalJ, which it widens.
func (st *Statement) delegatedJ(req Request, j judgement, d *distinct) judgement {
	if !st.Allow || st.Principal == nil || st.Principal.Any || st.NotPrincipal != nil {
		return j
	}
	return orJ(j, st.Principal.list(req, d).account)
}

// exempt judges whether a NotPrincipal element spares the caller. "When you
// use NotPrincipal with Deny, you must also specify the account ARN of the
// not-denied principal ... If an assumed-role user (someone who is using a
// role) is being evaluated, AWS might validate the account first, then the
// role, and then the assumed-role user" (IAM User Guide, "AWS JSON policy
// elements: NotPrincipal"). So the caller itself (the session, for a
// role) must be listed; the account and, for a session, the role must be
// too, or the Deny may still catch it. AWS's own example lists the
// session, the role and the account.
func (p *Principals) exempt(req Request, d *distinct) judgement {
	if p.Any {
		return judgement{t: Yes}
	}
	l := p.list(req, d)
	mayCheck := judgement{Maybe, fmt.Sprintf("NotPrincipal [%s] does not list all of %s: AWS may check each of them (IAM User Guide, \"AWS JSON policy elements: NotPrincipal\")", strings.Join(p.AWS, ","), strings.Join(callerIdentities(req), ", "))}
	if req.Session == "" {
		// An IAM user: the user and its account.
		return andJ(l.principal, orJ(l.account, mayCheck))
	}
	// The session must be named: in AWS's example, with the role and the
	// account listed, "all principals except the assumed-role user named
	// cross-account-audit-app" are denied, other sessions of the role too.
	return andJ(andJ(l.session, orJ(l.account, mayCheck)), orJ(l.principal, mayCheck))
}

func callerIdentities(req Request) []string {
	var ids []string
	if req.Session != "" {
		ids = append(ids, req.Session)
	}
	return append(ids, req.PrincipalARN, "account "+req.Account)
}

// notPrincipalAllowJ: "NotPrincipal must be used with "Effect":"Deny".
// Using it with "Effect":"Allow" is not supported." Such a statement
// allows the caller only when none of its identities is listed, and may
// otherwise.
func (st *Statement) notPrincipalAllowJ(req Request, d *distinct) judgement {
	l := st.NotPrincipal.list(req, d)
	if st.NotPrincipal.Any || orJ(orJ(l.session, l.principal), l.account).t != No {
		return judgement{Maybe, fmt.Sprintf("statement %s uses NotPrincipal with Allow, which AWS does not support (IAM User Guide, \"AWS JSON policy elements: NotPrincipal\")", st.Label())}
	}
	return judgement{t: Yes}
}

// gatewayRule is the rule of AWS PrivateLink guide, "Control access to VPC
// endpoints using endpoint policies", section "Principals for gateway
// endpoints".
const gatewayRule = `a gateway endpoint policy names principals only with Principal "*" and the aws:PrincipalArn condition key; an account there grants only its root user (AWS PrivateLink guide, "Control access to VPC endpoints using endpoint policies", "Principals for gateway endpoints")`

// gatewayPrincipalJ: "With gateway endpoints, the Principal element must be
// set to *. To specify a principal, use the aws:PrincipalArn condition
// key." An Allow that names anything else grants no role: "access is
// granted to the AWS account root user only, not all users and roles for
// the account." How AWS matches a Deny that names a principal there is not
// documented, so such a Deny may apply.
func (st *Statement) gatewayPrincipalJ() judgement {
	if st.Principal != nil && st.Principal.Any && st.NotPrincipal == nil {
		return judgement{t: Yes}
	}
	what := "no Principal"
	switch {
	case st.NotPrincipal != nil:
		what = "NotPrincipal " + strings.Join(st.NotPrincipal.all(), ",")
	case st.Principal != nil:
		what = "Principal " + strings.Join(st.Principal.all(), ",")
	}
	if st.Allow {
		return judgement{No, fmt.Sprintf("statement %s has %s, and %s", st.Label(), what, gatewayRule)}
	}
	return judgement{Maybe, fmt.Sprintf("statement %s has %s: %s, and how it matches a Deny is not documented", st.Label(), what, gatewayRule)}
}

func (p *Principals) all() []string { return append(append([]string{}, p.AWS...), p.Others...) }

// compared makes the judgement of one comparison, naming both sides when
// it is Maybe.
func compared(what, policyValue, requestValue string, t Truth) judgement {
	if t != Maybe {
		return judgement{t: t}
	}
	return judgement{Maybe, fmt.Sprintf("%s %s compared with %s: unknown", what, policyValue, requestValue)}
}

// orJ: any alternative that holds decides; the first Maybe's reason is
// kept.
func orJ(a, b judgement) judgement {
	switch {
	case a.t == Yes:
		return a
	case b.t == Yes:
		return b
	case a.t == Maybe:
		return a
	}
	return b
}
