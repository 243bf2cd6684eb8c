package network

import (
	"encoding/json"
	"fmt"
	"regexp"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/privates3/privates3/constructs/internal/kmsvia"
)

// The S3 actions GrantRead and GrantWrite give: one object read (with its
// tags) and the listing, or one object write carrying its tags. WriteActions
// is exported for the functions package, whose uploader writes the same.
var (
	readActions  = []string{"s3:GetObject", "s3:GetObjectTagging"}
	listActions  = []string{"s3:ListBucket"}
	WriteActions = []string{"s3:PutObject", "s3:PutObjectTagging"}
)

// The KMS actions of a grant on a bucket encrypted with a KMS key. Reading
// an SSE-KMS object needs kms:Decrypt; writing one needs kms:GenerateDataKey,
// and kms:Decrypt too for a multipart upload, whose encrypted parts S3
// decrypts to assemble the object (Amazon S3 User Guide, "Specifying
// server-side encryption with AWS KMS (SSE-KMS)"; Amazon S3 API Reference,
// UploadPart, "Permissions"). The SDKs' upload managers switch to multipart
// uploads above a size, so a writer without kms:Decrypt fails on large
// objects only.
var (
	keyReadActions  = []string{"kms:Decrypt"}
	keyWriteActions = []string{"kms:GenerateDataKey", "kms:Decrypt"}
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

// Grant gives grantee's role actions on resources in both places a request
// from the network's subnets is checked: the role's IAM policy and the
// endpoint policy. Granting only one of them (bucket.GrantRead, say) passes
// IAM and is denied at the endpoint, so the synth refuses that (see
// grantCheck). It grants no KMS key: GrantRead and GrantWrite do.
//
// grantee's principal must be an IAM role whose ARN the stack knows (a
// Lambda function, a role created or imported by ARN): a gateway endpoint
// policy names principals only by aws:PrincipalArn. Anything else panics.
// The returned Grant is the IAM half; the endpoint statement is no resource
// policy of the grantee's, so the Grant does not carry it.
func (n *PrivateNetwork) Grant(grantee awsiam.IGrantable, actions []string, resources []*string) awsiam.Grant {
	role := grantRole(n.Construct, grantee)
	g := awsiam.Grant_AddToPrincipal(&awsiam.GrantOnPrincipalOptions{
		Grantee:      grantee,
		Actions:      jsii.Strings(actions...),
		ResourceArns: &resources,
	})
	n.AllowThroughEndpoint(EndpointStatement(n.statementID(grantee), []*string{role.RoleArn()}, actions, resources))
	return g
}

// GrantRead lets grantee read objects whose keys match keyPattern ("" for
// every key) and list the bucket, through the endpoint. When the bucket has
// a KMS key it grants kms:Decrypt on it, through S3 only (kms:ViaService).
func (n *PrivateNetwork) GrantRead(grantee awsiam.IGrantable, bucket awss3.IBucket, keyPattern string) awsiam.Grant {
	g := n.Grant(grantee, readActions, []*string{objectsMatching(bucket, keyPattern)})
	g = g.Combine(n.Grant(grantee, listActions, []*string{bucket.BucketArn()}))
	return n.grantKey(grantee, bucket, g, keyReadActions)
}

// GrantWrite lets grantee write objects (with their tags) whose keys match
// keyPattern ("" for every key), through the endpoint. When the bucket has a
// KMS key it grants kms:GenerateDataKey and kms:Decrypt on it, through S3
// only (kms:ViaService).
func (n *PrivateNetwork) GrantWrite(grantee awsiam.IGrantable, bucket awss3.IBucket, keyPattern string) awsiam.Grant {
	g := n.Grant(grantee, WriteActions, []*string{objectsMatching(bucket, keyPattern)})
	return n.grantKey(grantee, bucket, g, keyWriteActions)
}

// grantKey adds the bucket key's actions to g when the bucket has a key.
// The statement goes on the role (IAM), which suffices when the key policy
// lets the account's IAM policies grant it, as a CDK key's default policy
// does (AWS KMS Developer Guide, "Default key policy", "Allows access to the
// AWS account and enables IAM policies"). kms:ViaService limits it to
// requests S3 makes on the role's behalf (AWS KMS Developer Guide,
// "kms:ViaService"): the role cannot decrypt or generate keys directly.
func (n *PrivateNetwork) grantKey(grantee awsiam.IGrantable, bucket awss3.IBucket, g awsiam.Grant, actions []string) awsiam.Grant {
	key := bucket.EncryptionKey()
	if key == nil {
		return g
	}
	return g.Combine(awsiam.Grant_AddToPrincipal(&awsiam.GrantOnPrincipalOptions{
		Grantee:      grantee,
		Actions:      jsii.Strings(actions...),
		ResourceArns: &[]*string{key.KeyArn()},
		Conditions:   &map[string]*map[string]any{"StringEquals": {"kms:ViaService": kmsvia.S3()}},
	}))
}

// grantRole returns the IAM role behind grantee, or panics: the endpoint
// statement names its principal with aws:PrincipalArn, which holds a role's
// ARN for a session of that role, so only a role this stack can name is
// grantable here.
func grantRole(scope constructs.IConstruct, grantee awsiam.IGrantable) awsiam.IRole {
	p := grantee.GrantPrincipal()
	role, ok := p.(awsiam.IRole)
	if !ok || role.RoleArn() == nil {
		panic(fmt.Sprintf("PrivateNetwork: cannot grant %s through the S3 endpoint: its principal is %s, not an IAM role whose ARN this stack knows; grant a Lambda function or an awsiam.Role (created here or imported with Role_FromRoleArn), because a gateway endpoint policy names principals only by aws:PrincipalArn (AWS PrivateLink guide, \"Principals for gateway endpoints\")", describe(grantee), describePrincipal(scope, p)))
	}
	return role
}

// describe names a grantee by its construct path, when it has one.
func describe(x any) string {
	if c, ok := x.(constructs.IConstruct); ok {
		return *c.Node().Path()
	}
	return "a principal"
}

// describePrincipal names a principal by what its policy fragment says
// (AWS, Service, ...), which is what an endpoint policy would have to match.
func describePrincipal(scope constructs.IConstruct, p awsiam.IPrincipal) (s string) {
	defer func() {
		if recover() != nil {
			s = "one without a policy principal" // UnknownPrincipal, say
		}
	}()
	stack := awscdk.Stack_Of(scope)
	out := map[string][]any{}
	for k, vs := range *p.PolicyFragment().PrincipalJson() {
		for _, v := range *vs {
			out[k] = append(out[k], stack.Resolve(v))
		}
	}
	b, _ := json.Marshal(out)
	return string(b)
}

func objectsMatching(bucket awss3.IBucket, keyPattern string) *string {
	if keyPattern == "" {
		keyPattern = "*"
	}
	return bucket.ArnForObjects(jsii.String(keyPattern))
}

var notSidChar = regexp.MustCompile(`[^A-Za-z0-9]`)

// statementID names a grant's endpoint statement after the grantee, so a
// review of the endpoint policy reads who may do what; Sids must be unique
// and alphanumeric.
func (n *PrivateNetwork) statementID(grantee awsiam.IGrantable) string {
	id := "Role"
	if c, ok := grantee.(constructs.IConstruct); ok {
		id = *c.Node().Id()
	}
	base := notSidChar.ReplaceAllString(id, "") + "ThroughEndpoint"
	if n.grants == nil {
		n.grants = map[string]int{}
	}
	n.grants[base]++
	return fmt.Sprintf("%s%d", base, n.grants[base])
}
