// Package matrix builds the access matrix: for every Lambda function and
// every S3 bucket in a set of CloudFormation templates, and for each chosen
// S3 action, the network path the request takes and the decision AWS's
// policy evaluation reaches, with a reason. It also checks the matrix
// against expectations (the app's invariants) and renders it as a table or
// JSON.
//
// Besides the functions, three probe principals (named with a leading "@",
// which no logical id can have) answer the questions a private bucket
// design must answer: can an administrator outside the VPC (the console)
// reach the objects, is the deployment role locked out of managing the
// bucket, and is plain HTTP refused even through the endpoint.
package matrix

import (
	"fmt"
	"path/filepath"
	"regexp"
	"strings"
	"sync"

	"github.com/privates3/privates3/app/accessmatrix/cfn"
	"github.com/privates3/privates3/app/accessmatrix/network"
	"github.com/privates3/privates3/constructs/policy"
	"github.com/privates3/privates3/constructs/s3actions"
)

// Decision values of Row.Decision.
const (
	Allowed      = string(policy.Allowed)
	ExplicitDeny = string(policy.ExplicitDeny)
	ImplicitDeny = string(policy.ImplicitDeny)
	// Unknown: neither allowed nor refused can be proven from the
	// templates; the reason names the value that could not be known.
	Unknown = string(policy.Unknown)
	// Unreachable: the path is "none", so no request reaches S3.
	Unreachable = "unreachable"
)

// Probe principal names, as they appear in Row.Function.
const (
	// ProbeConsole is an administrator of the account calling from outside
	// any VPC over TLS, as the console and a laptop do.
	ProbeConsole = "@console"
	// ProbeDeployer is the CDK CloudFormation execution role (bootstrap
	// qualifier from the template, default hnb659fds) with administrator
	// rights, calling from outside any VPC.
	ProbeDeployer = "@deployer"
	// ProbePlaintext is an administrator calling through each S3 gateway
	// endpoint (or the internet when there is none) without TLS.
	ProbePlaintext = "@plaintext"
	// ProbeSigV2 is an administrator calling through each S3 gateway
	// endpoint (or the internet when there is none) over TLS, signing with
	// Signature Version 2: s3:signatureversion is "AWS", where the SDKs'
	// Signature Version 4 is "AWS4-HMAC-SHA256" (S3 API Reference, "Amazon
	// S3 Signature Version 4 Authentication Specific Policy Keys"). S3
	// already refuses Signature Version 2 on buckets created after 24 June
	// 2020; the row shows what the bucket policy alone says.
	ProbeSigV2 = "@sigv2"
)

// DefaultActions are every S3 action that S3's Service Authorization
// Reference (package s3actions) gives the resource type bucket or object,
// sorted by name: each is evaluated on the bucket's ARN or on its
// objects'. The actions that take only "*" (s3:ListAllMyBuckets) or only
// other resources (access points, batch jobs, Storage Lens) are not about
// one bucket, and are left out.
var DefaultActions = defaultActions()

func defaultActions() []string {
	var out []string
	for _, a := range s3actions.All() {
		if a.Takes("bucket") || a.Takes("object") {
			out = append(out, a.Name)
		}
	}
	return out
}

// Row is one cell of the matrix. The JSON form is the command's output
// contract.
type Row struct {
	// Template is the base name of the function's template (the bucket's
	// for probes).
	Template string `json:"template"`
	// Function is the function's logical id, or a probe name.
	Function string `json:"function"`
	// Bucket is the bucket's logical id.
	Bucket string `json:"bucket"`
	// BucketTemplate is the base name of the bucket's template when it is
	// not Template: a function's rows on the buckets of another of the
	// templates given together. Logical ids are local to a template, so
	// Storage6B64FB91 of two templates is two buckets.
	BucketTemplate string `json:"bucketTemplate,omitempty"`
	Action         string `json:"action"`
	// Resource is the ARN the action was evaluated on: the bucket's for a
	// bucket-level action, the bucket's followed by "/*" ("some key") for
	// an object-level one (see s3actions).
	Resource string `json:"resource"`
	// Path is internet, vpc-endpoint, nat, none or unknown.
	Path string `json:"path"`
	// Endpoint is the S3 gateway endpoint's logical id when Path is
	// vpc-endpoint.
	Endpoint string `json:"endpoint"`
	// Decision is allowed, explicit-deny, implicit-deny, unknown or
	// unreachable.
	Decision string `json:"decision"`
	// Reason names the deciding statement or the missing route, followed
	// by the path explanation.
	Reason string `json:"reason"`

	// DecisionReason and PathReason are Reason's two parts, kept apart so
	// the table prints each path once.
	DecisionReason string `json:"-"`
	PathReason     string `json:"-"`
	// DecidedBy names the deciding statements of an allowed or
	// explicit-deny row, without their conditions (policy.Result.By).
	DecidedBy string `json:"-"`
}

