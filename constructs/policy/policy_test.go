package policy

import (
	"encoding/json"
	"strings"
	"testing"
)

const (
	roleARN = "arn:aws:iam::111122223333:role/Uploader"
	account = "111122223333"
	bucket  = "arn:aws:s3:::amzn-s3-demo-bucket"
)

func mustParse(t *testing.T, name, doc string) Policy {
	t.Helper()
	var v any
	if err := json.Unmarshal([]byte(doc), &v); err != nil {
		t.Fatalf("bad test JSON %s: %v", name, err)
	}
	p, err := Parse(name, v)
	if err != nil {
		t.Fatalf("Parse(%s) error: %v", name, err)
	}
	return p
}

func ctx(kv ...string) Context {
	c := Context{}
	for i := 0; i+1 < len(kv); i += 2 {
		c.Set(kv[i], strings.Split(kv[i+1], "|")...)
	}
	return c
}

// Bucket policies from "Controlling access from VPC endpoints with bucket
// policies" (docs.aws.amazon.com/AmazonS3/latest/userguide/
// example-bucket-policies-vpc-endpoint.html).
const (
	restrictToVPCE = `{"Version":"2012-10-17","Id":"Policy1415115909152","Statement":[{
		"Sid":"Access-to-specific-VPCE-only","Principal":"*","Action":"s3:*","Effect":"Deny",
		"Resource":["arn:aws:s3:::amzn-s3-demo-bucket","arn:aws:s3:::amzn-s3-demo-bucket/*"],
		"Condition":{"StringNotEquals":{"aws:SourceVpce":"vpce-1a2b3c4d"}}}]}`
	restrictToVPC = `{"Version":"2012-10-17","Id":"Policy1415115909153","Statement":[{
		"Sid":"Access-to-specific-VPC-only","Principal":"*","Action":"s3:*","Effect":"Deny",
		"Resource":["arn:aws:s3:::amzn-s3-demo-bucket","arn:aws:s3:::amzn-s3-demo-bucket/*"],
		"Condition":{"StringNotEquals":{"aws:SourceVpc":"vpc-111bbb22"}}}]}`
	// "Managing access ... aws:SecureTransport" from "Examples of Amazon S3
	// bucket policies" (example-bucket-policies.html#example-bucket-policies-HTTP-HTTPS).
	denyHTTP = `{"Version":"2012-10-17","Statement":[{"Sid":"RestrictToTLSRequestsOnly","Action":"s3:*","Effect":"Deny",
		"Resource":["arn:aws:s3:::amzn-s3-demo-bucket","arn:aws:s3:::amzn-s3-demo-bucket/*"],
		"Condition":{"Bool":{"aws:SecureTransport":"false"}},"Principal":"*"}]}`
	// Identity policy granting object access, in the style of "Allowing an
	// IAM user access to one of your buckets" (example-policies-s3.html).
	objectRW = `{"Version":"2012-10-17","Statement":[
		{"Effect":"Allow","Action":["s3:PutObject","s3:GetObject"],"Resource":"arn:aws:s3:::amzn-s3-demo-bucket/*"},
		{"Effect":"Allow","Action":"s3:ListBucket","Resource":"arn:aws:s3:::amzn-s3-demo-bucket"}]}`
	// Endpoint policy "Restrict access to a specific bucket" from "Control
	// access to VPC endpoints using endpoint policies" (AWS PrivateLink
	// guide, vpc-endpoints-s3.html#vpc-endpoints-policies-s3).
	endpointOneBucket = `{"Statement":[{"Sid":"Access-to-specific-bucket-only","Principal":"*",
		"Action":["s3:GetObject","s3:PutObject"],"Effect":"Allow",
		"Resource":["arn:aws:s3:::amzn-s3-demo-bucket","arn:aws:s3:::amzn-s3-demo-bucket/*"]}]}`
	// The lock-out exception of the IAM docs' NotPrincipal warning turned
	// into the recommended aws:PrincipalArn form ("AWS global condition
	// context keys", aws:PrincipalArn).
	denyExceptAdmin = `{"Statement":[{"Sid":"DenyAllButAdmin","Effect":"Deny","Principal":"*","Action":"s3:PutBucketPolicy",
		"Resource":"arn:aws:s3:::amzn-s3-demo-bucket",
		"Condition":{"ArnNotLike":{"aws:PrincipalArn":"arn:aws:iam::111122223333:role/Admin*"}}}]}`
	// Bucket policy granting the role directly: a same-account resource
	// policy allow suffices without an identity policy ("Policy evaluation
	// logic": "Requests within a single account").
	grantRole = `{"Statement":[{"Sid":"GrantUploader","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:role/Uploader"},
		"Action":"s3:PutObject","Resource":"arn:aws:s3:::amzn-s3-demo-bucket/*"}]}`
	grantAccount = `{"Statement":[{"Sid":"GrantAccount","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:root"},
		"Action":"s3:PutObject","Resource":"arn:aws:s3:::amzn-s3-demo-bucket/*"}]}`
	prefixOnly = `{"Statement":[{"Effect":"Allow","Action":"s3:PutObject","Resource":"arn:aws:s3:::amzn-s3-demo-bucket/uploads/*"}]}`
	denySecret = `{"Statement":[{"Sid":"NoSecrets","Effect":"Deny","Action":"s3:*","Resource":"arn:aws:s3:::amzn-s3-demo-bucket/secret/*"}]}`
	notAction  = `{"Statement":[{"Sid":"DenyAllButRead","Effect":"Deny","NotAction":["s3:Get*","s3:List*"],"Resource":"*"}]}`
)

