package matrix

import (
	"fmt"
	"strings"

	"github.com/privates3/privates3/app/accessmatrix/cfn"
	"github.com/privates3/privates3/constructs/policy"
)

// sessionSuffix names the symbol of a function's role session name.
const sessionSuffix = ".RoleSessionName"

// sessionARN is the assumed-role session ARN of a role,
// arn:PARTITION:sts::ACCOUNT:assumed-role/ROLE-NAME/SESSION (IAM User
// Guide, "AWS JSON policy elements: Principal", assumed-role session
// principals). The role's path is not part of it.
func sessionARN(roleARN, session string) string {
	parts := policy.SplitARN(roleARN)
	if len(parts) < 6 || !strings.HasPrefix(parts[5], "role/") {
		return ""
	}
	name := parts[5][strings.LastIndex(parts[5], "/")+1:]
	return "arn:" + parts[1] + ":sts::" + parts[4] + ":assumed-role/" + name + "/" + session
}

// accountOf reads the account field of an IAM ARN. The split keeps
// symbols whole: ${AWS::Partition} holds "::", which a plain split on ":"
// would take for the empty region and account fields. An ARN known only
// at deploy (a parameter, an import) has an account of its own, unknown:
// it may or may not be the bucket's.
func accountOf(arn string) string {
	parts := policy.SplitARN(arn)
	if len(parts) < 6 {
		return cfn.Symbol(accountOfPrefix + strings.NewReplacer("${", "", "}", "").Replace(arn))
	}
	return parts[4]
}

// accountOfPrefix names the symbol of an opaque ARN's account.
const accountOfPrefix = "AccountOf "

// request builds the request one caller sends to one bucket, all but its
// action and resource. The context holds what the IAM User Guide ("AWS global condition
// context keys") says every request of this kind carries; keys that depend
// on the account's setup (its organization, tags) are unknown, and
// optional request headers (s3:x-amz-*, s3:prefix) are absent, as for an
// SDK call that sends none: the plain request, which chooser tries
// beside the caller's other choices.
func (b *builder) request(c caller, bk *bucket) policy.Request {
	account, bucketAccount := accountOf(c.arn), b.pseudo(bk.t, "AWS::AccountId")
	ctx := policy.Context{}
	ctx.Set("aws:SecureTransport", fmt.Sprint(c.tls))
	if c.tls {
		// "Amazon S3 supports TLS 1.2 and TLS 1.3 ... S3 automatically
		// negotiates the strongest TLS protection supported by your client
		// software" (S3 User Guide, "Protecting data in transit with
		// encryption").
		ctx.SetOneOf("s3:TlsVersion", "1.2", "1.3")
	}
	// The SDKs sign with SigV4 in the Authorization header; @sigv2 with
	// Signature Version 2, "AWS" (see ProbeSigV2).
	if c.sigV2 {
		ctx.Set("s3:signatureversion", "AWS")
	} else {
		ctx.Set("s3:signatureversion", "AWS4-HMAC-SHA256")
	}
	ctx.Set("s3:authType", "REST-HEADER")
	setPrincipal(ctx, c, account, bucketAccount, b.pseudo(bk.t, "AWS::Region"), "bucket")
	// Every request to a bucket or an object carries the bucket owner's
	// account: s3:ResourceAccount "filters access by the resource owner's
	// AWS account ID" (Service Authorization Reference, "Condition keys
	// for Amazon S3"; S3 User Guide, "Bucket policy examples using
	// condition keys"), and AWS's own endpoint policy example
	// "Access-to-bucket-in-specific-account-only" (AWS PrivateLink guide,
	// "Gateway endpoints for Amazon S3", endpoint policies) denies with
	// StringNotEquals on it, which would deny every request were it ever
	// absent.
	ctx.Set("s3:ResourceAccount", bucketAccount)
	ctx.Set("aws:ViaAWSService", "false")
	ctx.Set("aws:CurrentTime", cfn.Symbol("CurrentTime"))
	ctx.Set("aws:EpochTime", cfn.Symbol("EpochTime"))
	if c.session != "" {
		// Present for temporary credentials, false without MFA.
		ctx.Set("aws:MultiFactorAuthPresent", "false")
		ctx.Set("aws:TokenIssueTime", cfn.Symbol("TokenIssueTime"))
	} else {
		ctx.SetOneOf("aws:MultiFactorAuthPresent", "true", "false")
	}
	if ep := c.path.Endpoint; ep != nil {
		// Only requests through an endpoint carry aws:SourceVpce and
		// aws:SourceVpc; their source address is private, and "The
		// aws:SourceIp key is always present in the request context,
		// except when the requester uses a VPC endpoint" (condition
		// operators, IP address).
		ctx.Set("aws:SourceVpce", ep.ID)
		ctx.Set("aws:SourceVpc", ep.VPC)
		ctx.Set("aws:VpcSourceIp", cfn.Symbol("VpcSourceIp"))
	} else {
		ctx.Set("aws:SourceIp", cfn.Symbol("SourceIp"))
	}
	return policy.Request{PrincipalARN: c.arn, Session: c.session, Account: account, ResourceAccount: bucketAccount, Context: ctx}
}

