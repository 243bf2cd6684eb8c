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
)

// mirroredGrantsCheck runs when the tree is complete: a function in the
// network's subnets reaches S3 only through the endpoint, so an S3 right in
// its role that the endpoint policy does not also allow is a request that
// passes IAM and is denied at the endpoint. bucket.GrantRead(fn) is the
// usual way to get there; the synth names the function and the statement
// the endpoint policy lacks.
type mirroredGrantsCheck struct{ network *PrivateNetwork }

func (v *mirroredGrantsCheck) Validate() *[]*string {
	stack := awscdk.Stack_Of(v.network.Construct)
	resolve := func(x any) any {
		if x == nil || reflect.ValueOf(x).IsNil() {
			return nil // Resolve refuses nil: an unset property
		}
		return stack.Resolve(x)
	}
	subnets := map[string]bool{}
	for _, s := range v.network.Subnets {
		subnets[canonical(resolve(s.SubnetId()))] = true
	}
	endpoint := resolve(v.network.Endpoint.PolicyDocument())

	var fns []awslambda.CfnFunction
	var policies []awsiam.CfnPolicy
	var managed []awsiam.CfnManagedPolicy
	var roles []awsiam.CfnRole
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
		}
	}
	var errs []*string
	for _, fn := range fns {
		ids := asList(get(resolve(fn.VpcConfig()), "SubnetIds"))
		if !slices.ContainsFunc(ids, func(id any) bool { return subnets[canonical(id)] }) {
			continue
		}
		roleArn := resolve(fn.Role())
		var statements []any
		for _, r := range roles {
			if canonical(resolve(r.AttrArn())) != canonical(roleArn) {
				continue
			}
			for _, p := range asList(resolve(r.Policies())) {
				statements = append(statements, asList(get(p, "PolicyDocument", "Statement"))...)
			}
			// An AWS managed policy's statements are not in the template:
			// say so rather than pass it as checked. Lambda's own two grant
			// logs and network interfaces only, no S3.
			for _, arn := range asList(resolve(r.ManagedPolicyArns())) {
				if name := canonical(arn); !strings.Contains(name, "AWSLambdaBasicExecutionRole") && !strings.Contains(name, "AWSLambdaVPCAccessExecutionRole") {
					warn.Add(fn, "privates3:unreadManagedPolicy", fmt.Sprintf("PrivateNetwork: function %s runs in the endpoint's subnets and its role has managed policy %s, whose S3 rights this synth cannot read: whatever S3 access it grants must also be allowed through the endpoint (PrivateNetwork.Grant), or it is denied there", *fn.Node().Path(), name))
				}
			}
			attached := func(roles *[]*string) bool {
				return slices.ContainsFunc(asList(resolve(roles)), func(x any) bool { return canonical(x) == canonical(resolve(r.Ref())) })
			}
			for _, p := range policies {
				if attached(p.Roles()) {
					statements = append(statements, asList(get(resolve(p.PolicyDocument()), "Statement"))...)
				}
			}
			for _, p := range managed {
				if attached(p.Roles()) {
					statements = append(statements, asList(get(resolve(p.PolicyDocument()), "Statement"))...)
				}
			}
		}
		for _, missing := range MissingEndpointGrants(statements, roleArn, endpoint) {
			errs = append(errs, jsii.String(fmt.Sprintf("PrivateNetwork: function %s runs in the endpoint's subnets and its role allows %s, but the S3 endpoint policy does not: the request would pass IAM and be denied at the endpoint; grant it with PrivateNetwork.Grant, GrantRead or GrantWrite, which write both, or add %s to the endpoint policy", *fn.Node().Path(), missing, "an Allow with Principal \"*\" and ArnEquals aws:PrincipalArn "+canonical(roleArn))))
		}
	}
	return &errs
}

// MissingEndpointGrants returns, for each S3 action and resource that the
// identity statements allow, the ones no Allow of the endpoint policy covers
// for roleArn, as "action on resource". Values are resolved CloudFormation
// JSON: resources that are intrinsics are matched by equality, strings with
// IAM's * and ? wildcards. A statement with conditions is taken as written:
// conditions can only narrow an Allow, never widen it.
func MissingEndpointGrants(identity []any, roleArn any, endpointDoc any) []string {
	var out []string
	for _, st := range identity {
		if get(st, "Effect") != "Allow" {
			continue
		}
		for _, action := range asList(get(st, "Action")) {
			a, _ := action.(string)
			if !strings.HasPrefix(strings.ToLower(a), "s3:") {
				continue
			}
			for _, res := range asList(get(st, "Resource")) {
				if !endpointAllows(endpointDoc, roleArn, a, res) {
					out = append(out, a+" on "+canonical(res))
				}
			}
		}
	}
	return out
}

func endpointAllows(doc any, roleArn any, action string, resource any) bool {
	for _, st := range asList(get(doc, "Statement")) {
		if get(st, "Effect") != "Allow" || get(st, "Principal") != "*" {
			continue
		}
		if arns := get(st, "Condition", "ArnEquals", "aws:PrincipalArn"); arns != nil &&
			!slices.ContainsFunc(asList(arns), func(x any) bool { return canonical(x) == canonical(roleArn) }) {
			continue
		}
		if slices.ContainsFunc(asList(get(st, "Action")), func(x any) bool { return covers(x, action) }) &&
			slices.ContainsFunc(asList(get(st, "Resource")), func(x any) bool { return covers(x, resource) }) {
			return true
		}
	}
	return false
}

// covers reports whether the endpoint's value (a pattern or an intrinsic)
// includes every value the identity's does.
func covers(pattern, value any) bool {
	p, pok := pattern.(string)
	v, vok := value.(string)
	switch {
	case pok && vok:
		return glob(strings.ToLower(p), strings.ToLower(v))
	case pok:
		return p == "*"
	default:
		return canonical(pattern) == canonical(value)
	}
}

// glob matches IAM's wildcards; a * or ? in value is matched only by the
// same character or a * in pattern, so a wider identity pattern is never
// taken as covered by a narrower one.
func glob(pattern, value string) bool {
	if pattern == "" {
		return value == ""
	}
	switch pattern[0] {
	case '*':
		for i := 0; i <= len(value); i++ {
			if glob(pattern[1:], value[i:]) {
				return true
			}
		}
		return false
	case '?':
		return value != "" && value[0] != '*' && glob(pattern[1:], value[1:])
	default:
		return value != "" && value[0] == pattern[0] && glob(pattern[1:], value[1:])
	}
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
