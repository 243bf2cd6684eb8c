package network

import (
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/privates3/privates3/constructs/internal/warn"
	"github.com/privates3/privates3/constructs/policy"
	"github.com/privates3/privates3/constructs/s3actions"
)

// grantCheck runs when the tree is complete: a function in the network's
// subnets reaches S3 only through the endpoint, so an S3 right in its role
// that the endpoint policy does not also allow is a request that passes IAM
// and is denied at the endpoint. bucket.GrantRead(fn) is the usual way to
// get there. Both sides are judged by the access matrix's evaluator
// (constructs/policy): what it proves denied is an error naming the
// function, the actions and the resource; what it cannot decide is a
// warning (privates3:grantCheckUnknown), never a pass.
type grantCheck struct{ network *PrivateNetwork }

func (v *grantCheck) Validate() *[]*string {
	stack := awscdk.Stack_Of(v.network.Construct)
	resolve := func(x any) any {
		if x == nil || reflect.ValueOf(x).IsNil() {
			return nil // Resolve refuses nil: an unset property
		}
		return stack.Resolve(x)
	}
	var fns []awslambda.CfnFunction
	var policies []awsiam.CfnPolicy
	var managed []awsiam.CfnManagedPolicy
	var roles []awsiam.CfnRole
	sym := symbolizer{types: map[string]string{}, opaque: map[string]string{}, rootRoles: map[string]bool{}}
	for _, c := range *stack.Node().FindAll(constructs.ConstructOrder_PREORDER) {
		switch r := c.(type) {
		case awslambda.CfnFunction:
			fns = append(fns, r)
		case awsiam.CfnPolicy:
			policies = append(policies, r)
		case awsiam.CfnManagedPolicy:
			managed = append(managed, r)
		case awsiam.CfnRole:
			roles = append(roles, r)
			if p := r.Path(); p == nil || *p == "/" {
				if id, ok := resolve(r.LogicalId()).(string); ok {
					sym.rootRoles[id] = true
				}
			}
		}
		if r, ok := c.(awscdk.CfnResource); ok {
			if id, ok := resolve(r.LogicalId()).(string); ok {
				sym.types[id] = *r.CfnResourceType()
			}
		}
	}
	doc := resolve(v.network.Endpoint.PolicyDocument())
	if get(doc, "Statement") == nil {
		return &[]*string{} // no policy: endpointPolicyCheck refuses it
	}
	endpoint, err := policy.Parse("the S3 endpoint policy", sym.value(doc))
	if err != nil {
		return &[]*string{jsii.String(fmt.Sprintf("PrivateNetwork: the S3 endpoint policy cannot be read: %v; fix the statement it names", err))}
	}
	subnets := map[string]bool{}
	for _, s := range v.network.Subnets {
		subnets[sym.str(resolve(s.SubnetId()))] = true
	}

	var errs []*string
	for _, fn := range fns {
		ids := asList(get(resolve(fn.VpcConfig()), "SubnetIds"))
		if !slices.ContainsFunc(ids, func(id any) bool { return subnets[sym.str(id)] }) {
			continue
		}
		path := *fn.Node().Path()
		roleArn := sym.str(resolve(fn.Role()))
		var identity []policy.Policy
		var unreadable []string
		add := func(name string, doc any) {
			p, err := policy.Parse(name, sym.value(doc))
			if err != nil {
				unreadable = append(unreadable, fmt.Sprintf("%s (%v)", name, err))
				return
			}
			identity = append(identity, p)
		}
		for _, r := range roles {
			if sym.str(resolve(r.AttrArn())) != roleArn {
				continue
			}
			for _, p := range asList(resolve(r.Policies())) {
				add(fmt.Sprintf("%s policy %v", *r.Node().Path(), get(p, "PolicyName")), get(p, "PolicyDocument"))
			}
			// An AWS managed policy's statements are not in the template:
			// say so rather than pass it as checked. Lambda's own two grant
			// logs and network interfaces only, no S3.
			for _, arn := range asList(resolve(r.ManagedPolicyArns())) {
				if name := sym.str(arn); !strings.Contains(name, "AWSLambdaBasicExecutionRole") && !strings.Contains(name, "AWSLambdaVPCAccessExecutionRole") {
					warn.Add(fn, "privates3:unreadManagedPolicy", fmt.Sprintf("PrivateNetwork: function %s runs in the endpoint's subnets and its role has managed policy %s, whose S3 rights this synth cannot read: whatever S3 access it grants must also be allowed through the endpoint (PrivateNetwork.Grant), or it is denied there", path, name))
				}
			}
			attached := func(to *[]*string) bool {
				ref := sym.str(resolve(r.Ref()))
				return slices.ContainsFunc(asList(resolve(to)), func(x any) bool { return sym.str(x) == ref })
			}
			for _, p := range policies {
				if attached(p.Roles()) {
					add(*p.Node().Path(), resolve(p.PolicyDocument()))
				}
			}
			for _, p := range managed {
				if attached(p.Roles()) {
					add(*p.Node().Path(), resolve(p.PolicyDocument()))
				}
			}
		}
		denied, unknown := judgeGrants(identity, endpoint, roleArn, sym.distinctRoles())
		for _, f := range denied {
			errs = append(errs, jsii.String(fmt.Sprintf("PrivateNetwork: function %s runs in the endpoint's subnets and its role allows %s on %s (%s), but the S3 endpoint policy does not (%s): the requests would pass IAM and be denied at the endpoint; grant them with PrivateNetwork.Grant, GrantRead or GrantWrite, which write both, narrow the role, or add an Allow with Principal \"*\" and ArnEquals aws:PrincipalArn %s to the endpoint policy", path, f.actions(), f.resource, f.by, f.reason, roleArn)))
		}
		if len(unknown) > 0 || len(unreadable) > 0 {
			var parts []string
			for _, f := range unknown {
				parts = append(parts, fmt.Sprintf("%s on %s (%s)", f.actions(), f.resource, f.reason))
			}
			if len(unreadable) > 0 {
				parts = append(parts, "the identity policies "+strings.Join(unreadable, ", ")+", which could not be read")
			}
			warn.Add(fn, "privates3:grantCheckUnknown", fmt.Sprintf("PrivateNetwork: function %s runs in the endpoint's subnets and the synth cannot tell whether the S3 endpoint policy allows its role what IAM may allow: %s; make the endpoint policy name its role (PrivateNetwork.Grant) for exactly what the role needs, or acknowledge this warning", path, strings.Join(parts, "; ")))
		}
	}
	return &errs
}