// Options tune Build.
type Options struct {
	// Actions to evaluate; DefaultActions (every S3 action on a bucket or
	// an object) when empty.
	Actions []string
	// NoProbes leaves out the @console, @deployer, @plaintext and @sigv2
	// rows (and the cross-account probes).
	NoProbes bool
	// Values replace symbols, e.g. {"AWS::Region": "eu-west-1"}; see
	// cfn.Options.
	Values map[string]string
	// Qualifier is the CDK bootstrap qualifier of the @deployer role; by
	// default it is read from the BootstrapVersion parameter, else
	// hnb659fds.
	Qualifier string
	// External describes the network defined outside the templates (an
	// existing VPC's subnets, a reused endpoint), for the network paths.
	External network.External
}

// DefaultPartition is the partition taken when Values gives none: the
// standard one. Hand-written templates spell ARNs "arn:aws:s3:::" + name;
// with the partition left a symbol they would never match the bucket's own
// ARN, and a Deny spelled that way would be skipped.
const DefaultPartition = "aws"

// Assumptions lists the values Build takes because opts does not give
// them, for the output to say.
func Assumptions(opts Options) []string {
	var out []string
	if _, ok := opts.Values["AWS::Partition"]; !ok {
		out = append(out, "AWS::Partition="+DefaultPartition+" (the standard partition; give another with --set AWS::Partition=aws-cn or aws-us-gov)")
	}
	return out
}

// withDefaults adds the assumed values to the caller's, without changing
// the caller's map.
func withDefaults(values map[string]string) map[string]string {
	out := map[string]string{"AWS::Partition": DefaultPartition}
	for k, v := range values {
		out[k] = v
	}
	return out
}

// Build computes the matrix of the templates with default options.
func Build(templates ...*cfn.Template) ([]Row, error) {
	return BuildWith(Options{}, templates...)
}

type builder struct {
	opts    Options
	r       *cfn.Resolver
	net     *network.Network
	roles   []*role
	buckets []*bucket
	// distinct are the groups of pairwise different ids (policy.Input's
	// Distinct): the buckets' names, and each template's endpoint ids,
	// VPC ids, role names and role unique ids.
	distinct [][]string
	// object tells, for each of opts.Actions, whether it acts on an
	// object (else on the bucket).
	object []bool
	// observe, when set, is shown each caller's request to each bucket
	// and the policies it is judged by (the differential test).
	observe func(caller, *bucket, policy.Request, policy.Input)
	// out collects the rows.
	out []Row
}

type bucket struct {
	t        *cfn.Template
	res      *cfn.Resource
	arn      string
	policies []policy.Policy
	// key is the bucket's default KMS key, nil without SSE-KMS.
	key *bucketKey
}

// BuildWith computes the matrix of the templates.
func BuildWith(opts Options, templates ...*cfn.Template) ([]Row, error) {
	return buildWith(opts, nil, templates...)
}

