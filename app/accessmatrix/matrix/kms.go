package matrix

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/privates3/privates3/app/accessmatrix/cfn"
	"github.com/privates3/privates3/constructs/policy"
)

// bucketKey is the KMS key a bucket encrypts new objects with by default
// (SSE-KMS), with what is known of its key policy.
type bucketKey struct {
	// arn is the key's ARN as the identity policies name it (a symbol for
	// a key of the templates).
	arn string
	// name is the key in reasons: its logical id, "aws/s3", or the value
	// the bucket names.
	name string
	// account owns the key.
	account string
	// policy is the key policy; Unknown when it is not in the templates.
	policy policy.Policy
	// ownAccountOnly, when set, says why the key a put uses is known only
	// for a caller of its own account: a key named by id or alias, which
	// KMS resolves in the requester's account, or aws/s3. A read uses the
	// key the object names (see kmsResult).
	ownAccountOnly string
}

// byIDOnly is bucketKey.ownAccountOnly for a key the bucket names by id:
// "If you are using encryption with cross-account or AWS service
// operations, you must use a fully qualified KMS key ARN" (CloudFormation,
// AWS::S3::Bucket ServerSideEncryptionByDefault, KMSMasterKeyID).
const byIDOnly = "the bucket names its key by id or alias, which KMS resolves in the requester's account when a caller of another account puts an object (CloudFormation, AWS::S3::Bucket ServerSideEncryptionByDefault, KMSMasterKeyID: \"you must use a fully qualified KMS key ARN\")"

// kmsActions are the KMS actions S3 calls with the caller's permissions
// for an object action on a bucket encrypted with SSE-KMS: "To upload an
// object encrypted with an AWS KMS key to Amazon S3, you need
// kms:GenerateDataKey permissions on the key. To download an object
// encrypted with an AWS KMS key, you need kms:Decrypt permissions" (S3 User
// Guide, "Using server-side encryption with AWS KMS keys (SSE-KMS)").
var kmsActions = map[string]string{
	"s3:putobject":        "kms:GenerateDataKey",
	"s3:getobject":        "kms:Decrypt",
	"s3:getobjectversion": "kms:Decrypt",
}

// defaultKey reads the bucket's default encryption: nil for SSE-S3 (or
// none), else its KMS key. A key of the templates is found by its ARN or
// id; "aws:kms" without a key id is the AWS managed key aws/s3; any other
// value names a key outside the templates, whose policy is unknown.
func (b *builder) defaultKey(c placed) (*bucketKey, error) {
	v, ok, err := b.r.Property(c.t, c.res, "BucketEncryption")
	if err != nil || !ok {
		return nil, err
	}
	m, _ := v.(map[string]any)
	rules, _ := m["ServerSideEncryptionConfiguration"].([]any)
	for _, r := range rules {
		rule, _ := r.(map[string]any)
		def, _ := rule["ServerSideEncryptionByDefault"].(map[string]any)
		algorithm, _ := cfn.String(def["SSEAlgorithm"])
		if !strings.HasPrefix(algorithm, "aws:kms") && !cfn.IsSymbolic(algorithm) {
			continue
		}
		raw, named := def["KMSMasterKeyID"]
		id, _ := cfn.String(raw)
		account := b.pseudo(c.t, "AWS::AccountId")
		switch {
		case cfn.IsSymbolic(algorithm):
			return &bucketKey{name: "the key of SSEAlgorithm " + algorithm, account: account, policy: policy.Policy{Name: "the key policy of bucket " + c.res.LogicalID + "'s key", Unknown: "the bucket's SSEAlgorithm is " + algorithm + ", which may name SSE-KMS"}}, nil
		case !named:
			return b.awsManagedKey(c, account), nil
		case id == "":
			id = fmt.Sprint(raw)
		}
		if k, err := b.templateKey(id); k != nil || err != nil {
			return k, err
		}
		// A key ARN names its account; a key id or an alias is the
		// bucket's account's.
		k := &bucketKey{arn: id, name: id, account: account, policy: policy.Policy{Name: "the key policy of " + id, Unknown: "the key is not in the templates"}, ownAccountOnly: byIDOnly}
		if parts := policy.SplitARN(id); len(parts) == 6 && parts[4] != "" && strings.HasPrefix(parts[5], "key/") {
			k.account, k.ownAccountOnly = parts[4], ""
		}
		return k, nil
	}
	return nil, nil
}

