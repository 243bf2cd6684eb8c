package matrix

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/privates3/privates3/app/accessmatrix/cfn"
	_ "github.com/privates3/privates3/app/accessmatrix/cfn/cfnsam"  // the SAM template's transform
	_ "github.com/privates3/privates3/app/accessmatrix/cfn/cfnyaml" // the SAM template
	"github.com/privates3/privates3/app/accessmatrix/network"
	"github.com/privates3/privates3/constructs/policy"
)

// The differential test: the matrix's own requests (each function's and
// probe's, to each bucket) with the policies they are judged by, from the
// app's templates and the test templates, are made concrete (every symbol
// replaced by one value, the same everywhere) and judged by policy.Evaluate
// and by an independent evaluator, @cloud-copilot/iam-simulate (npm,
// AGPL-3.0: a test-only devDependency, run by testdata/iam-simulate.mjs in
// one node process, never shipped and never imported by Go code). The
// decisions must agree, but for the known disagreements below, where AWS's
// documentation is on our side. Our "unknown" agrees with anything: it
// claims nothing.

// knownDisagreements are where iam-simulate and AWS's documentation differ,
// each with the document that decides for our answer. Any other
// disagreement fails the test, and so does an entry that no case shows
// any more.
var knownDisagreements = []struct {
	name, doc string
	match     func(c *diffCase, theirs diffAnswer) bool
}{
	{
		name: "iam-simulate exempts from a Deny every principal of an account listed in its NotPrincipal (an IAM user, a role session); we deny each principal not listed itself",
		doc:  `IAM User Guide, "AWS JSON policy elements: NotPrincipal": only the principals listed are exempt: with the account, the role and the session listed, "all principals except the assumed-role user named cross-account-audit-app" are denied`,
		match: func(c *diffCase, theirs diffAnswer) bool {
			return c.ours.Decision == policy.ExplicitDeny && theirs.Result == "Allowed" && c.decidedByNotPrincipal()
		},
	},
	{
		name: "iam-simulate refuses a gateway endpoint policy whose Principal is not \"*\" as invalid input; we judge it as AWS does (an Allow naming a role or an account grants the role nothing)",
		doc:  `AWS PrivateLink guide, "Control access to VPC endpoints using endpoint policies", "Principals for gateway endpoints": "With gateway endpoints, the Principal element must be set to *"; an account there grants "the AWS account root user only"`,
		match: func(c *diffCase, theirs diffAnswer) bool {
			return strings.Contains(theirs.Error, `Principal must be \"*\" in an endpoint policy`) && c.ours.Decision != policy.Allowed
		},
	},
}