func buildWith(opts Options, observe func(caller, *bucket, policy.Request, policy.Input), templates ...*cfn.Template) ([]Row, error) {
	if len(opts.Actions) == 0 {
		opts.Actions = DefaultActions
	}
	for _, a := range opts.Actions {
		if err := checkAction(a); err != nil {
			return nil, err
		}
	}
	r, err := cfn.NewResolver(cfn.Options{Values: withDefaults(opts.Values)}, templates...)
	if err != nil {
		return nil, err
	}
	b := &builder{opts: opts, r: r, object: make([]bool, len(opts.Actions)), observe: observe}
	for i, a := range opts.Actions {
		b.object[i] = isObjectAction(a)
	}
	if b.net, err = network.New(r, opts.External); err != nil {
		return nil, err
	}
	for _, ep := range b.net.Endpoints() {
		if ep.Policy == nil {
			continue
		}
		if _, err := policy.Parse("endpoint policy", ep.Policy); err != nil {
			return nil, &cfn.Error{File: ep.Template.Name, Resource: ep.Resource.LogicalID, Property: "PolicyDocument", Err: err}
		}
	}
	if err := b.loadRoles(); err != nil {
		return nil, err
	}
	if err := b.loadBuckets(); err != nil {
		return nil, err
	}
	// Room for every row at once: one per caller, bucket and action.
	n := 0
	for _, t := range templates {
		n += len(t.ResourcesOfType("AWS::Lambda::Function")) * len(b.buckets)
	}
	for _, bk := range b.buckets {
		n += 2 + max(len(b.probeEndpoints(bk.t)), 1)
	}
	b.out = make([]Row, 0, n*len(opts.Actions))
	for _, t := range templates {
		for _, fn := range t.ResourcesOfType("AWS::Lambda::Function") {
			ok, err := r.Exists(t, fn)
			if err != nil {
				return nil, err
			}
			if !ok {
				continue
			}
			if err := b.functionRows(t, fn); err != nil {
				return nil, err
			}
		}
	}
	if !opts.NoProbes {
		b.probeRows()
	}
	return b.out, nil
}

func (b *builder) loadBuckets() error {
	buckets, err := b.created("AWS::S3::Bucket")
	if err != nil {
		return err
	}
	policies, err := b.created("AWS::S3::BucketPolicy")
	if err != nil {
		return err
	}
	names := make([]string, len(buckets))
	for i, c := range buckets {
		arn, name, err := b.arnAndName(c)
		if err != nil {
			return err
		}
		names[i] = name
		bk := &bucket{t: c.t, res: c.res, arn: arn}
		if bk.key, err = b.defaultKey(c); err != nil {
			return err
		}
		if acl, err := b.aclsEnabled(c); err != nil {
			return err
		} else if acl != "" {
			ignore, err := b.ignoresPublicACLs(c)
			if err != nil {
				return err
			}
			if ignore {
				acl += "; IgnorePublicAcls is true, so only their grants to accounts count, and those allow no role of the bucket's own account by themselves (S3 User Guide, \"Access control list (ACL) overview\"; \"Blocking public access to your Amazon S3 storage\")"
			}
			bk.policies = append(bk.policies, policy.Policy{Name: "the access control lists of bucket " + c.res.LogicalID + " and its objects", Unknown: acl, GrantsOnly: true, AccountsOnly: ignore})
		}
		b.buckets = append(b.buckets, bk)
	}
	b.distinct = [][]string{names}
	for _, t := range b.r.Templates() {
		groups, err := b.templateIDs(t)
		if err != nil {
			return err
		}
		b.distinct = append(b.distinct, groups...)
	}
	for _, pc := range policies {
		if err := b.attach(pc, names); err != nil {
			return err
		}
	}
	return nil
}

// templateIDs are the ids of t's resources that t itself tells apart:
// different resources of one type in one template are different
// resources, and AWS gives each its own id (Amazon EC2 User Guide,
// "Resource IDs"; IAM API Reference, CreateRole, RoleName; IAM User Guide,
// "IAM identifiers", Unique identifiers). Each group holds one spelling
// per resource: its Ref, and for a role its RoleId too, as the policies
// read them.
func (b *builder) templateIDs(t *cfn.Template) ([][]string, error) {
	var out [][]string
	for _, typ := range []string{"AWS::EC2::VPCEndpoint", "AWS::EC2::VPC", "AWS::IAM::Role"} {
		var refs, ids []string
		for _, res := range t.ResourcesOfType(typ) {
			ok, err := b.r.Exists(t, res)
			if err != nil {
				return nil, err
			}
			if !ok {
				continue
			}
			v, err := b.r.Ref(t, res.LogicalID)
			if err != nil {
				return nil, err
			}
			refs = append(refs, fmt.Sprint(v))
			if typ == "AWS::IAM::Role" {
				id, err := b.r.Resolve(t, map[string]any{"Fn::GetAtt": []any{res.LogicalID, "RoleId"}})
				if err != nil {
					return nil, err
				}
				ids = append(ids, fmt.Sprint(id))
			}
		}
		out = append(out, refs)
		if ids != nil {
			out = append(out, ids)
		}
	}
	return out, nil
}