func TestEvaluate(t *testing.T) {
	viaVPCE := ctx("aws:SourceVpce", "vpce-1a2b3c4d", "aws:SourceVpc", "vpc-111bbb22", "aws:SecureTransport", "true", "aws:PrincipalArn", roleARN)
	viaInternet := ctx("aws:SecureTransport", "true", "aws:PrincipalArn", roleARN, "aws:SourceIp", "203.0.113.7")
	plain := ctx("aws:SourceVpce", "vpce-1a2b3c4d", "aws:SecureTransport", "false", "aws:PrincipalArn", roleARN)
	admin := ctx("aws:PrincipalArn", "arn:aws:iam::111122223333:role/AdminOps")

	tests := []struct {
		name     string
		action   string
		resource string
		ctx      Context
		identity []string
		bucket   []string
		endpoint string
		want     Decision
		wantSid  string
	}{
		{"vpce policy denies the internet", "s3:PutObject", bucket + "/*", viaInternet, []string{objectRW}, []string{restrictToVPCE}, "", ExplicitDeny, "Access-to-specific-VPCE-only"},
		{"vpce policy allows through the endpoint", "s3:PutObject", bucket + "/*", viaVPCE, []string{objectRW}, []string{restrictToVPCE}, "", Allowed, ""},
		{"vpc policy denies the internet", "s3:GetObject", bucket + "/*", viaInternet, []string{objectRW}, []string{restrictToVPC}, "", ExplicitDeny, "Access-to-specific-VPC-only"},
		{"vpc policy allows through the vpc", "s3:ListBucket", bucket, viaVPCE, []string{objectRW}, []string{restrictToVPC}, "", Allowed, ""},
		{"explicit deny wins over allow", "s3:GetObject", bucket + "/*", plain, []string{objectRW}, []string{denyHTTP}, "", ExplicitDeny, "RestrictToTLSRequestsOnly"},
		{"no allow is implicit deny", "s3:DeleteObject", bucket + "/*", viaVPCE, []string{objectRW}, []string{restrictToVPCE}, "", ImplicitDeny, ""},
		{"endpoint policy must allow too", "s3:ListBucket", bucket, viaVPCE, []string{objectRW}, nil, endpointOneBucket, ImplicitDeny, ""},
		{"endpoint policy allows", "s3:PutObject", bucket + "/*", viaVPCE, []string{objectRW}, nil, endpointOneBucket, Allowed, ""},
		{"bucket policy grant to the role suffices", "s3:PutObject", bucket + "/*", viaInternet, nil, []string{grantRole}, "", Allowed, ""},
		{"account principal delegates to IAM", "s3:PutObject", bucket + "/*", viaInternet, nil, []string{grantAccount}, "", ImplicitDeny, ""},
		{"ArnNotLike exception spares the admin", "s3:PutBucketPolicy", bucket, admin, []string{`{"Statement":{"Effect":"Allow","Action":"*","Resource":"*"}}`}, []string{denyExceptAdmin}, "", Allowed, ""},
		{"ArnNotLike exception denies others", "s3:PutBucketPolicy", bucket, viaVPCE, []string{`{"Statement":{"Effect":"Allow","Action":"*","Resource":"*"}}`}, []string{denyExceptAdmin}, "", ExplicitDeny, "DenyAllButAdmin"},
		{"allow on a prefix allows some key", "s3:PutObject", bucket + "/*", viaVPCE, []string{prefixOnly}, nil, "", Allowed, ""},
		{"deny on a prefix does not deny every key", "s3:GetObject", bucket + "/*", viaVPCE, []string{objectRW, denySecret}, nil, "", Allowed, ""},
		{"NotAction deny hits writes", "s3:PutObject", bucket + "/*", viaVPCE, []string{objectRW, notAction}, nil, "", ExplicitDeny, "DenyAllButRead"},
		{"NotAction deny spares reads", "s3:GetObject", bucket + "/*", viaVPCE, []string{objectRW, notAction}, nil, "", Allowed, ""},
		{"actions are case-insensitive", "S3:putobject", bucket + "/*", viaVPCE, []string{objectRW}, nil, "", Allowed, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var in Input
			for i, d := range tt.identity {
				in.Identity = append(in.Identity, mustParse(t, "identity"+string(rune('A'+i)), d))
			}
			for _, d := range tt.bucket {
				in.Resource = append(in.Resource, mustParse(t, "bucket policy", d))
			}
			if tt.endpoint != "" {
				p := mustParse(t, "endpoint policy", tt.endpoint)
				in.Endpoint = &p
			}
			principal, _ := tt.ctx.Get("aws:PrincipalArn")
			req := Request{PrincipalARN: principal[0], Account: account, Action: tt.action, Resource: tt.resource, Context: tt.ctx}
			got := Evaluate(req, in)
			if got.Decision != tt.want {
				t.Errorf("Evaluate(%s %s) = %s (%s), want %s", tt.action, tt.resource, got.Decision, got.Reason, tt.want)
			}
			if tt.wantSid != "" && !strings.Contains(got.Reason, `"`+tt.wantSid+`"`) {
				t.Errorf("Evaluate(%s) reason = %q, want it to name %q", tt.action, got.Reason, tt.wantSid)
			}
		})
	}
}