// diffSources are the templates of the cases: every test template, the
// app's synthesized snapshot in its full configuration (an admin role, a
// second endpoint, a bucket name, KMS) and templates of matrix_test.go
// that exercise NotPrincipal and gateway endpoint principals.
func diffSources(t *testing.T) []*cfn.Template {
	t.Helper()
	files, err := filepath.Glob(filepath.Join("..", "testdata", "*.template.*"))
	if err != nil {
		t.Fatal(err)
	}
	// The real templates of the corpus (TestCorpus in package main).
	corpus, err := filepath.Glob(filepath.Join("..", "testdata", "corpus", "*.template.*"))
	if err != nil {
		t.Fatal(err)
	}
	files = append(files, corpus...)
	if full := filepath.Join("..", "..", "stack", "testdata", "full.template.json"); fileExists(full) {
		files = append(files, full)
	}
	var out []*cfn.Template
	for _, f := range files {
		tmpl, err := cfn.Load(f)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, tmpl)
	}
	const deny = `{"Sid": "DenyAllBut", "Effect": "Deny", "NotPrincipal": {"AWS": %s}, "Action": "s3:*", "Resource": [{"Fn::GetAtt": ["Data", "Arn"]}, {"Fn::Sub": "${Data.Arn}/*"}]}`
	session := `{"Fn::Sub": "arn:aws:sts::${AWS::AccountId}:assumed-role/${Role}/${Fn.RoleSessionName}"}`
	for i, listed := range []string{
		`{"Fn::Sub": "arn:aws:iam::${AWS::AccountId}:root"}`,
		`[{"Fn::GetAtt": ["Role", "Arn"]}, {"Fn::Sub": "arn:aws:iam::${AWS::AccountId}:root"}]`,
		`[` + session + `, {"Fn::GetAtt": ["Role", "Arn"]}, {"Fn::Sub": "arn:aws:iam::${AWS::AccountId}:root"}]`,
		`"arn:aws:iam::444455556666:root"`,
	} {
		out = append(out, parseInline(t, fmt.Sprintf("notprincipal-%d.json", i), fmt.Sprintf(principalsTemplate, fmt.Sprintf(deny, listed))))
	}
	const put = `"Action": "s3:PutObject", "Resource": {"Fn::Sub": "${Data.Arn}/*"}`
	for i, st := range []string{
		`{"Effect": "Allow", "Principal": "*", ` + put + `, "Condition": {"ArnEquals": {"aws:PrincipalArn": {"Fn::GetAtt": ["Role", "Arn"]}}}}`,
		`{"Effect": "Allow", "Principal": "*", ` + put + `, "Condition": {"ArnEquals": {"aws:PrincipalArn": "arn:aws:iam::444455556666:role/Other"}}}`,
		`{"Sid": "ByRole", "Effect": "Allow", "Principal": {"AWS": {"Fn::GetAtt": ["Role", "Arn"]}}, ` + put + `}`,
		`{"Sid": "ByAccount", "Effect": "Allow", "Principal": {"AWS": {"Ref": "AWS::AccountId"}}, ` + put + `}`,
	} {
		out = append(out, parseInline(t, fmt.Sprintf("gateway-%d.json", i), fmt.Sprintf(gatewayTemplate, st)))
	}
	return out
}

// diffActions are the actions of the cases: every action for the app's
// template, and for the others the golden actions and a spread of the
// rest (versions, ACLs, retention, replication, bucket configuration).
var diffActions = append(append([]string{}, goldenActions...),
	"s3:GetObjectVersion", "s3:PutObjectAcl", "s3:DeleteObjectVersion", "s3:RestoreObject", "s3:AbortMultipartUpload",
	"s3:BypassGovernanceRetention", "s3:ReplicateObject", "s3:GetObjectAttributes",
	"s3:GetBucketLocation", "s3:ListBucketVersions", "s3:PutBucketVersioning", "s3:DeleteBucket", "s3:PutLifecycleConfiguration",
	"s3:PutEncryptionConfiguration", "s3:GetBucketPolicy",
)

