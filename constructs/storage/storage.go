// Package storage provides PrivateBucket: an S3 bucket that can be used only
// through S3 gateway VPC endpoints, hardened by default, whose bucket policy
// never locks out the deployment that manages it.
//
// The result does not depend on the app's feature flags. The one flag CDK's
// S3 module consults that changes security here,
// @aws-cdk/aws-s3:serverAccessLogsUseBucketPolicy (log delivery by bucket
// policy, not by ACLs), is set on the PrivateBucket's own node; a log
// bucket given in AccessLogsBucket, or made by NewAccessLogsBucket, is
// refused where the app leaves it off. @aws-cdk/aws-s3:publicAccessBlockedByDefault
// changes nothing (all four blocks are set explicitly), and
// @aws-cdk/aws-iam:minimizePolicies only reorders or merges statements.
package storage

import (
	"fmt"
	"math"
	"regexp"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/privates3/privates3/constructs/internal/kmsvia"
	"github.com/privates3/privates3/constructs/internal/problems"
	"github.com/privates3/privates3/constructs/internal/token"
	"github.com/privates3/privates3/lambda/uploader/contract"
)

// DenyMode chooses which requests from outside the allowed endpoints the
// bucket policy denies.
type DenyMode string

const (
	// DenyAllActions denies every S3 action on the bucket and its objects
	// unless the request came through an allowed endpoint. The deployment and
	// admin roles keep every action on the bucket itself (never on its
	// objects) from anywhere, so CloudFormation can still read, update and
	// delete the bucket and its policy.
	DenyAllActions DenyMode = "all-actions"
	// DenyObjectActions denies only object reads, writes and deletes from
	// outside the allowed endpoints. Bucket configuration stays governed by
	// IAM alone. This is the common "seed article" style: simpler, but a
	// principal with IAM rights can list keys and change the bucket from
	// anywhere.
	DenyObjectActions DenyMode = "object-actions"
)

// ObjectDataActions are what DenyObjectActions denies outside the endpoints.
var ObjectDataActions = []string{
	"s3:GetObject*",
	"s3:PutObject*",
	"s3:DeleteObject*",
	"s3:RestoreObject",
	"s3:AbortMultipartUpload",
	"s3:ListMultipartUploadParts",
}