// TestConditionOperators follows "IAM JSON policy elements: Condition
// operators" and "Conditions with multiple context keys or values".
func TestConditionOperators(t *testing.T) {
	tests := []struct {
		op, key string
		values  []string
		ctx     Context
		want    Truth
	}{
		// Absent key: false, except negated operators, IfExists and Null.
		{"StringEquals", "aws:SourceVpce", []string{"vpce-1"}, ctx(), No},
		{"StringNotEquals", "aws:SourceVpce", []string{"vpce-1"}, ctx(), Yes},
		{"StringEqualsIfExists", "aws:SourceVpce", []string{"vpce-1"}, ctx(), Yes},
		{"StringNotEqualsIfExists", "aws:SourceVpce", []string{"vpce-1"}, ctx(), Yes},
		{"ArnNotLike", "aws:PrincipalArn", []string{"arn:aws:iam::*:role/x"}, ctx(), Yes},
		{"Null", "aws:SourceVpce", []string{"true"}, ctx(), Yes},
		{"Null", "aws:SourceVpce", []string{"false"}, ctx(), No},
		{"Null", "aws:SourceVpce", []string{"false"}, ctx("aws:SourceVpce", "vpce-1"), Yes},
		// Multiple policy values are ORed; negated operators NOR them.
		{"StringEquals", "aws:SourceVpce", []string{"vpce-1", "vpce-2"}, ctx("aws:SourceVpce", "vpce-2"), Yes},
		{"StringNotEquals", "aws:SourceVpce", []string{"vpce-1", "vpce-2"}, ctx("aws:SourceVpce", "vpce-2"), No},
		{"StringNotEquals", "aws:SourceVpce", []string{"vpce-1", "vpce-2"}, ctx("aws:SourceVpce", "vpce-3"), Yes},
		// Condition key names are case-insensitive.
		{"StringEquals", "AWS:SOURCEVPCE", []string{"vpce-1"}, ctx("aws:SourceVpce", "vpce-1"), Yes},
		{"StringEqualsIgnoreCase", "aws:PrincipalTag/team", []string{"UPLOAD"}, ctx("aws:PrincipalTag/team", "upload"), Yes},
		{"StringLike", "s3:prefix", []string{"home/*"}, ctx("s3:prefix", "home/alice"), Yes},
		{"StringNotLike", "s3:prefix", []string{"home/*"}, ctx("s3:prefix", "tmp/x"), Yes},
		{"Bool", "aws:SecureTransport", []string{"false"}, ctx("aws:SecureTransport", "true"), No},
		{"BoolIfExists", "aws:MultiFactorAuthPresent", []string{"false"}, ctx(), Yes},
		{"NumericLessThan", "s3:TlsVersion", []string{"1.2"}, ctx("s3:TlsVersion", "1.1"), Yes},
		{"NumericLessThan", "s3:TlsVersion", []string{"1.2"}, ctx("s3:TlsVersion", "1.2"), No},
		{"NumericGreaterThanEquals", "s3:max-keys", []string{"10"}, ctx("s3:max-keys", "10"), Yes},
		{"DateLessThan", "aws:CurrentTime", []string{"2030-01-01T00:00:00Z"}, ctx("aws:CurrentTime", "2026-06-01T00:00:00Z"), Yes},
		// Example from the IpAddress section: 203.0.113.0/24.
		{"IpAddress", "aws:SourceIp", []string{"203.0.113.0/24"}, ctx("aws:SourceIp", "203.0.113.7"), Yes},
		{"NotIpAddress", "aws:SourceIp", []string{"203.0.113.0/24"}, ctx("aws:SourceIp", "198.51.100.1"), Yes},
		// An address unknown offline may be in the range or not.
		{"IpAddress", "aws:SourceIp", []string{"203.0.113.0/24"}, ctx("aws:SourceIp", "${SourceIp}"), Maybe},
		{"ArnLike", "aws:SourceArn", []string{"arn:aws:sns:*:123456789012:my_topic"}, ctx("aws:SourceArn", "arn:aws:sns:us-east-2:123456789012:my_topic"), Yes},
		// A wildcard does not cross a colon in ArnLike.
		{"ArnLike", "aws:PrincipalArn", []string{"arn:aws:iam::*"}, ctx("aws:PrincipalArn", "arn:aws:iam::111122223333:role/x"), No},
		{"ArnEquals", "aws:PrincipalArn", []string{"arn:${AWS::Partition}:iam::${AWS::AccountId}:role/cdk-*"}, ctx("aws:PrincipalArn", "arn:${AWS::Partition}:iam::${AWS::AccountId}:role/cdk-hnb659fds-cfn-exec-role"), Yes},
		// Set operators, from the multi-value conditions page.
		{"ForAllValues:StringEquals", "aws:TagKeys", []string{"environment", "cost-center"}, ctx("aws:TagKeys", "environment"), Yes},
		{"ForAllValues:StringEquals", "aws:TagKeys", []string{"environment", "cost-center"}, ctx("aws:TagKeys", "environment|owner"), No},
		{"ForAllValues:StringEquals", "aws:TagKeys", []string{"environment"}, ctx(), Yes},
		{"ForAnyValue:StringEquals", "aws:TagKeys", []string{"environment"}, ctx("aws:TagKeys", "owner|environment"), Yes},
		{"ForAnyValue:StringEquals", "aws:TagKeys", []string{"environment"}, ctx(), No},
		{"ForAllValues:StringNotEquals", "aws:TagKeys", []string{"secret"}, ctx("aws:TagKeys", "a|b"), Yes},
		{"ForAnyValue:StringNotEquals", "aws:TagKeys", []string{"a"}, ctx("aws:TagKeys", "a"), No},
	}
	for _, tt := range tests {
		vals, _ := json.Marshal(tt.values)
		doc := `{"Statement":{"Effect":"Deny","Action":"*","Resource":"*","Condition":{"` + tt.op + `":{"` + tt.key + `":` + string(vals) + `}}}}`
		p := mustParse(t, tt.op, doc)
		if got := p.Statements[0].Conditions[0].eval(tt.ctx, nil); got != tt.want {
			t.Errorf("%s %s %v with %v = %v, want %v", tt.op, tt.key, tt.values, tt.ctx, got, tt.want)
		}
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct{ doc, want string }{
		{`{"Statement":[{"Effect":"Permit","Action":"*","Resource":"*"}]}`, "Statement[0]: Effect must be Allow or Deny"},
		{`{"Statement":[{"Effect":"Allow","Resource":"*"}]}`, "exactly one of Action and NotAction"},
		{`{"Statement":[{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"StringSorta":{"k":"v"}}}]}`, `unsupported condition operator "StringSorta"`},
		{`{"Statement":[{"Effect":"Allow","Action":"*","Principal":"arn:aws:iam::1:root"}]}`, `a string principal must be "*"`},
		{`{"Version":"2012-10-17"}`, "no Statement"},
		{`[]`, "must be an object"},
	}
	for _, tt := range tests {
		var v any
		if err := json.Unmarshal([]byte(tt.doc), &v); err != nil {
			t.Fatal(err)
		}
		_, err := Parse("p", v)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("Parse(%s) error = %v, want it to contain %q", tt.doc, err, tt.want)
		}
	}
}