// aclsEnabled says why the bucket's access control lists may grant access,
// or "" when they cannot. ACLs are off when Object Ownership is
// BucketOwnerEnforced, the default for a new bucket: "Bucket owner
// enforced (default) – ACLs are disabled ... ACLs no longer affect
// permissions to data in the S3 bucket" (S3 User Guide, "Controlling
// ownership of objects and disabling ACLs for your bucket"). Otherwise an
// ACL, set on the bucket or on any object outside the templates, may grant
// anyone, another account included; it never denies.
func (b *builder) aclsEnabled(c placed) (string, error) {
	v, ok, err := b.r.Property(c.t, c.res, "OwnershipControls")
	if err != nil || !ok {
		return "", err
	}
	m, _ := v.(map[string]any)
	rules, _ := m["Rules"].([]any)
	setting := ""
	for _, r := range rules {
		o, _ := r.(map[string]any)
		s, _ := cfn.String(o["ObjectOwnership"])
		if s == "BucketOwnerEnforced" {
			return "", nil
		}
		if setting == "" {
			setting = s
		}
	}
	why := "Object Ownership is " + setting + ", so ACLs grant access"
	switch {
	case setting == "":
		// A shape the resolver cannot read (an import, a condition)
		// may hold any setting.
		why = "OwnershipControls is not a list of rules with a literal ObjectOwnership, so ACLs may be enabled"
	case cfn.IsSymbolic(setting):
		why = "Object Ownership is " + setting + ", which may enable ACLs"
	}
	return why + ", and ACLs are not in the templates (S3 User Guide, \"Controlling ownership of objects and disabling ACLs for your bucket\")", nil
}

// ignoresPublicACLs tells whether the bucket's Block Public Access
// setting IgnorePublicAcls is literally true. An ACL "defines which AWS
// accounts or groups are granted access" (S3 User Guide, "Access control
// list (ACL) overview"): a grantee is an account (a canonical user id or
// an email address) or one of S3's predefined groups, never an IAM role
// or user. The groups AllUsers and AuthenticatedUsers are public, and
// IgnorePublicAcls "causes Amazon S3 to ignore all public ACLs on a
// bucket and any objects that it contains" (S3 User Guide, "Blocking
// public access to your Amazon S3 storage"), leaving only grants to
// accounts. (The Log Delivery group is S3's own log delivery, no caller
// of the matrix.) An account-level setting outside the templates can only
// add to this.
func (b *builder) ignoresPublicACLs(c placed) (bool, error) {
	v, ok, err := b.r.Property(c.t, c.res, "PublicAccessBlockConfiguration")
	if err != nil || !ok {
		return false, err
	}
	m, _ := v.(map[string]any)
	s, _ := cfn.String(m["IgnorePublicAcls"])
	return s == "true", nil
}