// PrivateBucketProps configures a PrivateBucket. AllowedEndpointIds is the
// only required field.
type PrivateBucketProps struct {
	// AllowedEndpointIds are the S3 gateway endpoint ids (vpce-...) requests
	// must come through. At least one; tokens (such as a new endpoint's Ref)
	// are accepted.
	AllowedEndpointIds []*string
	// BucketName is a physical name. Default: CloudFormation generates one.
	BucketName *string
	// Mode chooses what the policy denies outside the endpoints.
	// Default: DenyAllActions.
	Mode DenyMode
	// DeploymentRoleArns keep every action on the bucket itself (never on its
	// objects) from anywhere in
	// DenyAllActions mode. Default (nil): the CloudFormation execution role
	// of the stack's default CDK bootstrap. An empty, non-nil list means no
	// exception, which DenyAllActions refuses: it would lock CloudFormation
	// out of the bucket policy.
	DeploymentRoleArns []*string
	// AdminRoleArns are extra roles (break-glass, security tooling) that keep
	// every action on the bucket itself, never on its objects, from anywhere.
	// Default: none.
	AdminRoleArns []*string
	// CrossAccountWriterRoleArns are roles of other accounts allowed to
	// write objects (s3:PutObject, s3:PutObjectTagging), still only through
	// an allowed endpoint (their VPC's, in AllowedEndpointIds). A request
	// from another account needs an Allow in both the bucket policy and the
	// caller's identity policy (IAM User Guide, "Cross-account policy
	// evaluation logic"): this is the bucket's half; with KmsEncryption the
	// key policy lets them use the key through S3 (kms:GenerateDataKey,
	// and kms:Decrypt for multipart uploads). Default: none.
	CrossAccountWriterRoleArns []*string
	// NoncurrentVersionExpiration is how long S3 keeps a version after it
	// was overwritten or deleted (versioning is always on). A noncurrent
	// version is only the way back from a mistaken overwrite or delete:
	// kept forever, a bucket whose keys are rewritten pays for every
	// version it ever held. A whole number of days, at least 1.
	// Default: 90 days, long enough for a quarterly review to notice and
	// undo a mistake.
	NoncurrentVersionExpiration awscdk.Duration
	// KeepNoncurrentVersions keeps noncurrent versions forever, for data
	// whose retention rules (a legal hold, an audit) forbid expiring them:
	// that is the data owner's decision, and its cost. Cannot be combined
	// with NoncurrentVersionExpiration. Default: false (they expire).
	KeepNoncurrentVersions bool
	// KmsEncryption encrypts with a customer managed KMS key created here
	// (rotation on, S3 Bucket Key on). Default: SSE-S3.
	KmsEncryption bool
	// AccessLogsBucket receives the bucket's S3 server access logs, under
	// "access/". It must not carry an endpoint-only deny: S3 delivers the
	// logs as the logging.s3.amazonaws.com service, from outside any VPC,
	// granted by the target's bucket policy (which CDK writes for a bucket
	// of this stack, not for an imported one, and only where
	// @aws-cdk/aws-s3:serverAccessLogsUseBucketPolicy is on: refused
	// otherwise). Default: a log bucket
	// created here (SSE-S3, the only default encryption a log target may
	// have; TLS only; versioned; logs kept a year; retained like the bucket).
	AccessLogsBucket awss3.IBucket
	// AutoDeleteObjects is refused: CDK's auto-delete custom resource runs
	// outside the VPC and the policy denies it. It exists so a user who
	// copies it from another bucket gets a sentence, not a failed delete.
	AutoDeleteObjects bool
}

// PrivateBucket is an S3 bucket reachable only through gateway endpoints.
type PrivateBucket struct {
	constructs.Construct
	// Bucket is the bucket itself (construct id "Resource").
	Bucket awss3.Bucket
	// Key is the customer managed key, or nil with SSE-S3.
	Key awskms.Key
	// AccessLogs is the log bucket created here, or nil when
	// AccessLogsBucket was given.
	AccessLogs awss3.Bucket
}

// ValidateBucketName returns why name is not a valid S3 bucket name, or nil.
func ValidateBucketName(name string) error {
	if err := contract.CheckBucketName(name); err != nil {
		return fmt.Errorf("BucketName %q is invalid: %w", name, err)
	}
	return nil
}