func TestResourceSets(t *testing.T) {
	// A "bucket/*" request stands for every key: Yes when the pattern
	// covers them all, Maybe when it covers some, No when none.
	tests := []struct {
		p, q string
		want Truth
	}{
		{"arn:aws:s3:::b/*", "arn:aws:s3:::b/*", Yes},
		{"*", "arn:aws:s3:::b/*", Yes},
		{"arn:aws:s3:::b/uploads/*", "arn:aws:s3:::b/*", Maybe},
		{"arn:aws:s3:::b", "arn:aws:s3:::b/*", No},
		{"arn:aws:s3:::b/?", "arn:aws:s3:::b/*", Maybe},
		{"arn:aws:s3:::other/*", "arn:aws:s3:::b/*", No},
		{"arn:*:s3:::*", "arn:aws:s3:::${Data}/*", Yes},
		{"arn:aws:s3:::${Data}/*", "arn:aws:s3:::${Data}", No},
	}
	for _, tt := range tests {
		if got := (*distinct)(nil).matchElems(compile(tt.p, true, false), compile(tt.q, true, false)); got != tt.want {
			t.Errorf("match(%q, every key of %q) = %s, want %s", tt.p, tt.q, got, tt.want)
		}
	}
}

// TestProvable pins which comparisons with symbols are provable. A symbol
// is one fixed but unknown value: equal to itself, matched by "*", and
// possibly equal to anything else.
func TestProvable(t *testing.T) {
	eq := []struct {
		a, b string
		want Truth
	}{
		{"${S3Endpoint}", "${S3Endpoint}", Yes},
		{"${S3Endpoint}", "vpce-1a2b3c4d", Maybe},
		{"${Fn::ImportValue:SharedEndpoint}", "${S3Endpoint}", Maybe},
		{"vpce-1a2b3c4d", "vpce-0aaa", No},
		{"${AWS::AccountId}", "111122223333", Maybe},
		// An account id is twelve digits: never an ARN.
		{"${AWS::AccountId}", "arn:aws:iam::${AWS::AccountId}:root", No},
		{"${AWS::AccountId}", "${Fn::ImportValue:Account}", Maybe},
		// A template's own account symbol (several templates read
		// together) is twelve digits too; two templates' may be one.
		{"${dev#AWS::AccountId}", "arn:aws:iam::${AWS::AccountId}:root", No},
		{"${dev#AWS::AccountId}", "${prod#AWS::AccountId}", Maybe},
		{"${dev#AWS::Region}", "eu-west-1", Maybe},
		{"${dev#AWS::Region}", "EU_WEST", No},
	}
	for _, tt := range eq {
		if got := (*distinct)(nil).equal(tt.a, tt.b, false); got != tt.want {
			t.Errorf("equal(%q, %q) = %s, want %s", tt.a, tt.b, got, tt.want)
		}
	}
	arn := []struct {
		pattern, arn string
		want         Truth
	}{
		// The CDK deployment role's ARN and the bucket policy's exception
		// are built from the same ${AWS::AccountId} and ${AWS::Region}.
		{"arn:aws:iam::${AWS::AccountId}:role/cdk-hnb659fds-cfn-exec-role-${AWS::AccountId}-${AWS::Region}", "arn:aws:iam::${AWS::AccountId}:role/cdk-hnb659fds-cfn-exec-role-${AWS::AccountId}-${AWS::Region}", Yes},
		{"arn:aws:iam::*:role/${UploaderRole}", "arn:aws:iam::${AWS::AccountId}:role/${UploaderRole}", Yes},
		// A generated role name might be anything, even BreakGlass.
		{"arn:aws:iam::123456789012:role/BreakGlass", "arn:aws:iam::${AWS::AccountId}:role/${UploaderRole}", Maybe},
		{"arn:aws:iam::${AWS::AccountId}:role/cdk-*", "arn:aws:iam::${AWS::AccountId}:role/${UploaderRole}", Maybe},
		// But a role is never a user, and a user named in the text is
		// never the deployment role.
		{"arn:aws:iam::${AWS::AccountId}:user/*", "arn:aws:iam::${AWS::AccountId}:role/${UploaderRole}", No},
		{"arn:aws:iam::${AWS::AccountId}:role/cdk-hnb659fds-cfn-exec-role-${AWS::AccountId}-${AWS::Region}", "arn:aws:iam::${AWS::AccountId}:user/console-admin", No},
		// A symbol holding a whole ARN (an import) may be any ARN.
		{"${Fn::ImportValue:AdminRoleArn}", "arn:aws:iam::${AWS::AccountId}:role/${UploaderRole}", Maybe},
	}
	for _, tt := range arn {
		if got := (*distinct)(nil).arn(tt.pattern, tt.arn); got != tt.want {
			t.Errorf("arnLike(%q, %q) = %s, want %s", tt.pattern, tt.arn, got, tt.want)
		}
	}
	glob := []struct {
		pattern, value string
		want           Truth
	}{
		{"arn:aws:s3:::${Data}/*", "arn:aws:s3:::${Data}/x", Yes},
		{"arn:aws:s3:::${Data}/*", "arn:aws:s3:::${Data}", No},
		{"arn:aws:s3:::acme-data/*", "arn:aws:s3:::${Data}/x", Maybe},
		{"arn:aws:s3:::${BucketParam}/*", "arn:aws:s3:::${Data}/x", Maybe},
		{"arn:aws:s3:::acme-?", "arn:aws:s3:::acme-${AWS::Region}", Maybe},
		{"s3:${Action}", "s3:GetObject", Maybe},
	}
	for _, tt := range glob {
		if got := (*distinct)(nil).glob(tt.pattern, tt.value, false); got != tt.want {
			t.Errorf("glob(%q, %q) = %s, want %s", tt.pattern, tt.value, got, tt.want)
		}
	}
}