func TestDifferentialIAMSimulate(t *testing.T) {
	root := filepath.Join("..", "..", "..")
	node, err := exec.LookPath("node")
	if _, serr := os.Stat(filepath.Join(root, "node_modules", "@cloud-copilot", "iam-simulate")); serr != nil || err != nil {
		msg := "the differential test needs node and node_modules/@cloud-copilot/iam-simulate: run npm ci"
		if os.Getenv("CI") == "true" {
			t.Fatal(msg + " (CI=true: required)")
		}
		t.Skip(msg)
	}
	var cases []*diffCase
	skipped := map[string]int{}
	for _, tmpl := range diffSources(t) {
		actions := diffActions
		if filepath.Base(tmpl.Name) == "cdk-privates3-dev.template.json" {
			actions = DefaultActions
		}
		observe := func(c caller, bk *bucket, req policy.Request, in policy.Input) {
			if c.path.Kind == network.None || c.path.Kind == network.Unknown {
				skipped["no network path to judge"]++
				return
			}
			for _, p := range append(append(slices.Clone(in.Identity), in.Resource...), endpointOf(in)...) {
				if p.Unknown != "" {
					skipped["a policy of unknown content ("+p.Unknown+")"]++
					return
				}
			}
			for _, action := range actions {
				for _, resource := range concreteResources(bk.arn, action, in) {
					dc, why := makeCase(filepath.Base(tmpl.Name), c, req, in, action, resource)
					if dc == nil {
						skipped[why]++
						continue
					}
					cases = append(cases, dc)
				}
			}
		}
		values := map[string]string{"AWS::AccountId": diffAccount, "AWS::Region": diffRegion}
		if _, err := buildWith(Options{Actions: goldenActions[:1], Values: values}, observe, tmpl); err != nil {
			t.Fatalf("%s: %v", tmpl.Name, err)
		}
	}
	answers := runIAMSimulate(t, node, cases)
	agree, unknown, crossAgree := 0, 0, 0
	matched := make([]int, len(knownDisagreements))
	for i, c := range cases {
		theirs := answers[i]
		if c.req.Account != c.req.ResourceAccount && theirs.Error == "" && theirs.decision() == c.ours.Decision {
			crossAgree++
		}
		if c.ours.Decision == policy.Unknown {
			unknown++
			continue
		}
		if theirs.Error == "" && theirs.decision() == c.ours.Decision {
			agree++
			continue
		}
		known := false
		for j, k := range knownDisagreements {
			if k.match(c, theirs) {
				matched[j]++
				known = true
				break
			}
		}
		if !known {
			t.Errorf("%s: policy.Evaluate = %s (%s), iam-simulate = %s\nsimulation: %s", c.name, c.ours.Decision, c.ours.Reason, theirs, c.simJSON())
		}
	}
	for j, k := range knownDisagreements {
		if matched[j] == 0 {
			t.Errorf("known disagreement %q occurs in no case: remove it, or add the case that shows it", k.name)
		}
		t.Logf("known disagreement (%d cases): %s; the documentation: %s", matched[j], k.name, k.doc)
	}
	t.Logf("%d cases: %d agree, %d unknown to us (no claim), %d known disagreements; skipped: %v", len(cases), agree, unknown, sum(matched), skipped)
	// The cross-account probes of the full template (a writer role of
	// another account) give the cases of the cross-account rule.
	t.Logf("%d cross-account cases agree", crossAgree)
	if crossAgree < 50 {
		t.Errorf("only %d cross-account cases agree: the cross-account probes lost their rows", crossAgree)
	}
	if len(cases) < 1000 {
		t.Errorf("only %d cases: the sources lost their rows", len(cases))
	}
}

const (
	diffAccount = "123456789012"
	diffRegion  = "eu-west-1"
)

// diffCase is one concrete request, our answer, and the simulation that
// asks iam-simulate the same.
type diffCase struct {
	name string
	req  policy.Request
	in   policy.Input
	ours policy.Result
	sim  map[string]any
}

func (c *diffCase) simJSON() string {
	b, _ := json.Marshal(c.sim)
	return string(b)
}

// decidedByNotPrincipal: the Deny that decided has a NotPrincipal.
func (c *diffCase) decidedByNotPrincipal() bool {
	for _, p := range c.in.Resource {
		for _, st := range p.Statements {
			if !st.Allow && st.NotPrincipal != nil && c.ours.By == p.Name+" statement "+st.Label() {
				return true
			}
		}
	}
	return false
}

// diffAnswer is iam-simulate's answer to one simulation.
type diffAnswer struct {
	Result  string   `json:"result"`
	Error   string   `json:"error"`
	Ignored []string `json:"ignored"`
}

func (a diffAnswer) decision() policy.Decision {
	return map[string]policy.Decision{"Allowed": policy.Allowed, "ExplicitlyDenied": policy.ExplicitDeny, "ImplicitlyDenied": policy.ImplicitDeny}[a.Result]
}