// NewPrivateBucket creates the bucket and its policy. Invalid props panic,
// as CDK constructs do, with every problem at once: one line each, naming
// the prop and the fix.
func NewPrivateBucket(scope constructs.Construct, id *string, props *PrivateBucketProps) *PrivateBucket {
	mode, exempt := validate(scope, props)
	c := constructs.NewConstruct(scope, id)
	// Before any child: CDK reads a feature flag from the construct that
	// asks upwards (FeatureFlags.of(this) is Node.tryGetContext, which
	// walks to the root), so a value here holds for the children below
	// whatever the app sets.
	c.Node().SetContext(jsii.String(serverAccessLogsFlag), true)
	pb := &PrivateBucket{Construct: c}

	bp := &awss3.BucketProps{
		BucketName:        props.BucketName,
		BlockPublicAccess: awss3.BlockPublicAccess_BLOCK_ALL(),
		Versioned:         jsii.Bool(true),
		ObjectOwnership:   awss3.ObjectOwnership_BUCKET_OWNER_ENFORCED,
		Encryption:        awss3.BucketEncryption_S3_MANAGED,
		LifecycleRules:    lifecycleRules(props),
	}
	if props.KmsEncryption {
		pb.Key = awskms.NewKey(c, jsii.String("Key"), &awskms.KeyProps{
			Description:       jsii.String("Encrypts the private bucket's objects"),
			EnableKeyRotation: jsii.Bool(true),
		})
		retain(pb.Key)
		bp.Encryption = awss3.BucketEncryption_KMS
		bp.EncryptionKey = pb.Key
		// The Bucket Key cuts KMS requests (and cost) per object.
		bp.BucketKeyEnabled = jsii.Bool(true)
	}
	bp.ServerAccessLogsBucket = props.AccessLogsBucket
	if bp.ServerAccessLogsBucket == nil {
		pb.AccessLogs = newAccessLogsBucket(c)
		bp.ServerAccessLogsBucket = pb.AccessLogs
	}
	bp.ServerAccessLogsPrefix = jsii.String("access/")
	pb.Bucket = awss3.NewBucket(c, jsii.String("Resource"), bp)
	retain(pb.Bucket)
	suppressBucketFindings(pb.Bucket, props.KmsEncryption)

	objects := pb.Bucket.ArnForObjects(jsii.String("*"))
	resources := []*string{pb.Bucket.BucketArn(), objects}
	// Every statement of the policy denies, to everyone.
	deny := func(st awsiam.PolicyStatementProps) {
		st.Effect = awsiam.Effect_DENY
		st.Principals = &[]awsiam.IPrincipal{awsiam.NewAnyPrincipal()}
		pb.Bucket.AddToResourcePolicy(awsiam.NewPolicyStatement(&st))
	}
	// What CDK's enforceSSL and minimumTLSVersion write, with Sids, so that
	// reviews and the access matrix can name the statement that decided.
	deny(awsiam.PolicyStatementProps{
		Sid:        jsii.String("DenyInsecureTransport"),
		Actions:    jsii.Strings("s3:*"),
		Resources:  &resources,
		Conditions: &map[string]interface{}{"Bool": map[string]interface{}{"aws:SecureTransport": "false"}},
	})
	deny(awsiam.PolicyStatementProps{
		Sid:        jsii.String("DenyTlsBelow1_2"),
		Actions:    jsii.Strings("s3:*"),
		Resources:  &resources,
		Conditions: &map[string]interface{}{"NumericLessThan": map[string]interface{}{"s3:TlsVersion": 1.2}},
	})
	// Signature Version 4 only, as defence in depth: S3 already refuses
	// Signature Version 2 ("AWS") on buckets created after 24 June 2020,
	// and s3:signatureversion tells the two apart
	// (S3 API Reference, "Amazon S3 Signature Version 4 Authentication
	// Specific Policy Keys"). An unsigned request has no such key, and
	// StringNotEquals on a missing key matches, so it is denied too. Every
	// SDK, the CLI, CloudFormation's handlers and SigV4 presigned URLs sign
	// with AWS4-HMAC-SHA256; server access log delivery writes to the log
	// bucket, which has no such statement.
	deny(awsiam.PolicyStatementProps{
		Sid:        jsii.String("DenyNotSigV4"),
		Actions:    jsii.Strings("s3:*"),
		Resources:  &resources,
		Conditions: &map[string]interface{}{"StringNotEquals": map[string]interface{}{"s3:signatureversion": "AWS4-HMAC-SHA256"}},
	})
	outside := map[string]interface{}{"aws:SourceVpce": props.AllowedEndpointIds}
	switch mode {
	case DenyAllActions:
		// The exception is scoped by resource, not by a list of actions: an
		// action on the bucket ARN is a bucket-level action (S3's
		// Service Authorization Reference gives each action its resource
		// type), so the deployment keeps every one CloudFormation's handlers
		// call, present and future, and no action on an object ARN.
		deny(awsiam.PolicyStatementProps{
			Sid:        jsii.String("DenyObjectsOutsideEndpoint"),
			Actions:    jsii.Strings("s3:*"),
			Resources:  &[]*string{objects},
			Conditions: &map[string]interface{}{"StringNotEquals": outside},
		})
		deny(awsiam.PolicyStatementProps{
			Sid:       jsii.String("DenyBucketOutsideEndpointExceptDeployment"),
			Actions:   jsii.Strings("s3:*"),
			Resources: &[]*string{pb.Bucket.BucketArn()},
			Conditions: &map[string]interface{}{
				"StringNotEquals": outside,
				"ArnNotLike":      map[string]interface{}{"aws:PrincipalArn": exempt},
			},
		})
	case DenyObjectActions:
		deny(awsiam.PolicyStatementProps{
			Sid:        jsii.String("DenyObjectAccessOutsideEndpoint"),
			Actions:    jsii.Strings(ObjectDataActions...),
			Resources:  &[]*string{objects},
			Conditions: &map[string]interface{}{"StringNotEquals": outside},
		})
	}
	if len(props.CrossAccountWriterRoleArns) > 0 {
		allowCrossAccountWriters(pb, props.CrossAccountWriterRoleArns)
	}
	// The policy stays with the bucket: a retained bucket without it would be
	// governed by IAM alone, reachable from anywhere.
	retain(pb.Bucket.Policy())
	if mode == DenyObjectActions {
		// Declared in the template, so a reviewer sees the weaker mode and
		// the project's Guard rule (PRIVATES3.S3.1) requires the
		// bucket-level deny of every other bucket policy.
		pb.Bucket.Policy().Node().DefaultChild().(awscdk.CfnResource).AddMetadata(jsii.String("privates3:denyMode"), string(DenyObjectActions))
	}
	// Bucket notifications are added after construction, so they can only be
	// caught when the tree is complete.
	c.Node().AddValidation(&noCustomResources{bucket: pb.Bucket})
	return pb
}