// TestSoundness: a Deny that may apply rules out allowed; an Allow that may
// not apply rules out allowed; explicit-deny needs a Deny that certainly
// applies. The reason names the value that could not be known.
func TestSoundness(t *testing.T) {
	const (
		obj          = "arn:aws:s3:::${Data}/*"
		importedVPCE = `{"Statement":[{"Sid":"DenyOutsideSharedEndpoint","Effect":"Deny","Principal":"*","Action":"s3:*","Resource":"arn:aws:s3:::${Data}/*",
			"Condition":{"StringNotEquals":{"aws:SourceVpce":"${Fn::ImportValue:SharedEndpoint}"}}}]}`
		allowData  = `{"Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"arn:aws:s3:::${Data}/*"}]}`
		allowParam = `{"Statement":[{"Sid":"ParamBucket","Effect":"Allow","Action":"s3:*","Resource":"arn:aws:s3:::${BucketParam}/*"}]}`
	)
	role := "arn:aws:iam::${AWS::AccountId}:role/${UploaderRole}"
	through := ctx("aws:SourceVpce", "${S3Endpoint}", "aws:PrincipalArn", role)
	outside := ctx("aws:PrincipalArn", role)
	origin := func(s string) string {
		if strings.HasPrefix(s, "${Fn::ImportValue:") {
			return "imported (Fn::ImportValue)"
		}
		return ""
	}
	tests := []struct {
		name             string
		c                Context
		identity, bucket []string
		unknownPolicy    bool
		want             Decision
		wantReason       []string
	}{
		{"a Deny that may apply rules out allowed", through, []string{allowData}, []string{importedVPCE}, false, Unknown,
			[]string{`"DenyOutsideSharedEndpoint" may deny it`, "aws:SourceVpce [${Fn::ImportValue:SharedEndpoint}] (request: ${S3Endpoint}): unknown", "otherwise allowed", "${Fn::ImportValue:SharedEndpoint} is imported (Fn::ImportValue)"}},
		{"a Deny that certainly applies is explicit", outside, []string{allowData}, []string{importedVPCE}, false, ExplicitDeny, []string{"DenyOutsideSharedEndpoint"}},
		{"an Allow that may not apply rules out allowed", through, []string{allowParam}, nil, false, Unknown,
			[]string{`"ParamBucket" may allow it`, "Resource arn:aws:s3:::${BucketParam}/* compared with arn:aws:s3:::${Data}/"}},
		{"refused either way: implicit, and the possible Deny is said", through, nil, []string{importedVPCE}, false, ImplicitDeny,
			[]string{"no statement allows s3:GetObject", "may also deny it"}},
		{"a policy of unknown content may deny", through, []string{allowData}, nil, true, Unknown, []string{"AWS managed policy X is not known (not modelled)"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := Input{Origin: origin}
			for _, d := range tt.identity {
				in.Identity = append(in.Identity, mustParse(t, "identity policy", d))
			}
			if tt.unknownPolicy {
				in.Identity = append(in.Identity, Policy{Name: "AWS managed policy X", Unknown: "not modelled"})
			}
			for _, d := range tt.bucket {
				in.Resource = append(in.Resource, mustParse(t, "bucket policy", d))
			}
			got := Evaluate(Request{PrincipalARN: role, Session: "arn:aws:sts::${AWS::AccountId}:assumed-role/${UploaderRole}/${Fn.RoleSessionName}", Account: "${AWS::AccountId}", Action: "s3:GetObject", Resource: obj, Context: tt.c}, in)
			if got.Decision != tt.want {
				t.Fatalf("Evaluate = %s (%s), want %s", got.Decision, got.Reason, tt.want)
			}
			for _, w := range tt.wantReason {
				if !strings.Contains(got.Reason, w) {
					t.Errorf("reason %q lacks %q", got.Reason, w)
				}
			}
		})
	}
}