// finding is a set of S3 actions on one resource pattern with one verdict.
type finding struct {
	resource string
	names    []string
	// by names the identity statements that allow (denied findings);
	// reason is the evaluator's, for the first action.
	by, reason string
}

// actions lists the actions, the first few by name.
func (f finding) actions() string {
	const shown = 6
	if len(f.names) <= shown {
		return strings.Join(f.names, ", ")
	}
	return fmt.Sprintf("%s and %d more S3 actions", strings.Join(f.names[:shown], ", "), len(f.names)-shown)
}

// allowAll stands for the identity side when the endpoint policy is judged
// alone.
var allowAll = policy.Policy{Name: "any identity policy", Statements: []policy.Statement{{Allow: true, Action: []string{"*"}, Resource: []string{"*"}, HasResource: true}}}

// judgeGrants asks, for each Allow statement of the identity policies,
// each resource pattern it names and each S3 action it may allow there
// (every action of the Service Authorization Reference that acts on that
// kind of resource, so that Action "*", "s3:*", wildcards and NotAction
// count), whether IAM may allow roleArn the request and, if so, whether the
// endpoint policy allows it for every key the pattern covers. denied holds
// what IAM certainly allows and the endpoint certainly refuses; unknown what
// the evaluator cannot decide, or what IAM may allow and the endpoint
// refuses. Findings are grouped by resource pattern.
//
// The request context holds aws:PrincipalArn only; every other condition
// key is unknown (the role's tags, the source VPC, the time), so a
// statement conditioned on one may or may not apply.
//
// distinct are groups of values known to differ (policy.Input.Distinct):
// the names of the stack's roles, so that an endpoint statement for one
// role is known not to let another through.
func judgeGrants(identity []policy.Policy, endpoint policy.Policy, roleArn string, distinct [][]string) (denied, unknown []finding) {
	ctx := policy.Context{}
	ctx.Set("aws:PrincipalArn", roleArn)
	ctx.SetUnknown("*", "known at request time only")
	type judged struct{ inIAM, atEndpoint *policy.Prepared }
	byResource := map[string]judged{}
	seen := map[[2]string]bool{}
	record := func(fs *[]finding, res, action, by, reason string) {
		for i := range *fs {
			if (*fs)[i].resource == res {
				(*fs)[i].names = append((*fs)[i].names, action)
				return
			}
		}
		*fs = append(*fs, finding{resource: res, names: []string{action}, by: by, reason: reason})
	}
	for _, p := range identity {
		for _, st := range p.Statements {
			if !st.Allow {
				continue
			}
			resources := st.Resource
			if st.Resource == nil {
				resources = []string{"*"} // NotResource: anything else
			}
			for _, res := range resources {
				req := policy.Request{PrincipalARN: roleArn, Account: "${AWS::AccountId}", Resource: res, Context: ctx}
				// This statement alone: which actions it may allow here.
				alone := policy.Prepare(req, policy.Input{Identity: []policy.Policy{{Name: p.Name, Statements: []policy.Statement{st}}}})
				j, ok := byResource[res]
				if !ok {
					j.inIAM = policy.Prepare(req, policy.Input{Identity: identity, Distinct: distinct})
					req.EveryKey = true
					j.atEndpoint = policy.Prepare(req, policy.Input{Identity: []policy.Policy{allowAll}, Endpoint: &endpoint, Distinct: distinct})
					byResource[res] = j
				}
				for _, a := range s3actions.All() {
					if seen[[2]string{res, a.Name}] || !mayActOn(a, res) || alone.Evaluate(a.Name).Decision == policy.ImplicitDeny {
						continue
					}
					seen[[2]string{res, a.Name}] = true
					id := j.inIAM.Evaluate(a.Name)
					if id.Decision == policy.ImplicitDeny || id.Decision == policy.ExplicitDeny {
						continue // refused by IAM (another statement's Deny)
					}
					ep := j.atEndpoint.Evaluate(a.Name)
					switch {
					case ep.Decision == policy.Allowed:
					case ep.Decision != policy.Unknown && id.Decision == policy.Allowed:
						record(&denied, res, a.Name, id.By, ep.Reason)
					case ep.Decision != policy.Unknown:
						record(&unknown, res, a.Name, "", "IAM may allow it: "+id.Reason+"; "+ep.Reason)
					default:
						record(&unknown, res, a.Name, "", ep.Reason)
					}
				}
			}
		}
	}
	return denied, unknown
}