// validate refuses invalid props, all problems at once, and returns the
// deny mode and the roles exempt from the bucket-level deny.
func validate(scope constructs.Construct, props *PrivateBucketProps) (DenyMode, []*string) {
	p := problems.New("PrivateBucket")
	if props == nil {
		p.Add("props are required: set AllowedEndpointIds to the S3 gateway endpoint ids requests must come through")
		p.Panic()
	}
	mode := props.Mode
	if mode == "" {
		mode = DenyAllActions
	}
	if len(props.AllowedEndpointIds) == 0 {
		p.Add("AllowedEndpointIds is empty: a bucket policy that allows no endpoint denies every request; pass the PrivateNetwork's EndpointId, or the S3 gateway endpoint ids (vpce-...) your functions use")
	}
	for _, e := range props.AllowedEndpointIds {
		if e == nil || (!token.Unresolved(e) && !strings.HasPrefix(*e, "vpce-")) {
			p.Add(fmt.Sprintf("AllowedEndpointIds contains %q: each must be a VPC endpoint id such as vpce-0123456789abcdef0", deref(e)))
		}
	}
	if props.BucketName != nil && !token.Unresolved(props.BucketName) {
		if err := ValidateBucketName(*props.BucketName); err != nil {
			p.Add(err.Error() + "; leave it nil for a name CloudFormation generates")
		}
	}
	if mode != DenyAllActions && mode != DenyObjectActions {
		p.Add(fmt.Sprintf("Mode %q is unknown: use %q (default) or %q", mode, DenyAllActions, DenyObjectActions))
	}
	if props.KeepNoncurrentVersions && props.NoncurrentVersionExpiration != nil {
		p.Add("KeepNoncurrentVersions and NoncurrentVersionExpiration are both set: keep noncurrent versions forever or expire them after a time, not both")
	}
	if d := props.NoncurrentVersionExpiration; d != nil && !token.Unresolved(d.ToString()) {
		// Not integral: CDK's own conversion would throw on a fraction.
		if secs := *d.ToSeconds(&awscdk.TimeConversionOptions{Integral: jsii.Bool(false)}); secs < 86400 || math.Mod(secs, 86400) != 0 {
			p.Add(fmt.Sprintf("NoncurrentVersionExpiration %s is invalid: S3 counts it in whole days, at least 1 (awscdk.Duration_Days); leave it nil for %d days, or set KeepNoncurrentVersions to keep them forever", *d.ToHumanString(), defaultNoncurrentDays))
		}
	}
	for _, r := range props.CrossAccountWriterRoleArns {
		if r == nil || (!token.Unresolved(r) && !IsRoleArn(*r)) {
			p.Add(fmt.Sprintf("CrossAccountWriterRoleArns contains %q: each must be an IAM role ARN such as arn:aws:iam::210987654321:role/Writer", deref(r)))
		}
	}
	// Only a bucket of this app gets either grant (CDK writes nothing on an
	// imported one).
	if b, ok := props.AccessLogsBucket.(awss3.Bucket); ok {
		if s := logTargetProblem("AccessLogsBucket", b); s != "" {
			p.Add(s)
		}
	}
	if props.AutoDeleteObjects {
		p.Add("AutoDeleteObjects is refused: its custom resource runs outside the VPC and the bucket policy denies it, so stack deletion would fail; empty the bucket through the endpoint instead (the bucket is retained on delete)")
	}
	exempt := props.DeploymentRoleArns
	if exempt == nil {
		exempt = []*string{defaultDeploymentRoleArn(awscdk.Stack_Of(scope))}
	}
	exempt = append(append([]*string{}, exempt...), props.AdminRoleArns...)
	if mode == DenyAllActions && len(exempt) == 0 {
		p.Add("DeploymentRoleArns is empty with Mode \"all-actions\": denying every action with no deployment exception locks CloudFormation out of the bucket policy (only the root user could remove it); leave DeploymentRoleArns nil for the CDK bootstrap role, name your deployment role, or use Mode \"object-actions\"")
	}
	p.Panic()
	return mode, exempt
}