// attach gives a bucket policy to the buckets it may be for. It names its
// bucket by name (Ref) or, in hand-written templates, by the literal name.
// A name that is provably one bucket's is no other's: bucket names are
// globally unique. A name that only may be a bucket's (a literal against a
// generated name) makes the policy's content possible there, so it counts
// as unknown.
func (b *builder) attach(pc placed, names []string) error {
	v, _, err := b.r.Property(pc.t, pc.res, "Bucket")
	if err != nil {
		return err
	}
	target, _ := cfn.String(v)
	truths := make([]policy.Truth, len(names))
	proven := false
	for i, n := range names {
		truths[i] = policy.Equal(target, n)
		proven = proven || truths[i] == policy.Yes
	}
	name := "bucket policy " + pc.res.LogicalID
	for i, bk := range b.buckets {
		switch {
		case truths[i] == policy.Yes:
			p, err := b.policyProperty(pc.t, pc.res, "PolicyDocument", name)
			if err != nil {
				return err
			}
			bk.policies = append(bk.policies, *p)
		case truths[i] == policy.Maybe && !proven:
			bk.policies = append(bk.policies, policy.Policy{Name: name, Unknown: fmt.Sprintf("it is for bucket %s, which may or may not be %s", target, names[i])})
		}
	}
	return nil
}

// placed is a resource and the template that holds it.
type placed struct {
	t   *cfn.Template
	res *cfn.Resource
}

// created returns the resources of a type that the templates create (their
// Condition, if any, holds), in template order.
func (b *builder) created(typ string) ([]placed, error) {
	var out []placed
	for _, t := range b.r.Templates() {
		for _, res := range t.ResourcesOfType(typ) {
			ok, err := b.r.Exists(t, res)
			if err != nil {
				return nil, err
			}
			if ok {
				out = append(out, placed{t, res})
			}
		}
	}
	return out, nil
}

// arnAndName resolves a resource's Arn attribute and its Ref.
func (b *builder) arnAndName(c placed) (arn, name string, err error) {
	a, err := b.r.Resolve(c.t, map[string]any{"Fn::GetAtt": []any{c.res.LogicalID, "Arn"}})
	if err != nil {
		return "", "", err
	}
	n, err := b.r.Ref(c.t, c.res.LogicalID)
	if err != nil {
		return "", "", err
	}
	return fmt.Sprint(a), fmt.Sprint(n), nil
}

// caller is whoever sends the requests of one group of rows.
type caller struct {
	// t is the template of the function, or of the bucket for a probe.
	t        *cfn.Template
	template string
	name     string
	arn      string
	identity []policy.Policy
	// session is the assumed-role session the caller signs as, empty for
	// an IAM user.
	session string
	path    network.Path
	tls     bool
	// sigV2 signs with Signature Version 2 (s3:signatureversion "AWS")
	// instead of the SDKs' Signature Version 4.
	sigV2 bool
}

func (b *builder) functionRows(t *cfn.Template, fn *cfn.Resource) error {
	path, err := b.net.FunctionPath(t, fn)
	if err != nil {
		return err
	}
	rv, _, err := b.r.Property(t, fn, "Role")
	if err != nil {
		return err
	}
	arn, ok := cfn.String(rv)
	if !ok {
		return &cfn.Error{File: t.Name, Resource: fn.LogicalID, Property: "Role", Err: fmt.Errorf("must resolve to a role ARN")}
	}
	// The function signs its requests as a session of its execution role;
	// the session's name is Lambda's choice, unknown here.
	c := caller{t: t, template: filepath.Base(t.Name), name: fn.LogicalID, arn: arn, session: sessionARN(arn, b.r.LocalSymbol(t, fn.LogicalID, sessionSuffix)), path: path, tls: true}
	if ro := b.roleByARN(arn); ro != nil {
		c.identity = ro.policies
	} else {
		c.identity = []policy.Policy{{Name: "the policies of role " + arn, Unknown: "the role is not in the templates"}}
	}
	for _, bk := range b.buckets {
		b.rows(c, bk)
	}
	return nil
}

func (b *builder) pseudo(t *cfn.Template, name string) string {
	v, err := b.r.Ref(t, name)
	if err != nil {
		return cfn.Symbol(name)
	}
	return fmt.Sprint(v)
}