// Two buckets never share a name: "Bucket names must be unique across all
// AWS accounts in all the AWS Regions within a partition" (S3 User Guide,
// "General purpose bucket naming rules"). So a statement naming one
// bucket of a group of Input.Distinct, generated name or not, never applies to
// another's ARNs, though both names are unknown offline.
func TestDistinctBuckets(t *testing.T) {
	const (
		data = "arn:aws:s3:::${Data}"
		logs = "arn:aws:s3:::${Logs}"
	)
	allowData := mustParse(t, "identity policy", `{"Statement":[{"Sid":"WriteData","Effect":"Allow","Action":["s3:PutObject","s3:ListBucket"],"Resource":["arn:aws:s3:::${Data}","arn:aws:s3:::${Data}/*"]}]}`)
	denyNamed := mustParse(t, "bucket policy", `{"Statement":[{"Sid":"DenyNamed","Effect":"Deny","Principal":"*","Action":"s3:*","Resource":"arn:aws:s3:::acme-logs/*"}]}`)
	role := "arn:aws:iam::${AWS::AccountId}:role/${UploaderRole}"
	req := func(action, resource string) Request {
		return Request{PrincipalARN: role, Account: "${AWS::AccountId}", Action: action, Resource: resource, Context: ctx("aws:PrincipalArn", role)}
	}
	tests := []struct {
		name     string
		req      Request
		in       Input
		want     Decision
		contains string
	}{
		{"another bucket's objects", req("s3:PutObject", logs+"/*"), Input{Identity: []Policy{allowData}, Distinct: [][]string{{"${Data}", "${Logs}"}}}, ImplicitDeny, "no statement allows s3:PutObject"},
		{"another bucket", req("s3:ListBucket", logs), Input{Identity: []Policy{allowData}, Distinct: [][]string{{"${Data}", "${Logs}"}}}, ImplicitDeny, ""},
		{"the bucket itself", req("s3:PutObject", data+"/*"), Input{Identity: []Policy{allowData}, Distinct: [][]string{{"${Data}", "${Logs}"}}}, Allowed, ""},
		{"not known to be distinct", req("s3:PutObject", logs+"/*"), Input{Identity: []Policy{allowData}}, Unknown, "compared with arn:aws:s3:::${Logs}/"},
		// A literal name of a bucket of the templates against a generated
		// one: two buckets, so two names.
		{"a literal name and a generated one", req("s3:GetObject", data+"/*"), Input{Identity: []Policy{mustParse(t, "admin", `{"Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`)}, Resource: []Policy{denyNamed}, Distinct: [][]string{{"${Data}", "acme-logs"}}}, Allowed, ""},
		// A literal that is no bucket of the templates may be the
		// generated name.
		{"a literal of no bucket of the templates", req("s3:GetObject", data+"/*"), Input{Identity: []Policy{mustParse(t, "admin", `{"Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`)}, Resource: []Policy{denyNamed}, Distinct: [][]string{{"${Data}", "${Logs}"}}}, Unknown, `"DenyNamed" may deny it`},
	}
	for _, tt := range tests {
		got := Evaluate(tt.req, tt.in)
		if got.Decision != tt.want || !strings.Contains(got.Reason, tt.contains) {
			t.Errorf("%s: Evaluate(%s %s) = %s (%s), want %s containing %q", tt.name, tt.req.Action, tt.req.Resource, got.Decision, got.Reason, tt.want, tt.contains)
		}
	}
	for _, tt := range []struct {
		pattern, arn string
		want         bool
	}{
		{"arn:aws:s3:::${Data}/*", "arn:aws:s3:::${Logs}/x", true},
		{"arn:*:s3:::${Data}", "arn:aws:s3:::${Logs}/*", true},
		{"arn:aws:s3:::${Data}*", "arn:aws:s3:::${Logs}/x", false},  // a wildcard in the bucket: not one name
		{"arn:aws:s3:::${Data}/*", "arn:aws:s3:::${Data}/x", false}, // the same bucket
		{"arn:aws:s3:*:*:${Data}/*", "arn:aws:s3:::${Logs}/x", false},
		{"arn:aws:s3:::${Other}/*", "arn:aws:s3:::${Logs}/x", false},
	} {
		if got := otherBucket(tt.pattern, tt.arn, newDistinct([][]string{{"${Data}", "${Logs}"}})); got != tt.want {
			t.Errorf("otherBucket(%q, %q) = %v, want %v", tt.pattern, tt.arn, got, tt.want)
		}
	}
}