// awsManagedKey is aws/s3, whose key policy AWS writes: any principal of
// the bucket's account may use it through S3, and no other account may
// ("AWS managed keys ... You cannot change the key policy" and the key
// policy "allows access through Amazon S3 for all principals in the
// account that are authorized to use Amazon S3", AWS KMS Developer Guide,
// "AWS managed keys"; the policy as AWS shows it, kms:CallerAccount and
// kms:ViaService).
func (b *builder) awsManagedKey(c placed, account string) *bucketKey {
	region := b.pseudo(c.t, "AWS::Region")
	doc := map[string]any{"Statement": []any{map[string]any{
		"Sid": "Allow access through S3 for all principals in the account that are authorized to use S3", "Effect": "Allow", "Principal": map[string]any{"AWS": "*"}, "Action": []any{"kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:DescribeKey"}, "Resource": "*",
		"Condition": map[string]any{"StringEquals": map[string]any{"kms:CallerAccount": account, "kms:ViaService": "s3." + region + ".amazonaws.com"}},
	}}}
	p, err := policy.Parse("the key policy of aws/s3", doc)
	if err != nil {
		// The document is ours; it parses.
		panic(err)
	}
	// KMS authorizes against the key's own ARN, key/ID, not its alias;
	// the id is AWS's.
	return &bucketKey{arn: "arn:" + b.pseudo(c.t, "AWS::Partition") + ":kms:" + region + ":" + account + ":key/" + cfn.Symbol("AwsManagedS3KeyId"), name: "aws/s3", account: account, policy: p,
		ownAccountOnly: "for a caller of another account, which account's aws/s3 S3 would use is not documented; \"If you want to grant cross-account access to your S3 objects, use a customer managed key\" (S3 User Guide, \"Using SSE-KMS encryption for cross-account operations\")"}
}

// templateKey finds the AWS::KMS::Key of the templates that id names, by
// its ARN (Fn::GetAtt Arn) or its id (Ref).
func (b *builder) templateKey(id string) (*bucketKey, error) {
	keys, err := b.created("AWS::KMS::Key")
	if err != nil {
		return nil, err
	}
	for _, k := range keys {
		arn, err := b.r.Resolve(k.t, map[string]any{"Fn::GetAtt": []any{k.res.LogicalID, "Arn"}})
		if err != nil {
			return nil, err
		}
		ref, err := b.r.Ref(k.t, k.res.LogicalID)
		if err != nil {
			return nil, err
		}
		byARN := id == fmt.Sprint(arn)
		if !byARN && id != fmt.Sprint(ref) {
			continue
		}
		doc, _, err := b.r.Property(k.t, k.res, "KeyPolicy")
		if err != nil {
			return nil, err
		}
		if s, ok := doc.(string); ok {
			var v any
			if err := json.Unmarshal([]byte(s), &v); err != nil {
				return nil, &cfn.Error{File: k.t.Name, Resource: k.res.LogicalID, Property: "KeyPolicy", Err: err}
			}
			doc = v
		}
		p, err := policy.Parse("key policy of "+k.res.LogicalID, doc)
		if err != nil {
			return nil, &cfn.Error{File: k.t.Name, Resource: k.res.LogicalID, Property: "KeyPolicy", Err: err}
		}
		key := &bucketKey{arn: fmt.Sprint(arn), name: k.res.LogicalID, account: b.pseudo(k.t, "AWS::AccountId"), policy: p}
		if !byARN {
			key.ownAccountOnly = byIDOnly
		}
		return key, nil
	}
	return nil, nil
}