// mayActOn reports whether an S3 action may act on resources matching the
// pattern: object actions on object ARNs (arn:aws:s3:::bucket/key), bucket
// actions on bucket ARNs (arn:aws:s3:::bucket), and nothing else on either
// (Service Authorization Reference, "Actions, resources, and condition keys
// for Amazon S3", resource types bucket and object). A pattern that may be
// anything ("*", a symbol for a whole ARN) or another S3 resource type (an
// access point's ARN has a region and an account) takes every action.
func mayActOn(a s3actions.Action, pattern string) bool {
	parts := policy.SplitARN(pattern)
	if len(parts) != 6 {
		return true
	}
	if service := parts[2]; service != "s3" && !strings.ContainsAny(service, "*?$") {
		return false
	}
	if parts[3] != "" || parts[4] != "" {
		return true
	}
	// A bucket name holds no "/" (S3 User Guide, "General purpose bucket
	// naming rules"), and neither do the symbolizer's symbols: a "/" makes
	// an object ARN; a wildcard may stand for either.
	rest := parts[5]
	slash := strings.Contains(rest, "/")
	wild := strings.ContainsAny(rest, "*?")
	return (a.Takes("object") && (slash || wild)) || (a.Takes("bucket") && !slash)
}

// symbolizer turns resolved CloudFormation values into the policy
// package's strings, where "${Name}" is a value unknown at synth: Ref X is
// ${X}, Fn::GetAtt X.Attr is ${X.Attr}, a bucket's ARN is built the way AWS
// builds it (arn:${AWS::Partition}:s3:::${Bucket}, so that the resource
// type of "${Bucket}/*" is known), Fn::Join joins, and anything else is one
// opaque symbol per distinct value. The same value always gives the same
// string, which is all that matching a role's ARN against the endpoint's
// aws:PrincipalArn needs.
type symbolizer struct {
	types  map[string]string // logical id: resource type
	opaque map[string]string // canonical JSON: its symbol
	// rootRoles are the roles whose path is "/": their ARN is
	// arn:${AWS::Partition}:iam::${AWS::AccountId}:role/${Role} (IAM User
	// Guide, "IAM identifiers", IAM ARNs), their name the symbol ${Role}
	// (Ref of a role is its name), and two of them have two names ("IAM
	// user, group, role, and policy names must be unique within the
	// account", IAM API Reference, CreateRole).
	rootRoles map[string]bool
}