// noCustomResources refuses CDK features whose custom-resource functions act
// on the bucket from outside any VPC: the bucket policy denies them and the
// deployment fails half-way.
type noCustomResources struct{ bucket awss3.Bucket }

func (v *noCustomResources) Validate() *[]*string {
	var errs []*string
	if v.bucket.Node().TryFindChild(jsii.String("Notifications")) != nil {
		errs = append(errs, jsii.String("PrivateBucket: bucket notifications are refused: CDK configures them with a custom resource that runs outside the VPC, which the bucket policy denies; configure notifications outside this stack or through EventBridge rules on CloudTrail"))
	}
	return &errs
}

var roleArnRE = regexp.MustCompile(`^arn:aws[a-z-]*:iam::\d{12}:role/[\w+=,.@/-]+$`)

// IsRoleArn reports whether s is an IAM role ARN: a partition, a 12-digit
// account and a role path and name of the characters IAM allows
// (IAM User Guide, "IAM identifiers" and "IAM and AWS STS quotas").
func IsRoleArn(s string) bool { return roleArnRE.MatchString(s) }

// allowCrossAccountWriters is the bucket's (and key's) half of a
// cross-account write grant. The endpoint-only deny still applies to them.
func allowCrossAccountWriters(pb *PrivateBucket, roles []*string) {
	principals := make([]awsiam.IPrincipal, 0, len(roles))
	for _, r := range roles {
		principals = append(principals, awsiam.NewArnPrincipal(r))
	}
	pb.Bucket.AddToResourcePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:        jsii.String("CrossAccountWriters"),
		Effect:     awsiam.Effect_ALLOW,
		Principals: &principals,
		Actions:    jsii.Strings("s3:PutObject", "s3:PutObjectTagging"),
		Resources:  &[]*string{pb.Bucket.ArnForObjects(jsii.String("*"))},
	}))
	if pb.Key != nil {
		// kms:GenerateDataKey encrypts each new object; kms:Decrypt is
		// needed too for a multipart upload, whose encrypted parts S3
		// decrypts to assemble them (Amazon S3 API Reference, UploadPart,
		// "Permissions"). Both only through S3, where the bucket policy
		// grants the writers no read.
		pb.Key.AddToResourcePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Sid:        jsii.String("CrossAccountWritersThroughS3"),
			Effect:     awsiam.Effect_ALLOW,
			Principals: &principals,
			Actions:    jsii.Strings("kms:GenerateDataKey", "kms:Decrypt"),
			Resources:  jsii.Strings("*"),
			Conditions: &map[string]interface{}{"StringEquals": map[string]interface{}{"kms:ViaService": kmsvia.S3()}},
		}), jsii.Bool(false))
	}
}