// kmsRequest is the request S3 makes to KMS with the caller's
// permissions for one of the caller's object requests: the caller's
// identity, kms:ViaService and kms:CallerAccount (AWS KMS Developer
// Guide, "kms:ViaService", "kms:CallerAccount"); what the network and the
// encryption context hold is not known here.
func (b *builder) kmsRequest(c caller, bk *bucket) policy.Request {
	account, region := accountOf(c.arn), b.pseudo(bk.t, "AWS::Region")
	ctx := policy.Context{}
	setPrincipal(ctx, c, account, bk.key.account, region, "key")
	ctx.Set("aws:ViaAWSService", "true")
	ctx.Set("kms:ViaService", "s3."+region+".amazonaws.com")
	ctx.Set("kms:CallerAccount", account)
	for _, k := range []string{"aws:SourceIp", "aws:SourceVpce", "aws:SourceVpc", "aws:VpcSourceIp", "aws:SecureTransport"} {
		ctx.SetUnknown(k, "S3 calls KMS on the caller's behalf; what that request carries is not modelled")
	}
	for _, k := range []string{"aws:CalledVia", "aws:CalledViaFirst", "aws:CalledViaLast"} {
		ctx.SetUnknown(k, "set by the service for a forward access session; not modelled")
	}
	ctx.SetUnknown("kms:EncryptionContext:aws:s3:arn", "the object's ARN, or with an S3 Bucket Key the bucket's")
	return policy.Request{PrincipalARN: c.arn, Session: c.session, Account: account, ResourceAccount: bk.key.account, Resource: bk.key.arn, Context: ctx}
}

// kmsResult is the KMS decision of c's requests to bk's key for one KMS
// action: unknown for a put when the key is known only for callers of its
// account and c may be of another. A read is not: it decrypts with the
// key the object was written with, which the object's metadata names by
// its ARN (S3 API Reference, GetObject, x-amz-server-side-encryption-aws-kms-key-id),
// the bucket's key for an object its own account wrote.
func (b *builder) kmsResult(c caller, bk *bucket, p *policy.Prepared, kmsAction string) policy.Result {
	if kmsAction != "kms:Decrypt" && bk.key.ownAccountOnly != "" && policy.Equal(accountOf(c.arn), bk.key.account) != policy.Yes {
		return policy.Result{Decision: policy.Unknown, Reason: bk.key.ownAccountOnly}
	}
	return p.Evaluate(kmsAction)
}

// withKey joins an object action's S3 decision with the KMS one it needs
// on the bucket's key: the request succeeds only if both allow. Only an
// explicit deny refuses for KMS: a KMS grant, made outside the templates,
// may allow what no policy does ("a key policy, IAM policy, or grant", AWS
// KMS Developer Guide, "Allowing users in other accounts to use a KMS
// key"). A plain put (no encryption header) uses the default key, but a
// put may name its own encryption, so an explicit deny on the key leaves
// the put unknown; a get reads "some key" of the bucket, whose object may
// have been written without that key, so it leaves the get unknown too.
func withKey(decision, reason, by, action string, key *bucketKey, k policy.Result) (string, string, string) {
	if decision != Allowed && decision != Unknown {
		return decision, reason, by
	}
	kmsAction := kmsActions[strings.ToLower(action)]
	on := kmsAction + " on KMS key " + key.name
	put := kmsAction == "kms:GenerateDataKey"
	switch k.Decision {
	case policy.Allowed:
		if decision == Allowed {
			return Allowed, reason + "; and " + on + " " + k.Reason, by + " and " + k.By
		}
		return decision, reason, by
	case policy.ExplicitDeny:
		if put {
			// Refused for a plain put only: a put that names its own
			// encryption in its headers (x-amz-server-side-encryption
			// AES256) is encrypted as they say, not with the bucket's
			// default key (S3 User Guide, "Setting default server-side
			// encryption behavior for Amazon S3 buckets"), and the
			// caller chooses its headers (see callerChosen).
			return Unknown, "S3 needs " + on + " for a plain put, which is refused (" + k.Reason + "); a put that sends its own x-amz-server-side-encryption does not use the bucket's default key", ""
		}
		return Unknown, "an object encrypted with KMS key " + key.name + " needs " + on + ", which is refused (" + k.Reason + "); an object written otherwise does not", ""
	case policy.ImplicitDeny:
		what := "the put"
		if !put {
			what = "an object encrypted with it"
		}
		return Unknown, "S3 needs " + on + " for " + what + ", which no policy allows (" + k.Reason + "); only a KMS grant, outside the templates, could", ""
	}
	if decision == Allowed {
		return Unknown, reason + ", but " + on + " is unknown: " + k.Reason, ""
	}
	return decision, reason, by
}