func (a diffAnswer) String() string {
	if a.Error != "" {
		return "error " + a.Error
	}
	if len(a.Ignored) > 0 {
		return fmt.Sprintf("%s (context keys it ignored: %v)", a.Result, a.Ignored)
	}
	return a.Result
}

func runIAMSimulate(t *testing.T, node string, cases []*diffCase) []diffAnswer {
	t.Helper()
	sims := make([]map[string]any, len(cases))
	for i, c := range cases {
		sims[i] = c.sim
	}
	in, err := json.Marshal(sims)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(node, filepath.Join("testdata", "iam-simulate.mjs"))
	cmd.Stdin = bytes.NewReader(in)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("node testdata/iam-simulate.mjs: %v\n%s", err, stderr.String())
	}
	var answers []diffAnswer
	if err := json.Unmarshal(out, &answers); err != nil || len(answers) != len(cases) {
		t.Fatalf("iam-simulate.mjs answered %d of %d cases (%v)", len(answers), len(cases), err)
	}
	return answers
}

func endpointOf(in policy.Input) []policy.Policy {
	if in.Endpoint == nil {
		return nil
	}
	return []policy.Policy{*in.Endpoint}
}

// concreteResources are the resources to try for an action: the bucket,
// or keys of it: "x", and one for each Allow statement's key pattern under
// the bucket (the keys the matrix itself tries).
func concreteResources(bucketARN, action string, in policy.Input) []string {
	if !isObjectAction(action) {
		return []string{bucketARN}
	}
	out := []string{bucketARN + "/x"}
	for _, p := range append(append(slices.Clone(in.Identity), in.Resource...), endpointOf(in)...) {
		for _, st := range p.Statements {
			for _, pat := range st.Resource {
				if rest, ok := strings.CutPrefix(pat, bucketARN+"/"); ok && st.Allow && rest != "*" && !strings.Contains(rest, "${") {
					key := strings.NewReplacer("*", "x", "?", "x").Replace(rest)
					if !slices.Contains(out, bucketARN+"/"+key) && len(out) < 3 {
						out = append(out, bucketARN+"/"+key)
					}
				}
			}
		}
	}
	return out
}

// makeCase makes a request and its policies concrete, judges it, and
// writes the simulation; nil, and why, when it cannot be made concrete.
func makeCase(template string, c caller, req policy.Request, in policy.Input, action, resource string) (*diffCase, string) {
	cz := concretizer{}
	creq := policy.Request{
		PrincipalARN: cz.s(req.PrincipalARN), Session: cz.s(req.Session), Account: cz.s(req.Account), ResourceAccount: cz.s(req.ResourceAccount),
		Action: action, Resource: cz.s(resource), Context: policy.Context{},
	}
	vars := map[string]any{}
	for k, e := range req.Context {
		var vals []string
		switch {
		case e.Unknown != "":
			continue // absent: one of the values it may have
		case len(e.OneOf) > 0:
			vals = []string{e.OneOf[0]}
		default:
			vals = cz.all(e.Values)
		}
		creq.Context.Set(k, vals...)
		name := contextKeyNames[k]
		if name == "" {
			name = k
		}
		if len(vals) == 1 {
			vars[name] = vals[0]
		} else {
			vars[name] = vals
		}
	}
	cin := policy.Input{}
	for _, g := range in.Distinct {
		cin.Distinct = append(cin.Distinct, cz.all(g))
	}
	for _, p := range in.Identity {
		cin.Identity = append(cin.Identity, cz.policy(p))
	}
	for _, p := range in.Resource {
		cin.Resource = append(cin.Resource, cz.policy(p))
	}
	if in.Endpoint != nil {
		ep := cz.policy(*in.Endpoint)
		cin.Endpoint = &ep
	}
	if cz.variable != "" {
		return nil, "a policy variable (" + cz.variable + "), filled in by iam-simulate but unknown to us"
	}
	principal := creq.PrincipalARN
	if creq.Session != "" {
		principal = creq.Session
	}
	var identity []any
	for i, p := range cin.Identity {
		identity = append(identity, map[string]any{"name": fmt.Sprintf("identity%d", i), "policy": document(p.Statements)})
	}
	account, _ := creq.Context.Get("aws:ResourceAccount")
	sim := map[string]any{
		"request": map[string]any{
			"principal":        principal,
			"action":           action,
			"resource":         map[string]any{"resource": creq.Resource, "accountId": account[0]},
			"contextVariables": vars,
		},
		"identityPolicies":        identity,
		"serviceControlPolicies":  []any{},
		"resourceControlPolicies": []any{},
	}
	if identity == nil {
		sim["identityPolicies"] = []any{}
	}
	if len(cin.Resource) > 0 {
		var sts []policy.Statement
		for _, p := range cin.Resource {
			sts = append(sts, p.Statements...)
		}
		sim["resourcePolicy"] = document(sts)
	}
	if cin.Endpoint != nil {
		sim["vpcEndpointPolicies"] = []any{map[string]any{"name": "endpoint", "policy": document(cin.Endpoint.Statements)}}
	}
	name := fmt.Sprintf("%s: %s %s on %s (path %s)", template, c.name, action, creq.Resource, c.path.Kind)
	return &diffCase{name: name, req: creq, in: cin, ours: policy.Evaluate(creq, cin), sim: sim}, ""
}