func (b *builder) probeRows() {
	for _, bk := range b.buckets {
		t := bk.t
		part, acct, region := b.pseudo(t, "AWS::Partition"), b.pseudo(t, "AWS::AccountId"), b.pseudo(t, "AWS::Region")
		base := "arn:" + part + ":iam::" + acct + ":"
		admin := []policy.Policy{administrator}
		tmpl := filepath.Base(t.Name)
		outside := network.Path{Kind: network.Internet, Reason: "outside any VPC (probe)"}
		b.rows(caller{t: t, template: tmpl, name: ProbeConsole, arn: base + "user/console-admin", identity: admin, path: outside, tls: true}, bk)
		q := b.qualifier(t)
		deployer := base + "role/cdk-" + q + "-cfn-exec-role-" + acct + "-" + region
		b.rows(caller{t: t, template: tmpl, name: ProbeDeployer, arn: deployer, session: sessionARN(deployer, cfn.Symbol("Deployer"+sessionSuffix)), identity: admin, path: network.Path{Kind: network.Internet, Reason: "CloudFormation execution role " + deployer + " (probe)"}, tls: true}, bk)
		plainRole := base + "role/plaintext-admin"
		plain := caller{t: t, template: tmpl, name: ProbePlaintext, arn: plainRole, session: sessionARN(plainRole, cfn.Symbol("Plaintext"+sessionSuffix)), identity: admin, tls: false}
		b.endpointProbeRows(plain, bk, "plain HTTP")
		sigV2Role := base + "role/sigv2-admin"
		b.endpointProbeRows(caller{t: t, template: tmpl, name: ProbeSigV2, arn: sigV2Role, session: sessionARN(sigV2Role, cfn.Symbol("SigV2"+sessionSuffix)), identity: admin, tls: true, sigV2: true}, bk, "Signature Version 2")
		b.crossAccountRows(bk)
	}
}

// endpointProbeRows evaluates c's rows on bk through each endpoint
// probeEndpoints gives, or from outside any VPC when there is none: the
// private path, where only the way the request is sent (how, its reasons'
// words) may be refused.
func (b *builder) endpointProbeRows(c caller, bk *bucket, how string) {
	eps := b.probeEndpoints(c.t)
	if len(eps) == 0 {
		c.path = network.Path{Kind: network.Internet, Reason: how + " from outside any VPC (probe; no S3 gateway endpoint in the templates)"}
		b.rows(c, bk)
	}
	for _, ep := range eps {
		c.path = network.Path{Kind: network.VPCEndpoint, Endpoint: ep, Reason: how + " through S3 gateway endpoint " + ep.Resource.LogicalID + " (probe)"}
		b.rows(c, bk)
	}
}

// probeEndpoints are the S3 gateway endpoints @plaintext and @sigv2 try for the
// buckets of t: t's own, and those the caller described outside the
// templates (they are no other template's). Another template's endpoint
// is another environment's network.
func (b *builder) probeEndpoints(t *cfn.Template) []*network.Endpoint {
	var out []*network.Endpoint
	for _, ep := range b.net.Endpoints() {
		if ep.External || ep.Template == t {
			out = append(out, ep)
		}
	}
	return out
}

var qualifierRE = regexp.MustCompile(`^/cdk-bootstrap/([^/]+)/version$`)

func (b *builder) qualifier(t *cfn.Template) string {
	if b.opts.Qualifier != "" {
		return b.opts.Qualifier
	}
	if p, ok := t.Parameters["BootstrapVersion"]; ok {
		if s, ok := p.Default.(string); ok {
			if m := qualifierRE.FindStringSubmatch(s); m != nil {
				return m[1]
			}
		}
	}
	return "hnb659fds"
}

