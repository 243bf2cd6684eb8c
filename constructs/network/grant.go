package network

import (
	"encoding/json"
	"fmt"
	"regexp"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3"
	"github.com/aws/jsii-runtime-go"
)

// ReadActions and WriteActions are what GrantRead and GrantWrite give: one
// object read (with its tags) and the listing, or one object write carrying
// its tags.
var (
	ReadActions  = []string{"s3:GetObject", "s3:GetObjectTagging"}
	ListActions  = []string{"s3:ListBucket"}
	WriteActions = []string{"s3:PutObject", "s3:PutObjectTagging"}
)

// EndpointStatement is an Allow for roles, written the only way a gateway
// endpoint policy can name them: Principal "*" and the aws:PrincipalArn
// condition key. AWS PrivateLink guide, "Control access to VPC endpoints
// using endpoint policies", section "Principals for gateway endpoints": the
// principal must be "*"; an account id there grants only the account's root
// user, and a role ARN is not how a gateway endpoint matches a principal.
func EndpointStatement(sid string, roleArns []*string, actions []string, resources []*string) awsiam.PolicyStatement {
	if len(roleArns) == 0 {
		panic(fmt.Sprintf("EndpointStatement %q: roleArns is empty: name the roles allowed through the endpoint (a statement for everyone would undo the least privilege)", sid))
	}
	return awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:        jsii.String(sid),
		Effect:     awsiam.Effect_ALLOW,
		Principals: &[]awsiam.IPrincipal{awsiam.NewStarPrincipal()},
		Actions:    jsii.Strings(actions...),
		Resources:  &resources,
		Conditions: &map[string]interface{}{"ArnEquals": map[string]interface{}{"aws:PrincipalArn": roleArns}},
	})
}

// AllowThroughEndpoint adds a statement to the new endpoint's policy. With
// an existing endpoint it does nothing: that policy is managed elsewhere. A
// statement whose principal is not "*" panics: a gateway endpoint policy
// names principals only with aws:PrincipalArn (see EndpointStatement), so
// such a statement would silently allow nobody.
func (n *PrivateNetwork) AllowThroughEndpoint(statement awsiam.PolicyStatement) {
	doc, _ := awscdk.Stack_Of(n.Construct).Resolve(statement.ToStatementJson()).(map[string]interface{})
	if _, ok := doc["NotPrincipal"]; ok || doc["Principal"] != "*" {
		p, _ := json.Marshal(doc["Principal"])
		if _, ok := doc["NotPrincipal"]; ok {
			p, _ = json.Marshal(map[string]any{"NotPrincipal": doc["NotPrincipal"]})
		}
		panic(fmt.Sprintf("PrivateNetwork: AllowThroughEndpoint statement %v has principal %s: a gateway endpoint policy must use Principal \"*\" and name roles with the aws:PrincipalArn condition key (AWS PrivateLink guide, \"Principals for gateway endpoints\"); build it with network.EndpointStatement", doc["Sid"], p))
	}
	if n.Endpoint != nil {
		n.Endpoint.AddToPolicy(statement)
	}
}

// Grant gives fn's role actions on resources in both places a request from
// the network's subnets is checked: the role's IAM policy and the endpoint
// policy. Granting only one of them (bucket.GrantRead, say) passes IAM and is
// denied at the endpoint, so the synth refuses that (see mirroredGrantsCheck).
func (n *PrivateNetwork) Grant(fn awslambda.IFunction, actions []string, resources []*string) {
	role := fn.Role()
	if role == nil {
		panic(fmt.Sprintf("PrivateNetwork: Grant to %s: the function has no role to grant (an imported function); grant its role in IAM and through AllowThroughEndpoint", *fn.Node().Path()))
	}
	role.AddToPrincipalPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Effect:    awsiam.Effect_ALLOW,
		Actions:   jsii.Strings(actions...),
		Resources: &resources,
	}))
	n.AllowThroughEndpoint(EndpointStatement(n.statementID(fn), []*string{role.RoleArn()}, actions, resources))
}

// GrantRead lets fn read objects whose keys match keyPattern ("" for every
// key) and list the bucket, through the endpoint.
func (n *PrivateNetwork) GrantRead(fn awslambda.IFunction, bucket awss3.IBucket, keyPattern string) {
	n.Grant(fn, ReadActions, []*string{objectsMatching(bucket, keyPattern)})
	n.Grant(fn, ListActions, []*string{bucket.BucketArn()})
}

// GrantWrite lets fn write objects (with their tags) whose keys match
// keyPattern ("" for every key), through the endpoint.
func (n *PrivateNetwork) GrantWrite(fn awslambda.IFunction, bucket awss3.IBucket, keyPattern string) {
	n.Grant(fn, WriteActions, []*string{objectsMatching(bucket, keyPattern)})
}

func objectsMatching(bucket awss3.IBucket, keyPattern string) *string {
	if keyPattern == "" {
		keyPattern = "*"
	}
	return bucket.ArnForObjects(jsii.String(keyPattern))
}

var notSidChar = regexp.MustCompile(`[^A-Za-z0-9]`)

// statementID names a grant's endpoint statement after the function, so a
// review of the endpoint policy reads who may do what; Sids must be unique
// and alphanumeric.
func (n *PrivateNetwork) statementID(fn awslambda.IFunction) string {
	base := notSidChar.ReplaceAllString(*fn.Node().Id(), "") + "ThroughEndpoint"
	n.grants++
	return fmt.Sprintf("%s%d", base, n.grants)
}