// contextKeyNames spell the keys the matrix sets (the Context holds them
// lower-cased) as AWS does.
var contextKeyNames = func() map[string]string {
	m := map[string]string{}
	for _, k := range []string{
		"aws:SecureTransport", "s3:TlsVersion", "s3:signatureversion", "s3:authType", "aws:PrincipalArn", "aws:PrincipalAccount",
		"aws:ResourceAccount", "aws:RequestedRegion", "aws:PrincipalIsAWSService", "aws:ViaAWSService", "aws:CurrentTime",
		"aws:EpochTime", "aws:userid", "aws:PrincipalType", "aws:MultiFactorAuthPresent", "aws:TokenIssueTime",
		"aws:SourceVpce", "aws:SourceVpc", "aws:VpcSourceIp", "aws:SourceIp",
	} {
		m[strings.ToLower(k)] = k
	}
	return m
}()

// concretizer replaces each symbol by one concrete value, the same
// wherever the symbol appears: a pseudo parameter by a value of its kind,
// any other symbol (a generated name, an id, a session name) by its name in
// lower case, which is a valid bucket, role or endpoint name and differs
// from every other symbol's.
type concretizer struct {
	// variable is a policy variable met, which cannot be made concrete.
	variable string
}

func (cz *concretizer) s(v string) string {
	var b strings.Builder
	for {
		i := strings.Index(v, "${")
		if i < 0 {
			b.WriteString(v)
			return b.String()
		}
		end, depth := -1, 0
		for j := i; j < len(v); j++ {
			switch {
			case strings.HasPrefix(v[j:], "${"):
				depth++
				j++
			case v[j] == '}':
				depth--
			}
			if depth == 0 {
				end = j + 1
				break
			}
		}
		if end < 0 {
			b.WriteString(v)
			return b.String()
		}
		b.WriteString(v[:i])
		b.WriteString(cz.value(v[i+2 : end-1]))
		v = v[end:]
	}
}

func (cz *concretizer) value(name string) string {
	switch name {
	case "AWS::AccountId":
		return diffAccount
	case "AWS::Region":
		return diffRegion
	case "AWS::Partition":
		return "aws"
	case "AWS::URLSuffix":
		return "amazonaws.com"
	case "SourceIp":
		return "203.0.113.10"
	case "VpcSourceIp":
		return "10.0.1.10"
	case "CurrentTime", "TokenIssueTime":
		return "2026-01-01T00:00:00Z"
	case "EpochTime":
		return "1767225600"
	}
	if strings.HasPrefix(name, "aws:") || strings.HasPrefix(name, "s3:") {
		cz.variable = "${" + name + "}"
		return "${" + name + "}"
	}
	var b strings.Builder
	for _, r := range strings.ToLower(name) {
		switch {
		case 'a' <= r && r <= 'z', '0' <= r && r <= '9':
			b.WriteRune(r)
		default:
			b.WriteRune('-')
		}
	}
	return strings.Trim(b.String(), "-")
}