// rows evaluates every action of one caller on one bucket, into b.out.
func (b *builder) rows(c caller, bk *bucket) {
	// The request context and the policies do not depend on the action,
	// nor does most of each statement's judgement: prepared once per
	// caller, bucket, resource (the bucket, or some key of it) and choice
	// of the caller's request values (see chooser).
	req, in := b.request(c, bk), b.input(c, bk)
	if b.observe != nil {
		b.observe(c, bk, req, in)
	}
	var fixed []string
	if !c.tls {
		fixed = append(fixed, transportKeys...)
	}
	if c.sigV2 {
		fixed = append(fixed, signatureKey)
	}
	choose := newChooser(c.path, req, in, fixed)
	endpoint := ""
	if c.path.Endpoint != nil {
		endpoint = c.path.Endpoint.Resource.LogicalID
	}
	bucketTemplate := ""
	if c.t != bk.t {
		bucketTemplate = filepath.Base(bk.t.Name)
	}
	pathReason := c.path.Reason
	if c.path.Doubt != "" {
		pathReason += "; but the request may not leave: " + c.path.Doubt
	}
	var kms *policy.Prepared
	for i, action := range b.opts.Actions {
		row := Row{
			Template: c.template, Function: c.name, Bucket: bk.res.LogicalID, BucketTemplate: bucketTemplate, Action: action,
			Resource: bk.arn, Path: string(c.path.Kind), Endpoint: endpoint, PathReason: pathReason,
		}
		level := 0
		if b.object[i] {
			level = 1
			row.Resource += "/*"
		}
		kmsAction := kmsActions[strings.ToLower(action)]
		row.Decision, row.DecisionReason, row.DecidedBy = choose.decide(action, row.Resource, level, kmsAction != "")
		if kmsAction != "" && bk.key != nil {
			if kms == nil {
				kms = policy.Prepare(b.kmsRequest(c, bk), policy.Input{Identity: c.identity, Resource: []policy.Policy{bk.key.policy}, KeyPolicy: true, Origin: b.origin})
			}
			row.Decision, row.DecisionReason, row.DecidedBy = withKey(row.Decision, row.DecisionReason, row.DecidedBy, action, bk.key, b.kmsResult(c, bk, kms, kmsAction))
		}
		row.Reason = row.DecisionReason + "; path: " + row.PathReason
		b.out = append(b.out, row)
	}
}

// decide is the row's decision: the path's first. A path in doubt (a
// security group that may drop the packets) cannot prove an allow; a
// refusal stands, since the request is refused whether it leaves or not.
func decide(path network.Path, p *policy.Prepared, action string) (decision, reason, by string) {
	switch path.Kind {
	case network.None:
		return Unreachable, "no network path to S3", ""
	case network.Unknown:
		return Unknown, "the network path is not known, so neither allowed nor refused can be proven", ""
	}
	res := p.Evaluate(action)
	if res.Decision == policy.Allowed && path.Doubt != "" {
		return Unknown, res.Reason + " if the request reaches S3, which is unknown: " + path.Doubt, ""
	}
	return string(res.Decision), res.Reason, res.By
}

func (b *builder) input(c caller, bk *bucket) policy.Input {
	in := policy.Input{Identity: c.identity, Resource: bk.policies, Origin: b.origin, Distinct: b.distinct}
	ep := c.path.Endpoint
	if ep == nil {
		return in
	}
	name := "endpoint policy of " + ep.Resource.LogicalID
	switch {
	case ep.Policy == nil && ep.External:
		in.Endpoint = &policy.Policy{Name: name, Unknown: "the endpoint is outside the templates and its policy was not given"}
	case ep.Policy == nil:
		// "If you do not attach a policy when you create an endpoint, we
		// attach a default policy for you that allows full access to the
		// service" (AWS PrivateLink guide, endpoint policies).
		in.Endpoint = &policy.Policy{Name: "default (full access) " + name, Statements: []policy.Statement{{Allow: true, Principal: &policy.Principals{Any: true}, Action: []string{"*"}, Resource: []string{"*"}, HasResource: true}}}
	default:
		p, err := policy.Parse(name, ep.Policy)
		if err != nil {
			// Parse errors are reported by BuildWith before any row.
			p = policy.Policy{Name: name}
		}
		in.Endpoint = &p
	}
	return in
}

// objectActions maps each S3 action, lower-cased, to whether it takes an
// object (else a bucket or another resource).
var objectActions = sync.OnceValue(func() map[string]bool {
	m := map[string]bool{}
	for _, a := range s3actions.All() {
		m[strings.ToLower(a.Name)] = a.Takes("object")
	}
	return m
})

// isObjectAction tells object-level actions (resource bucket/key) from
// bucket-level ones (resource bucket), by the resource types S3's Service
// Authorization Reference gives each action (package s3actions); Build
// takes no action that reference does not list.
func isObjectAction(action string) bool {
	return objectActions()[strings.ToLower(action)]
}
