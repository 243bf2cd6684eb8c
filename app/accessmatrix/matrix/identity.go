package matrix

import (
	"fmt"
	"strings"

	"github.com/privates3/privates3/app/accessmatrix/cfn"
	"github.com/privates3/privates3/constructs/policy"
)

// awsManaged holds the S3-relevant content of the AWS managed policies that
// Lambda roles commonly carry. Their documents live in AWS, not in the
// template; an empty list means "grants nothing on S3". Any other AWS
// managed policy is of unknown content: it may allow or deny, so it rules
// out a proof either way.
var awsManaged = map[string][]any{
	"AWSLambdaBasicExecutionRole":                 nil,
	"AWSLambdaVPCAccessExecutionRole":             nil,
	"AWSXRayDaemonWriteAccess":                    nil,
	"CloudWatchLambdaInsightsExecutionRolePolicy": nil,
	"AWSLambdaExecute": {map[string]any{
		"Effect": "Allow", "Action": []any{"s3:GetObject", "s3:PutObject"}, "Resource": "arn:*:s3:::*", // arn:aws:... in AWS; the partition left open serves every partition
	}},
	"AmazonS3FullAccess": {map[string]any{
		"Effect": "Allow", "Action": []any{"s3:*", "s3-object-lambda:*"}, "Resource": "*",
	}},
	"AmazonS3ReadOnlyAccess": {map[string]any{
		"Effect": "Allow", "Action": []any{"s3:Get*", "s3:List*", "s3:Describe*", "s3-object-lambda:Get*", "s3-object-lambda:List*"}, "Resource": "*",
	}},
	"AdministratorAccess": {map[string]any{"Effect": "Allow", "Action": "*", "Resource": "*"}},
}

// administrator is the identity of the probe principals: whatever they are
// denied, IAM did not deny.
var administrator = policy.Policy{Name: "AdministratorAccess", Statements: []policy.Statement{{Allow: true, Action: []string{"*"}, Resource: []string{"*"}, HasResource: true}}}

// role is an IAM role with its identity policies.
type role struct {
	t        *cfn.Template
	res      *cfn.Resource
	arn      string
	name     string // Ref value, as AWS::IAM::Policy.Roles lists it
	policies []policy.Policy
}

// loadRoles resolves every role's ARN and collects its identity policies
// from all the places CloudFormation can attach them.
func (b *builder) loadRoles() error {
	roles, err := b.created("AWS::IAM::Role")
	if err != nil {
		return err
	}
	for _, c := range roles {
		arn, name, err := b.arnAndName(c)
		if err != nil {
			return err
		}
		ro := &role{t: c.t, res: c.res, arn: arn, name: name}
		if err := b.inlinePolicies(ro); err != nil {
			return err
		}
		if err := b.managedPolicyArns(ro); err != nil {
			return err
		}
		// What a transform could not model of the role (package sam) may
		// allow or deny, like a policy whose content is not known.
		for _, n := range c.res.Notes {
			ro.policies = append(ro.policies, policy.Policy{Name: n, Unknown: "the SAM expansion does not model it"})
		}
		b.roles = append(b.roles, ro)
	}
	// Policies that name their roles: AWS::IAM::Policy, AWS::IAM::RolePolicy
	// and customer managed policies.
	for _, t := range b.r.Templates() {
		for _, typ := range []string{"AWS::IAM::Policy", "AWS::IAM::ManagedPolicy", "AWS::IAM::RolePolicy"} {
			for _, res := range t.ResourcesOfType(typ) {
				if ok, err := b.r.Exists(t, res); err != nil || !ok {
					if err != nil {
						return err
					}
					continue
				}
				prop := "Roles"
				if typ == "AWS::IAM::RolePolicy" {
					prop = "RoleName"
				}
				v, ok, err := b.r.Property(t, res, prop)
				if err != nil {
					return err
				}
				if !ok {
					continue
				}
				names, ok := cfn.Strings(v)
				if !ok {
					return &cfn.Error{File: t.Name, Resource: res.LogicalID, Property: prop, Err: fmt.Errorf("must resolve to role names")}
				}
				var p *policy.Policy
				for _, n := range names {
					for _, ro := range b.roles {
						if ro.name != n {
							continue
						}
						if p == nil {
							if p, err = b.policyProperty(t, res, "PolicyDocument", kindName(typ)+" "+res.LogicalID); err != nil {
								return err
							}
						}
						ro.policies = append(ro.policies, *p)
					}
				}
			}
		}
	}
	return nil
}