func (cz *concretizer) all(vs []string) []string {
	if vs == nil {
		return nil
	}
	out := make([]string, len(vs))
	for i, v := range vs {
		out[i] = cz.s(v)
	}
	return out
}

func (cz *concretizer) principals(p *policy.Principals) *policy.Principals {
	if p == nil {
		return nil
	}
	return &policy.Principals{Any: p.Any, AWS: cz.all(p.AWS), Others: cz.all(p.Others)}
}

func (cz *concretizer) policy(p policy.Policy) policy.Policy {
	out := policy.Policy{Name: p.Name, Unknown: p.Unknown}
	for _, st := range p.Statements {
		st.Principal, st.NotPrincipal = cz.principals(st.Principal), cz.principals(st.NotPrincipal)
		st.Action, st.NotAction = cz.all(st.Action), cz.all(st.NotAction)
		st.Resource, st.NotResource = cz.all(st.Resource), cz.all(st.NotResource)
		conds := make([]policy.Condition, len(st.Conditions))
		for i, c := range st.Conditions {
			c.Values = cz.all(c.Values)
			conds[i] = c
		}
		st.Conditions = conds
		out.Statements = append(out.Statements, st)
	}
	return out
}

// document writes parsed statements back as a policy document.
func document(sts []policy.Statement) map[string]any {
	list := make([]any, 0, len(sts))
	for _, st := range sts {
		m := map[string]any{"Effect": "Deny"}
		if st.Allow {
			m["Effect"] = "Allow"
		}
		if st.Sid != "" {
			m["Sid"] = st.Sid
		}
		if st.Principal != nil {
			m["Principal"] = principalsJSON(st.Principal)
		}
		if st.NotPrincipal != nil {
			m["NotPrincipal"] = principalsJSON(st.NotPrincipal)
		}
		if st.Action != nil {
			m["Action"] = st.Action
		} else {
			m["NotAction"] = st.NotAction
		}
		if st.Resource != nil {
			m["Resource"] = st.Resource
		} else if st.NotResource != nil {
			m["NotResource"] = st.NotResource
		}
		if len(st.Conditions) > 0 {
			cond := map[string]map[string]any{}
			for _, c := range st.Conditions {
				if cond[c.Operator] == nil {
					cond[c.Operator] = map[string]any{}
				}
				cond[c.Operator][c.Key] = c.Values
			}
			m["Condition"] = cond
		}
		list = append(list, m)
	}
	return map[string]any{"Version": "2012-10-17", "Statement": list}
}

func principalsJSON(p *policy.Principals) any {
	if p.Any && len(p.AWS) == 0 && len(p.Others) == 0 {
		return "*"
	}
	m := map[string][]string{}
	if len(p.AWS) > 0 {
		m["AWS"] = p.AWS
	}
	for _, o := range p.Others {
		typ, v, _ := strings.Cut(o, ":")
		m[typ] = append(m[typ], v)
	}
	out := map[string]any{}
	for _, k := range slices.Sorted(maps.Keys(m)) {
		out[k] = m[k]
	}
	return out
}

func parseInline(t *testing.T, name, doc string) *cfn.Template {
	t.Helper()
	tmpl, err := cfn.Parse(name, []byte(doc))
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return tmpl
}

func fileExists(f string) bool {
	_, err := os.Stat(f)
	return err == nil
}

func sum(ns []int) int {
	n := 0
	for _, v := range ns {
		n += v
	}
	return n
}