// distinctRoles is the group of role names known to differ.
func (s *symbolizer) distinctRoles() [][]string {
	var names []string
	for id := range s.rootRoles {
		names = append(names, "${"+id+"}")
	}
	if len(names) < 2 {
		return nil
	}
	slices.Sort(names)
	return [][]string{names}
}

// value converts a policy document, intrinsics to strings.
func (s *symbolizer) value(v any) any {
	switch x := v.(type) {
	case map[string]any:
		if isIntrinsic(x) {
			return s.str(x)
		}
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = s.value(e)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = s.value(e)
		}
		return out
	}
	return v
}

func isIntrinsic(m map[string]any) bool {
	if len(m) != 1 {
		return false
	}
	for k := range m {
		return k == "Ref" || strings.HasPrefix(k, "Fn::")
	}
	return false
}

func (s *symbolizer) str(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case map[string]any:
		if ref, ok := x["Ref"].(string); ok {
			return "${" + ref + "}"
		}
		if att, ok := x["Fn::GetAtt"].([]any); ok && len(att) == 2 {
			id, _ := att[0].(string)
			attr, _ := att[1].(string)
			if s.types[id] == "AWS::S3::Bucket" && attr == "Arn" {
				return "arn:${AWS::Partition}:s3:::${" + id + "}"
			}
			if s.types[id] == "AWS::IAM::Role" && attr == "Arn" && s.rootRoles[id] {
				return "arn:${AWS::Partition}:iam::${AWS::AccountId}:role/${" + id + "}"
			}
			return "${" + id + "." + attr + "}"
		}
		if join, ok := x["Fn::Join"].([]any); ok && len(join) == 2 {
			sep, ok1 := join[0].(string)
			list, ok2 := join[1].([]any)
			if ok1 && ok2 {
				parts := make([]string, len(list))
				for i, e := range list {
					parts[i] = s.str(e)
				}
				return strings.Join(parts, sep)
			}
		}
		if sub, ok := x["Fn::Sub"].(string); ok {
			return sub // its ${X} are already symbols
		}
	}
	key := canonical(v)
	if name, ok := s.opaque[key]; ok {
		return name
	}
	name := fmt.Sprintf("${value%d}", len(s.opaque)+1)
	s.opaque[key] = name
	return name
}

// get walks map keys, case-insensitively: a resolved L1 property struct
// (VpcConfig, Policies) comes back with camelCase keys, a rendered policy
// document with CloudFormation's PascalCase.
func get(v any, path ...string) any {
	for _, k := range path {
		m, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		next, found := m[k]
		for mk, mv := range m {
			if !found && strings.EqualFold(mk, k) {
				next, found = mv, true
			}
		}
		v = next
	}
	return v
}

func asList(v any) []any {
	switch x := v.(type) {
	case nil:
		return nil
	case []any:
		return x
	default:
		return []any{x}
	}
}

func canonical(v any) string {
	if s, ok := v.(string); ok {
		return s
	}
	b, _ := json.Marshal(v)
	return string(b)
}