func kindName(typ string) string {
	if typ == "AWS::IAM::ManagedPolicy" {
		return "managed policy"
	}
	return "identity policy"
}

func (b *builder) policyProperty(t *cfn.Template, res *cfn.Resource, prop, name string) (*policy.Policy, error) {
	doc, ok, err := b.r.Property(t, res, prop)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, &cfn.Error{File: t.Name, Resource: res.LogicalID, Property: prop, Err: fmt.Errorf("missing")}
	}
	p, err := policy.Parse(name, doc)
	if err != nil {
		return nil, &cfn.Error{File: t.Name, Resource: res.LogicalID, Property: prop, Err: err}
	}
	return &p, nil
}

func (b *builder) inlinePolicies(ro *role) error {
	v, ok, err := b.r.Property(ro.t, ro.res, "Policies")
	if err != nil || !ok {
		return err
	}
	list, ok := v.([]any)
	if !ok {
		return &cfn.Error{File: ro.t.Name, Resource: ro.res.LogicalID, Property: "Policies", Err: fmt.Errorf("must be a list")}
	}
	for i, e := range list {
		m, _ := e.(map[string]any)
		name, _ := m["PolicyName"].(string)
		p, err := policy.Parse(fmt.Sprintf("inline policy %s of %s", name, ro.res.LogicalID), m["PolicyDocument"])
		if err != nil {
			return &cfn.Error{File: ro.t.Name, Resource: ro.res.LogicalID, Property: fmt.Sprintf("Policies[%d].PolicyDocument", i), Err: err}
		}
		ro.policies = append(ro.policies, p)
	}
	return nil
}

func (b *builder) managedPolicyArns(ro *role) error {
	v, ok, err := b.r.Property(ro.t, ro.res, "ManagedPolicyArns")
	if err != nil || !ok {
		return err
	}
	arns, ok := cfn.Strings(v)
	if !ok {
		return &cfn.Error{File: ro.t.Name, Resource: ro.res.LogicalID, Property: "ManagedPolicyArns", Err: fmt.Errorf("must resolve to a list of strings")}
	}
	for _, arn := range arns {
		// A customer managed policy in the templates is attached from its
		// own Roles property or here by Ref; the Ref case:
		if res, t := b.findByRef(ro.t, arn, "AWS::IAM::ManagedPolicy"); res != nil {
			p, err := b.policyProperty(t, res, "PolicyDocument", "managed policy "+res.LogicalID)
			if err != nil {
				return err
			}
			ro.policies = append(ro.policies, *p)
			continue
		}
		_, rest, found := strings.Cut(arn, ":iam::aws:policy/")
		if !found {
			ro.policies = append(ro.policies, policy.Policy{Name: "managed policy " + arn, Unknown: "it is not in the templates"})
			continue
		}
		name := rest[strings.LastIndex(rest, "/")+1:]
		stmts, known := awsManaged[name]
		if !known {
			ro.policies = append(ro.policies, policy.Policy{Name: "AWS managed policy " + name, Unknown: "its content is not modelled"})
			continue
		}
		p, err := policy.Parse("AWS managed policy "+name, map[string]any{"Statement": append([]any{}, stmts...)})
		if err != nil {
			return err
		}
		ro.policies = append(ro.policies, p)
	}
	return nil
}

// findByRef finds a resource of the given type whose Ref equals ref, in
// t first. Equal logical ids of two templates resolve to two symbols, so
// only the resource ref names matches.
func (b *builder) findByRef(t *cfn.Template, ref, typ string) (*cfn.Resource, *cfn.Template) {
	if !strings.HasPrefix(ref, "${") || !strings.HasSuffix(ref, "}") {
		return nil, nil
	}
	for _, o := range append([]*cfn.Template{t}, b.r.Templates()...) {
		for _, res := range o.ResourcesOfType(typ) {
			if v, err := b.r.Ref(o, res.LogicalID); err == nil && v == ref {
				return res, o
			}
		}
	}
	return nil, nil
}

// roleByARN finds the role a function runs as.
func (b *builder) roleByARN(arn string) *role {
	for _, ro := range b.roles {
		if ro.arn == arn {
			return ro
		}
	}
	return nil
}