// defaultNoncurrentDays is PrivateBucketProps.NoncurrentVersionExpiration's
// default.
const defaultNoncurrentDays = 90

// lifecycleRules are the bucket's own housekeeping (S3 User Guide,
// "Lifecycle configuration elements"); an app may add rules of its own.
// Control Tower's CT.S3.PR.3 and CT.S3.PR.6 ask every bucket, versioned
// ones above all, for a lifecycle configuration.
func lifecycleRules(props *PrivateBucketProps) *[]*awss3.LifecycleRule {
	// A multipart upload that never completes leaves parts the bucket's
	// owner pays for and no one sees (S3 User Guide, "Configuring a bucket
	// lifecycle configuration to delete incomplete multipart uploads", whose
	// example waits 7 days); a cross-account writer has no
	// s3:AbortMultipartUpload to clean up after itself.
	rules := []*awss3.LifecycleRule{{
		Id:                                  jsii.String("AbortIncompleteUploads"),
		AbortIncompleteMultipartUploadAfter: awscdk.Duration_Days(jsii.Number(7)),
	}}
	if props.KeepNoncurrentVersions {
		return &rules
	}
	keep := props.NoncurrentVersionExpiration
	if keep == nil {
		keep = awscdk.Duration_Days(jsii.Number(defaultNoncurrentDays))
	}
	rules = append(rules, &awss3.LifecycleRule{
		Id:                          jsii.String("ExpireNoncurrentVersions"),
		NoncurrentVersionExpiration: keep,
		// Once a key's last noncurrent version expires, a lone delete
		// marker remains: S3 removes it when ExpiredObjectDeleteMarker is
		// set (S3 User Guide, "Managing delete markers"), which a rule may
		// do as it sets no expiration in days or by date.
		ExpiredObjectDeleteMarker: jsii.Bool(true),
	})
	return &rules
}

// retain keeps a resource when the stack is deleted or the resource is
// replaced, but not when the stack's first create fails (CloudFormation,
// "DeletionPolicy attribute", RetainExceptOnCreate): a leftover bucket with a
// physical name would block the next deploy. UpdateReplacePolicy has no
// RetainExceptOnCreate, so a replacement keeps the old resource.
func retain(c constructs.IConstruct) {
	r := c.Node().DefaultChild().(awscdk.CfnResource)
	r.ApplyRemovalPolicy(awscdk.RemovalPolicy_RETAIN_ON_UPDATE_OR_DELETE, &awscdk.RemovalPolicyOptions{ApplyToUpdateReplacePolicy: jsii.Bool(false)})
	r.CfnOptions().SetUpdateReplacePolicy(awscdk.CfnDeletionPolicy_RETAIN)
}

// defaultDeploymentRoleArn is the CloudFormation execution role of the
// stack's default CDK bootstrap, as a CloudFormation expression.
func defaultDeploymentRoleArn(stack awscdk.Stack) *string {
	qualifier := "hnb659fds"
	if s, ok := stack.Synthesizer().(awscdk.DefaultStackSynthesizer); ok && s.CloudFormationExecutionRoleArn() != nil {
		// The synthesizer's ARN uses ${AWS::...} placeholders: Fn::Sub
		// resolves them at deploy time, whatever the environment.
		return awscdk.Fn_Sub(s.CloudFormationExecutionRoleArn(), nil)
	}
	if q, ok := stack.Node().TryGetContext(jsii.String("@aws-cdk/core:bootstrapQualifier")).(string); ok && q != "" {
		qualifier = q
	}
	return awscdk.Fn_Sub(jsii.String("arn:${AWS::Partition}:iam::${AWS::AccountId}:role/cdk-"+qualifier+"-cfn-exec-role-${AWS::AccountId}-${AWS::Region}"), nil)
}

func deref(s *string) string {
	if s == nil {
		return "<nil>"
	}
	return *s
}