// setPrincipal sets the keys of the caller's identity and the resource's
// account that every request carries, to S3 and to KMS alike (IAM User
// Guide, "AWS global condition context keys"): what the templates give,
// and as unknown what depends on the accounts' setup (organization, tags);
// resource names the resource in the tags' reason.
func setPrincipal(ctx policy.Context, c caller, account, resourceAccount, region, resource string) {
	ctx.Set("aws:PrincipalArn", c.arn)
	ctx.Set("aws:PrincipalAccount", account)
	ctx.Set("aws:ResourceAccount", resourceAccount)
	ctx.Set("aws:RequestedRegion", region)
	ctx.Set("aws:PrincipalIsAWSService", "false")
	ctx.SetUnknown("aws:userid", "the principal's unique id, assigned by IAM")
	for _, k := range []string{"aws:PrincipalOrgID", "aws:PrincipalOrgPaths", "aws:ResourceOrgID", "aws:ResourceOrgPaths"} {
		ctx.SetUnknown(k, "present only if the account is in an organization")
	}
	ctx.SetUnknown("aws:PrincipalTag/*", "the principal's tags may be set outside the templates")
	ctx.SetUnknown("aws:ResourceTag/*", "the "+resource+"'s tags may be set outside the templates")
	if c.session != "" {
		ctx.Set("aws:PrincipalType", "AssumedRole")
	} else {
		ctx.Set("aws:PrincipalType", "User")
	}
}

// origin says, for the reason of an unknown decision, where a symbol comes
// from and, when it can be given, how.
func (b *builder) origin(symbol string) string {
	// A symbol local to one template names it (${dev#Storage6B64FB91});
	// it is explained from that template alone.
	scope, name := b.r.Scope(symbol)
	templates := b.r.Templates()
	if scope != nil {
		templates = []*cfn.Template{scope}
	}
	switch {
	case (name == "AWS::AccountId" || name == "AWS::Region") && scope != nil:
		return "the stack's, known only at deploy (its cloud assembly's manifest gives it for a stack with a concrete environment; --set " + name + "=... gives every template one)"
	case name == "AWS::AccountId", name == "AWS::Region", name == "AWS::Partition":
		return "known only at deploy (--set " + name + "=...)"
	case strings.HasPrefix(name, accountOfPrefix):
		return "the account of " + strings.TrimPrefix(name, accountOfPrefix) + ", known only at deploy"
	case strings.HasPrefix(name, "AWS::"):
		return "a pseudo parameter known only at deploy"
	case strings.HasPrefix(name, "Fn::ImportValue:"):
		return "imported (Fn::ImportValue) from a stack outside the templates"
	case strings.HasPrefix(name, "Fn::"):
		fn := strings.TrimPrefix(name, "Fn::")
		return "computed at deploy (Fn::" + fn[:strings.IndexAny(fn+" ", " :.[")] + ")"
	case strings.HasSuffix(name, sessionSuffix):
		return "the name of the role session Lambda opens for the function"
	case name == "SourceIp":
		return "the caller's public address"
	case name == "VpcSourceIp":
		return "the caller's private address"
	case name == "CurrentTime", name == "EpochTime", name == "TokenIssueTime":
		return "the time of the request"
	case strings.HasPrefix(name, "aws:") || strings.HasPrefix(name, "s3:"):
		return "a policy variable, filled in from each request"
	}
	for _, t := range templates {
		if p, ok := t.Parameters[name]; ok {
			if strings.HasPrefix(p.Type, "AWS::SSM::") {
				if ssm, ok := p.Default.(string); ok && ssm != "" {
					return "the value of SSM parameter " + ssm + ", read at deploy, which no other template given is known to write (give the one that does, or --set " + name + "=...)"
				}
				return "an SSM parameter's value, read at deploy"
			}
			return "a parameter without a default (--set " + name + "=...)"
		}
		res, attr, _ := strings.Cut(name, ".")
		if r, ok := t.Resources[res]; ok {
			if attr != "" {
				return "an attribute of " + r.Type + " " + res + ", known after deploy"
			}
			return "the name or id AWS gives " + r.Type + " " + res + " at deploy"
		}
	}
	return ""
}