// One Prepared answers every action as a fresh evaluation does, whatever
// the order of the actions: its cache holds only what does not depend on
// the action.
func TestPreparedIsEvaluate(t *testing.T) {
	in := Input{
		Identity: []Policy{mustParse(t, "identity", objectRW), mustParse(t, "identity", prefixOnly), mustParse(t, "identity", notAction)},
		Resource: []Policy{mustParse(t, "bucket policy", restrictToVPCE), mustParse(t, "bucket policy", denyExceptAdmin)},
	}
	ep := mustParse(t, "endpoint policy", endpointOneBucket)
	in.Endpoint = &ep
	actions := []string{"s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:ListBucket", "s3:PutBucketPolicy", "s3:GetObjectTagging", "S3:PUTOBJECT"}
	for _, resource := range []string{bucket, bucket + "/*", bucket + "/uploads/x"} {
		for _, c := range []Context{ctx("aws:SourceVpce", "vpce-1a2b3c4d", "aws:PrincipalArn", roleARN), ctx("aws:PrincipalArn", roleARN)} {
			req := Request{PrincipalARN: roleARN, Account: account, Resource: resource, Context: c}
			p := Prepare(req, in)
			for _, order := range [][]string{actions, reversed(actions)} {
				for _, a := range order {
					r := req
					r.Action = a
					fresh := Prepare(r, in).Evaluate(a)
					if got := p.Evaluate(a); got != fresh {
						t.Errorf("Prepared.Evaluate(%s on %s) = %+v, want %+v", a, resource, got, fresh)
					}
				}
			}
		}
	}
}

func reversed(s []string) []string {
	out := make([]string, len(s))
	for i, v := range s {
		out[len(s)-1-i] = v
	}
	return out
}

// Action names match case-insensitively ("IAM JSON policy elements:
// Action": "action names are case-insensitive"); ASCII text is folded in
// place, other text lower-cased first.
func TestGlobFold(t *testing.T) {
	for _, tt := range []struct {
		pattern, value string
		want           Truth
	}{
		{"s3:Get*", "S3:GETOBJECT", Yes},
		{"s3:get?bject", "s3:GetObject", Yes},
		{"s3:Put*", "s3:GetObject", No},
		{"s3:?bject", "s3:Øbject", Yes}, // one rune, two bytes
		{"s3:Ø*", "S3:øBJECT", Yes},
		{"s3:ø", "s3:o", No},
	} {
		if got := (*distinct)(nil).glob(tt.pattern, tt.value, true); got != tt.want {
			t.Errorf("(*distinct)(nil).glob(%q, %q, fold) = %s, want %s", tt.pattern, tt.value, got, tt.want)
		}
	}
}
