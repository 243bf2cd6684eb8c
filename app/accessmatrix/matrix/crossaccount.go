package matrix

import (
	"path/filepath"
	"regexp"
	"slices"
	"strings"

	"github.com/privates3/privates3/app/accessmatrix/cfn"
	"github.com/privates3/privates3/app/accessmatrix/network"
	"github.com/privates3/privates3/constructs/policy"
)

// Cross-account probe names: the prefixes of Row.Function for the probes
// a bucket gets when its policy allows a role of another account.
const (
	// ProbeCrossAccount is each role of another account that a bucket
	// policy's Allow names, with administrator rights in its own account:
	// "@cross-account:210987654321:Writer". Across accounts the bucket
	// policy and the caller's identity policy must both allow (IAM User
	// Guide, "Cross-account policy evaluation logic"); the identity half is
	// in the other account, so the probe takes it as granted and its rows
	// show what the bucket's half lets through.
	ProbeCrossAccount = "@cross-account"
	// ProbeUnnamedRole is a role of that same account that no bucket
	// policy names, also an administrator there: "@unnamed-role:210987654321".
	// Its rows show the grant is the named role's, not the account's.
	ProbeUnnamedRole = "@unnamed-role"
)

// crossAccountRows adds the rows of the cross-account probes of one
// bucket, over every path they may take: from outside any VPC, and through
// each S3 gateway endpoint the bucket's own template has, the caller
// described, or the bucket policy names (aws:SourceVpce). An endpoint the
// policy names that is in no template is another VPC's, the other
// account's, whose policy is theirs: the probe takes AWS's default policy
// for it, which allows everything, so that the row shows the bucket's
// half.
func (b *builder) crossAccountRows(bk *bucket) {
	roles, accounts := b.foreignPrincipals(bk)
	if len(roles) == 0 && len(accounts) == 0 {
		return
	}
	admin := []policy.Policy{administrator}
	tmpl := filepath.Base(bk.t.Name)
	eps := b.crossAccountEndpoints(bk)
	probe := func(name, arn, session string) {
		b.pathRows(caller{t: bk.t, template: tmpl, name: name, arn: arn, session: sessionARN(arn, cfn.Symbol(session+sessionSuffix)), identity: admin, tls: true}, bk, eps)
	}
	for _, arn := range roles {
		probe(CrossAccountProbe(arn), arn, "CrossAccount")
	}
	for _, arn := range accounts {
		probe(UnnamedRoleProbe(arn), arn, "UnnamedRole")
	}
}

// unnamedRole is the role name of the @unnamed-role probe.
const unnamedRole = "privates3-probe-unnamed-role"

// CrossAccountProbe is the probe name (Row.Function) of a role of another
// account that a bucket policy names: "@cross-account:ACCOUNT:NAME" for
// arn:PARTITION:iam::ACCOUNT:role/PATH/NAME (a role's name is unique in its
// account, whatever its path).
func CrossAccountProbe(roleARN string) string {
	_, account, name := roleParts(roleARN)
	return ProbeCrossAccount + ":" + account + ":" + name
}

// UnnamedRoleProbe is the probe name of another role of roleARN's
// account: "@unnamed-role:ACCOUNT".
func UnnamedRoleProbe(roleARN string) string {
	_, account, _ := roleParts(roleARN)
	return ProbeUnnamedRole + ":" + account
}

// roleParts splits a role ARN into its partition, account and name (the
// last part of its path); a string that is no ARN is its own account.
func roleParts(arn string) (partition, account, name string) {
	parts := policy.SplitARN(arn)
	if len(parts) != 6 {
		return "", arn, ""
	}
	return parts[1], parts[4], parts[5][strings.LastIndex(parts[5], "/")+1:]
}

// pathRows adds c's rows on bk from outside any VPC and through each of
// paths.
func (b *builder) pathRows(c caller, bk *bucket, paths []network.Path) {
	c.path = network.Path{Kind: network.Internet, Reason: "outside any VPC (probe)"}
	b.rows(c, bk)
	for _, p := range paths {
		c.path = p
		b.rows(c, bk)
	}
}

// foreignPrincipals reads the bucket's policies for the principals of
// other accounts their Allows name, each in an account not provably the
// bucket's: roles, named as a principal or, with Principal "*", in a
// condition on aws:PrincipalArn; and for each such role's account, and
// each account an Allow names whole (its id or its root ARN: "delegates
// authority to the account", IAM User Guide, "AWS JSON policy elements:
// Principal"), the ARN of the @unnamed-role probe there. Both sorted. An
// ARN with a symbol or a wildcard is left out: it is another template's
// role, one known only at deploy, or many roles, not one named foreign
// role.
func (b *builder) foreignPrincipals(bk *bucket) (roles, unnamed []string) {
	account := b.pseudo(bk.t, "AWS::AccountId")
	foreign := func(a string) bool {
		return !cfn.IsSymbolic(a) && !strings.ContainsAny(a, "*?") && policy.Equal(a, account) != policy.Yes
	}
	addAccount := func(partition, acct string) {
		if arn := "arn:" + partition + ":iam::" + acct + ":role/" + unnamedRole; !slices.Contains(unnamed, arn) {
			unnamed = append(unnamed, arn)
		}
	}
	addRole := func(a string) {
		parts := policy.SplitARN(a)
		if len(parts) == 6 && parts[2] == "iam" && strings.HasPrefix(parts[5], "role/") && foreign(parts[4]) && !strings.ContainsAny(a, "*?") {
			if !slices.Contains(roles, a) {
				roles = append(roles, a)
			}
			addAccount(parts[1], parts[4])
		}
	}
	for _, p := range bk.policies {
		for _, st := range p.Statements {
			if !st.Allow || st.Principal == nil {
				continue
			}
			for _, a := range st.Principal.AWS {
				parts := policy.SplitARN(a)
				switch {
				case accountID.MatchString(a) && foreign(a):
					addAccount(b.pseudo(bk.t, "AWS::Partition"), a)
				case len(parts) == 6 && parts[2] == "iam" && parts[5] == "root" && foreign(parts[4]):
					addAccount(parts[1], parts[4])
				default:
					addRole(a)
				}
			}
			if !st.Principal.Any {
				continue
			}
			for _, c := range st.Conditions {
				if strings.EqualFold(c.Key, "aws:PrincipalArn") && principalOperators[c.Operator] {
					for _, a := range c.Values {
						addRole(a)
					}
				}
			}
		}
	}
	slices.Sort(roles)
	slices.Sort(unnamed)
	return roles, unnamed
}

var accountID = regexp.MustCompile(`^\d{12}$`)

// principalOperators are the condition operators with which an Allow names
// the principals it grants by aws:PrincipalArn.
var principalOperators = map[string]bool{"ArnEquals": true, "ArnLike": true, "StringEquals": true, "StringLike": true}

// crossAccountEndpoints are the endpoint paths a cross-account probe tries
// on bk: the endpoints @plaintext tries (see probeEndpoints), then each
// other value of aws:SourceVpce in the bucket's policies, as the
// templates' endpoint with that id or else an endpoint of another VPC with
// AWS's default policy.
func (b *builder) crossAccountEndpoints(bk *bucket) []network.Path {
	var paths []network.Path
	add := func(ep *network.Endpoint, reason string) {
		paths = append(paths, network.Path{Kind: network.VPCEndpoint, Endpoint: ep, Reason: reason})
	}
	for _, ep := range b.probeEndpoints(bk.t) {
		add(ep, "through S3 gateway endpoint "+ep.Resource.LogicalID+" (probe)")
	}
	has := func(id string) bool {
		return slices.ContainsFunc(paths, func(p network.Path) bool { return p.Endpoint.ID == id })
	}
	for _, p := range bk.policies {
		for _, st := range p.Statements {
			for _, c := range st.Conditions {
				if !strings.EqualFold(c.Key, "aws:SourceVpce") {
					continue
				}
				for _, id := range c.Values {
					if id == "" || strings.ContainsAny(id, "*?") || has(id) {
						continue
					}
					if ep := b.endpointByID(id); ep != nil {
						add(ep, "through S3 gateway endpoint "+ep.Resource.LogicalID+", which the bucket policy allows (probe)")
						continue
					}
					if cfn.IsSymbolic(id) {
						continue // known only at deploy: no id to send
					}
					// No policy: the probe takes AWS's default, as input
					// does for an endpoint created without one.
					ep := &network.Endpoint{Resource: &cfn.Resource{LogicalID: id, Type: "AWS::EC2::VPCEndpoint"}, ID: id, VPC: cfn.Symbol(id + ".VpcId")}
					add(ep, "through S3 gateway endpoint "+id+", which the bucket policy allows and no template defines: another VPC's, which must be in the bucket's region (a gateway endpoint reaches only its own region's buckets; not checked here), whose endpoint policy the probe takes to be AWS's default, allowing everything (probe)")
				}
			}
		}
	}
	return paths
}

// endpointByID finds the templates' or the caller's endpoint with that id.
func (b *builder) endpointByID(id string) *network.Endpoint {
	for _, ep := range b.net.Endpoints() {
		if ep.ID == id {
			return ep
		}
	}
	return nil
}
