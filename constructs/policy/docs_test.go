package policy

import (
	"strings"
	"testing"
)

// The tests in this file each take one rule of the evaluation from an AWS
// document and check it on that document's own example. The page and the
// section are named above each test, so a reader can check the rule
// against its source without reading the evaluator.

type docCase struct {
	name     string
	req      Request
	identity []string
	bucket   []string
	endpoint string
	want     Decision
	// wantSid, when set, is the Sid the reason must name.
	wantSid string
}

// unknownPolicy, as an identity document of a docCase, stands for identity
// policies of unknown content (a role of another account).
const unknownPolicy = "(unknown)"

func runDocCases(t *testing.T, cases []docCase) {
	t.Helper()
	for _, tt := range cases {
		t.Run(tt.name, func(t *testing.T) {
			var in Input
			for _, d := range tt.identity {
				if d == unknownPolicy {
					in.Identity = append(in.Identity, Policy{Name: "the role's policies", Unknown: "the role is in another account"})
					continue
				}
				in.Identity = append(in.Identity, mustParse(t, "identity policy", d))
			}
			for _, d := range tt.bucket {
				in.Resource = append(in.Resource, mustParse(t, "bucket policy", d))
			}
			if tt.endpoint != "" {
				p := mustParse(t, "endpoint policy", tt.endpoint)
				in.Endpoint = &p
			}
			got := Evaluate(tt.req, in)
			if got.Decision != tt.want {
				t.Errorf("Evaluate(%s %s) = %s (%s), want %s", tt.req.Action, tt.req.Resource, got.Decision, got.Reason, tt.want)
			}
			if tt.wantSid != "" && !strings.Contains(got.Reason, `"`+tt.wantSid+`"`) {
				t.Errorf("reason %q does not name %q", got.Reason, tt.wantSid)
			}
		})
	}
}

func user(arn string, kv ...string) Request {
	c := ctx(append([]string{"aws:PrincipalArn", arn}, kv...)...)
	return Request{PrincipalARN: arn, Account: accountPart(arn), Context: c}
}

func roleSession(roleARN, session string, kv ...string) Request {
	r := user(roleARN, kv...)
	name := roleARN[strings.LastIndex(roleARN, "/")+1:]
	r.Session = "arn:aws:sts::" + r.Account + ":assumed-role/" + name + "/" + session
	return r
}

func accountPart(arn string) string {
	if p := SplitARN(arn); len(p) == 6 {
		return p[4]
	}
	return ""
}

func (r Request) on(action, resource string) Request {
	r.Action, r.Resource = action, resource
	return r
}

// IAM User Guide, "Policy evaluation for requests within a single
// account", section "Example identity-based and resource-based policy
// evaluation": "An explicit deny in any of the policies overrides the
// allow", and "If either the identity-based policy or the resource-based
// policy within the same account allows the request and the other
// doesn't, the request is still allowed." Carlos's identity policy is the
// page's; the page's bucket policy grants carlossalazar on his own bucket.
func TestDocPolicyEvaluationLogic(t *testing.T) {
	const carlos = `{"Version":"2012-10-17","Statement":[
		{"Sid":"AllowS3ListRead","Effect":"Allow","Action":["s3:GetBucketLocation","s3:GetAccountPublicAccessBlock","s3:ListAccessPoints","s3:ListAllMyBuckets"],"Resource":"arn:aws:s3:::*"},
		{"Sid":"AllowS3Self","Effect":"Allow","Action":"s3:*","Resource":["arn:aws:s3:::amzn-s3-demo-bucket-carlossalazar/*","arn:aws:s3:::amzn-s3-demo-bucket-carlossalazar"]},
		{"Sid":"DenyS3Logs","Effect":"Deny","Action":"s3:*","Resource":"arn:aws:s3:::*log*"}]}`
	const bucketGrant = `{"Version":"2012-10-17","Statement":[{"Sid":"AllowCarlosLogs","Effect":"Allow",
		"Principal":{"AWS":"arn:aws:iam::111122223333:user/carlossalazar"},"Action":"s3:*",
		"Resource":["arn:aws:s3:::amzn-s3-demo-bucket-carlossalazar-logs","arn:aws:s3:::amzn-s3-demo-bucket-carlossalazar-logs/*"]}]}`
	carlosUser := user("arn:aws:iam::111122223333:user/carlossalazar")
	runDocCases(t, []docCase{
		{"his identity policy allows his bucket", carlosUser.on("s3:PutObject", "arn:aws:s3:::amzn-s3-demo-bucket-carlossalazar/report.txt"), []string{carlos}, nil, "", Allowed, "AllowS3Self"},
		{"the explicit deny overrides the bucket policy's allow", carlosUser.on("s3:PutObject", "arn:aws:s3:::amzn-s3-demo-bucket-carlossalazar-logs/log.txt"), []string{carlos}, []string{bucketGrant}, "", ExplicitDeny, "DenyS3Logs"},
		{"the resource policy alone suffices in one account", carlosUser.on("s3:GetObject", "arn:aws:s3:::amzn-s3-demo-bucket-carlossalazar-logs2/x"), nil,
			[]string{strings.ReplaceAll(bucketGrant, "-logs", "-logs2")}, "", Allowed, "AllowCarlosLogs"},
		{"nothing allows: implicit deny", carlosUser.on("s3:GetObject", "arn:aws:s3:::someone-else/x"), []string{carlos}, nil, "", ImplicitDeny, ""},
	})
}

// IAM User Guide, "AWS JSON policy elements: NotPrincipal": "When you use
// NotPrincipal with Deny, you must also specify the account ARN of the
// not-denied principal. Otherwise, the policy might deny access to the
// entire account containing the principal." Its two examples: the user
// Bob with his account, and the assumed-role session with its role and
// account. Listing the account alone exempts only the account: "the
// actions specified in the policy statement are explicitly denied to all
// principals except for the ones specified" (wrong today, item 3: an
// account ARN exempted every principal of the account).
func TestDocNotPrincipal(t *testing.T) {
	const bob = `{"Version":"2012-10-17","Statement":[{"Effect":"Deny","NotPrincipal":{"AWS":[
		"arn:aws:iam::444455556666:user/Bob","arn:aws:iam::444455556666:root"]},
		"Action":"s3:*","Resource":["arn:aws:s3:::BUCKETNAME","arn:aws:s3:::BUCKETNAME/*"]}]}`
	const audit = `{"Version":"2012-10-17","Statement":[{"Effect":"Deny","NotPrincipal":{"AWS":[
		"arn:aws:sts::444455556666:assumed-role/cross-account-read-only-role/cross-account-audit-app",
		"arn:aws:iam::444455556666:role/cross-account-read-only-role","arn:aws:iam::444455556666:root"]},
		"Action":"s3:*","Resource":["arn:aws:s3:::Bucket_AccountAudit","arn:aws:s3:::Bucket_AccountAudit/*"]}]}`
	accountOnly := `{"Statement":[{"Sid":"DenyAllButTheAccount","Effect":"Deny","NotPrincipal":{"AWS":"arn:aws:iam::444455556666:root"},
		"Action":"s3:*","Resource":["arn:aws:s3:::BUCKETNAME","arn:aws:s3:::BUCKETNAME/*"]}]}`
	roleAndAccount := `{"Statement":[{"Effect":"Deny","NotPrincipal":{"AWS":["arn:aws:iam::444455556666:role/cross-account-read-only-role","arn:aws:iam::444455556666:root"]},
		"Action":"s3:*","Resource":["arn:aws:s3:::Bucket_AccountAudit","arn:aws:s3:::Bucket_AccountAudit/*"]}]}`
	sessionAndRole := `{"Statement":[{"Effect":"Deny","NotPrincipal":{"AWS":["arn:aws:sts::444455556666:assumed-role/cross-account-read-only-role/cross-account-audit-app","arn:aws:iam::444455556666:role/cross-account-read-only-role"]},
		"Action":"s3:*","Resource":["arn:aws:s3:::Bucket_AccountAudit","arn:aws:s3:::Bucket_AccountAudit/*"]}]}`
	// The example "does not grant access to Bob, it only omits Bob from the
	// list of principals that are explicitly denied": an Allow elsewhere.
	allowAll := `{"Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}`
	bobUser := user("arn:aws:iam::444455556666:user/Bob")
	alice := user("arn:aws:iam::444455556666:user/Alice")
	app := roleSession("arn:aws:iam::444455556666:role/cross-account-read-only-role", "cross-account-audit-app")
	other := roleSession("arn:aws:iam::444455556666:role/cross-account-read-only-role", "someone-else")
	runDocCases(t, []docCase{
		{"Bob, listed with his account, is not denied", bobUser.on("s3:GetObject", "arn:aws:s3:::BUCKETNAME/x"), []string{allowAll}, []string{bob}, "", Allowed, ""},
		{"Bob without his account may be denied", bobUser.on("s3:GetObject", "arn:aws:s3:::BUCKETNAME/x"), []string{allowAll}, []string{strings.Replace(bob, `,"arn:aws:iam::444455556666:root"`, "", 1)}, "", Unknown, ""},
		{"everyone else is denied", alice.on("s3:GetObject", "arn:aws:s3:::BUCKETNAME/x"), []string{allowAll}, []string{bob}, "", ExplicitDeny, ""},
		{"the audit session, listed with role and account, is not denied", app.on("s3:GetObject", "arn:aws:s3:::Bucket_AccountAudit/x"), []string{allowAll}, []string{audit}, "", Allowed, ""},
		{"another session of the same role is denied", other.on("s3:GetObject", "arn:aws:s3:::Bucket_AccountAudit/x"), []string{allowAll}, []string{audit}, "", ExplicitDeny, ""},
		{"the account alone exempts none of its users", bobUser.on("s3:GetObject", "arn:aws:s3:::BUCKETNAME/x"), []string{allowAll}, []string{accountOnly}, "", ExplicitDeny, "DenyAllButTheAccount"},
		{"the account alone exempts none of its role sessions", app.on("s3:GetObject", "arn:aws:s3:::BUCKETNAME/x"), []string{allowAll}, []string{accountOnly}, "", ExplicitDeny, "DenyAllButTheAccount"},
		// The role without its session: the session is not among "the
		// ones specified", as for the other session above.
		{"the role without its session does not exempt it", app.on("s3:GetObject", "arn:aws:s3:::Bucket_AccountAudit/x"), []string{allowAll}, []string{roleAndAccount}, "", ExplicitDeny, ""},
		// The session without its account: AWS "might validate the
		// account first", which is not listed.
		{"the session without its account may be denied", app.on("s3:GetObject", "arn:aws:s3:::Bucket_AccountAudit/x"), []string{allowAll}, []string{sessionAndRole}, "", Unknown, ""},
	})
}

// IAM User Guide, "IAM JSON policy elements: NotAction": with Allow, "all
// of the Amazon S3 actions that can be performed on any S3 resource except
// for deleting a bucket"; with Deny, "denies access to non-IAM actions if
// the user is not signed in using MFA" (BoolIfExists
// aws:MultiFactorAuthPresent false).
func TestDocNotAction(t *testing.T) {
	const allowButDelete = `{"Statement":[{"Effect":"Allow","NotAction":"s3:DeleteBucket","Resource":"arn:aws:s3:::*"}]}`
	const denyWithoutMFA = `{"Version":"2012-10-17","Statement":[{"Sid":"DenyAllUsersNotUsingMFA","Effect":"Deny","NotAction":"iam:*","Resource":"*",
		"Condition":{"BoolIfExists":{"aws:MultiFactorAuthPresent":"false"}}}]}`
	const allowAll = `{"Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`
	u := user("arn:aws:iam::111122223333:user/Ana")
	withMFA := user("arn:aws:iam::111122223333:user/Ana", "aws:MultiFactorAuthPresent", "true")
	runDocCases(t, []docCase{
		{"any S3 action on S3 resources", u.on("s3:PutObject", "arn:aws:s3:::b/k"), []string{allowButDelete}, nil, "", Allowed, ""},
		{"except deleting a bucket", u.on("s3:DeleteBucket", "arn:aws:s3:::b"), []string{allowButDelete}, nil, "", ImplicitDeny, ""},
		{"not actions of other services", u.on("sqs:SendMessage", "arn:aws:sqs:us-east-2:111122223333:q"), []string{allowButDelete}, nil, "", ImplicitDeny, ""},
		{"without MFA a non-IAM action is denied", u.on("s3:GetObject", "arn:aws:s3:::b/k"), []string{allowAll, denyWithoutMFA}, nil, "", ExplicitDeny, "DenyAllUsersNotUsingMFA"},
		{"without MFA IAM actions are not", u.on("iam:ListUsers", "*"), []string{allowAll, denyWithoutMFA}, nil, "", Allowed, ""},
		{"with MFA the Deny has no effect", withMFA.on("s3:GetObject", "arn:aws:s3:::b/k"), []string{allowAll, denyWithoutMFA}, nil, "", Allowed, ""},
	})
}

// IAM User Guide, "IAM JSON policy elements: NotResource": the HRPayroll
// example "explicitly denies access to all Amazon S3 resources other than
// the listed resources".
func TestDocNotResource(t *testing.T) {
	const payroll = `{"Version":"2012-10-17","Statement":{"Effect":"Deny","Action":"s3:*",
		"NotResource":["arn:aws:s3:::HRBucket/Payroll","arn:aws:s3:::HRBucket/Payroll/*"]}}`
	const allowAll = `{"Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}`
	u := user("arn:aws:iam::111122223333:user/hr")
	runDocCases(t, []docCase{
		{"the Payroll folder is not denied", u.on("s3:GetObject", "arn:aws:s3:::HRBucket/Payroll/2026.csv"), []string{allowAll, payroll}, nil, "", Allowed, ""},
		{"another folder is", u.on("s3:GetObject", "arn:aws:s3:::HRBucket/Other/x"), []string{allowAll, payroll}, nil, "", ExplicitDeny, ""},
		{"another bucket is", u.on("s3:ListBucket", "arn:aws:s3:::OtherBucket"), []string{allowAll, payroll}, nil, "", ExplicitDeny, ""},
		// Every key of HRBucket: the Deny covers some (outside Payroll),
		// not all, so some key (Payroll's) is allowed.
		{"some key of the bucket is allowed", u.on("s3:GetObject", "arn:aws:s3:::HRBucket/*"), []string{`{"Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"arn:aws:s3:::HRBucket/Payroll/*"}]}`, payroll}, nil, "", Allowed, ""},
	})
}

// IAM User Guide, "IAM JSON policy elements: Condition operators": each
// operator family on its section's example, and the rule for an absent
// key: "If the key that you specify in a policy condition is not present
// in the request context, the values do not match and the condition is
// false. If the policy condition requires that the key is not matched,
// such as StringNotLike or ArnNotLike, and the right key is not present,
// the condition is true. This logic applies to all condition operators
// except ...IfExists and Null check."
func TestDocConditionOperators(t *testing.T) {
	tests := []struct {
		section, cond string
		c             Context
		want          Truth
	}{
		{"String: job-category tag present", `{"StringEquals":{"aws:PrincipalTag/job-category":"iamuser-admin"}}`, ctx("aws:PrincipalTag/job-category", "iamuser-admin"), Yes},
		{"String: a user without the tag", `{"StringEquals":{"aws:PrincipalTag/job-category":"iamuser-admin"}}`, ctx(), No},
		{"String: home directory with a policy variable", `{"StringLike":{"s3:prefix":["","home/","home/${aws:username}/"]}}`, ctx("s3:prefix", "home/"), Yes},
		// The variable is filled in from the request: unknown here.
		{"String: a policy variable is unknown offline", `{"StringLike":{"s3:prefix":["home/${aws:username}/"]}}`, ctx("s3:prefix", "home/Bob/"), Maybe},
		{"Numeric: up to 10 keys", `{"NumericLessThanEquals":{"s3:max-keys":"10"}}`, ctx("s3:max-keys", "10"), Yes},
		{"Numeric: more than 10", `{"NumericLessThanEquals":{"s3:max-keys":"10"}}`, ctx("s3:max-keys", "11"), No},
		{"Date: credentials issued after 2020", `{"DateGreaterThan":{"aws:TokenIssueTime":"2020-01-01T00:00:01Z"}}`, ctx("aws:TokenIssueTime", "2020-06-01T00:00:00Z"), Yes},
		{"Date: long-term keys carry no aws:TokenIssueTime", `{"DateGreaterThan":{"aws:TokenIssueTime":"2020-01-01T00:00:01Z"}}`, ctx(), No},
		{"Boolean: not over SSL", `{"Bool":{"aws:SecureTransport":"false"}}`, ctx("aws:SecureTransport", "false"), Yes},
		{"Boolean: over SSL", `{"Bool":{"aws:SecureTransport":"false"}}`, ctx("aws:SecureTransport", "true"), No},
		{"IP address: in 203.0.113.0/24", `{"IpAddress":{"aws:SourceIp":"203.0.113.0/24"}}`, ctx("aws:SourceIp", "203.0.113.7"), Yes},
		{"IP address: through a VPC endpoint there is no aws:SourceIp", `{"IpAddress":{"aws:SourceIp":"203.0.113.0/24"}}`, ctx(), No},
		{"IP address: IPv6 range", `{"IpAddress":{"aws:SourceIp":["203.0.113.0/24","2001:DB8:1234:5678::/64"]}}`, ctx("aws:SourceIp", "2001:db8:1234:5678::1"), Yes},
		// "With a StringLike condition, the match succeeds ... With an
		// ArnLike condition, which matches elements between colons, the
		// match fails."
		{"ARN: StringLike spans colons", `{"StringLike":{"aws:SourceArn":"arn:aws:someservice:*:111122223333:finance/*"}}`, ctx("aws:SourceArn", "arn:aws:someservice:us-east-2:999999999999:store/abc:111122223333:finance/document.txt"), Yes},
		{"ARN: ArnLike does not", `{"ArnLike":{"aws:SourceArn":"arn:aws:someservice:*:111122223333:finance/*"}}`, ctx("aws:SourceArn", "arn:aws:someservice:us-east-2:999999999999:store/abc:111122223333:finance/document.txt"), No},
		{"ARN: the SNS topic", `{"ArnEquals":{"aws:SourceArn":"arn:aws:sns:REGION:123456789012:TOPIC-ID"}}`, ctx("aws:SourceArn", "arn:aws:sns:REGION:123456789012:TOPIC-ID"), Yes},
		{"ARN: no aws:SourceArn for a direct call", `{"ArnEquals":{"aws:SourceArn":"arn:aws:sns:REGION:123456789012:TOPIC-ID"}}`, ctx(), No},
		{"absent key, negated operator", `{"ArnNotLike":{"aws:SourceArn":"arn:aws:sns:REGION:123456789012:TOPIC-ID"}}`, ctx(), Yes},
		{"absent key, StringNotLike", `{"StringNotLike":{"s3:prefix":"home/*"}}`, ctx(), Yes},
		// ...IfExists: "If the key is not present, evaluate the condition
		// element as true."
		{"IfExists: the resource has no instance type", `{"StringLikeIfExists":{"ec2:InstanceType":["t1.*","t2.*","m3.*"]}}`, ctx(), Yes},
		{"IfExists: a t2 instance", `{"StringLikeIfExists":{"ec2:InstanceType":["t1.*","t2.*","m3.*"]}}`, ctx("ec2:InstanceType", "t2.micro"), Yes},
		{"IfExists: a c5 instance", `{"StringLikeIfExists":{"ec2:InstanceType":["t1.*","t2.*","m3.*"]}}`, ctx("ec2:InstanceType", "c5.large"), No},
		{"without IfExists the missing key fails", `{"StringLike":{"ec2:InstanceType":["t1.*","t2.*","m3.*"]}}`, ctx(), No},
		// Null: "true (the key doesn't exist — it is null)".
		{"Null: long-term credentials", `{"Null":{"aws:TokenIssueTime":"true"}}`, ctx(), Yes},
		{"Null: temporary credentials", `{"Null":{"aws:TokenIssueTime":"true"}}`, ctx("aws:TokenIssueTime", "2026-01-01T00:00:00Z"), No},
	}
	for _, tt := range tests {
		p := mustParse(t, tt.section, `{"Statement":{"Effect":"Allow","Action":"*","Resource":"*","Condition":`+tt.cond+`}}`)
		got := Yes
		for _, c := range p.Statements[0].Conditions {
			got = and(got, c.eval(tt.c, nil))
		}
		if got != tt.want {
			t.Errorf("%s: %s with %v = %s, want %s", tt.section, tt.cond, tt.c, got, tt.want)
		}
	}
}

// IAM User Guide, "Multivalued context key examples": the tables of its
// examples, row by row. For a Deny, "Match is Denied and No match is Not
// denied".
func TestDocMultivaluedKeys(t *testing.T) {
	tests := []struct {
		example, cond string
		tagKeys       string // "|" separated; "-" for no aws:TagKeys
		want          Truth
	}{
		{"Deny a single policy condition value", `{"ForAllValues:StringNotLike":{"aws:TagKeys":"key1*"}}`, "key1:legal", No},
		{"Deny a single policy condition value", `{"ForAllValues:StringNotLike":{"aws:TagKeys":"key1*"}}`, "key1:hr|key1:personnel", No},
		{"Deny a single policy condition value", `{"ForAllValues:StringNotLike":{"aws:TagKeys":"key1*"}}`, "key2:audit", Yes},
		{"Deny a single policy condition value", `{"ForAllValues:StringNotLike":{"aws:TagKeys":"key1*"}}`, "-", Yes},
		{"Deny multiple policy condition values", `{"ForAllValues:StringNotLike":{"aws:TagKeys":["key1*","key2*"]}}`, "key1:legal", No},
		{"Deny multiple policy condition values", `{"ForAllValues:StringNotLike":{"aws:TagKeys":["key1*","key2*"]}}`, "key1:hr|key1:personnel", No},
		{"Deny multiple policy condition values", `{"ForAllValues:StringNotLike":{"aws:TagKeys":["key1*","key2*"]}}`, "key1:hr|key2:audit", No},
		{"Deny multiple policy condition values", `{"ForAllValues:StringNotLike":{"aws:TagKeys":["key1*","key2*"]}}`, "key3:legal", Yes},
		{"Deny multiple policy condition values", `{"ForAllValues:StringNotLike":{"aws:TagKeys":["key1*","key2*"]}}`, "-", Yes},
		{"Deny policy with ForAnyValue", `{"ForAnyValue:StringEquals":{"aws:TagKeys":"webserver"}}`, "webserver", Yes},
		{"Deny policy with ForAnyValue", `{"ForAnyValue:StringEquals":{"aws:TagKeys":"webserver"}}`, "environment|webserver|test", Yes},
		{"Deny policy with ForAnyValue", `{"ForAnyValue:StringEquals":{"aws:TagKeys":"webserver"}}`, "environment|test", No},
		{"Deny policy with ForAnyValue", `{"ForAnyValue:StringEquals":{"aws:TagKeys":"webserver"}}`, "-", No},
	}
	for _, tt := range tests {
		p := mustParse(t, tt.example, `{"Statement":{"Effect":"Deny","Action":"*","Resource":"*","Condition":`+tt.cond+`}}`)
		c := ctx()
		if tt.tagKeys != "-" {
			c = ctx("aws:TagKeys", tt.tagKeys)
		}
		if got := p.Statements[0].Conditions[0].eval(c, nil); got != tt.want {
			t.Errorf("%s: %s with aws:TagKeys %s = %s, want %s", tt.example, tt.cond, tt.tagKeys, got, tt.want)
		}
	}
}

// IAM User Guide, "IAM JSON policy elements: Condition": "Condition key
// names are not case-sensitive. For example, including the aws:SourceIP
// condition key is equivalent to testing for AWS:SourceIp." Values follow
// the operator: StringEquals johndoe does not match JohnDoe,
// StringEqualsIgnoreCase does.
func TestDocConditionKeysAreCaseInsensitive(t *testing.T) {
	tests := []struct {
		cond string
		c    Context
		want Truth
	}{
		{`{"IpAddress":{"aws:SourceIP":"203.0.113.0/24"}}`, ctx("AWS:SourceIp", "203.0.113.9"), Yes},
		{`{"IpAddress":{"AWS:SourceIp":"203.0.113.0/24"}}`, ctx("aws:SourceIP", "203.0.113.9"), Yes},
		{`{"StringEquals":{"aws:username":"johndoe"}}`, ctx("aws:username", "JohnDoe"), No},
		{`{"StringEqualsIgnoreCase":{"aws:username":"johndoe"}}`, ctx("aws:username", "JohnDoe"), Yes},
	}
	for _, tt := range tests {
		p := mustParse(t, tt.cond, `{"Statement":{"Effect":"Allow","Action":"*","Resource":"*","Condition":`+tt.cond+`}}`)
		if got := p.Statements[0].Conditions[0].eval(tt.c, nil); got != tt.want {
			t.Errorf("%s with %v = %s, want %s", tt.cond, tt.c, got, tt.want)
		}
	}
}

// IAM User Guide, "IAM JSON policy elements: Resource": "You can use
// wildcard characters (* and ?) within any ARN segment ... An asterisk (*)
// represents any combination of characters and a question mark (?)
// represents any single character." Its examples: all IAM users whose
// path is /accounting, and all items within my_corporate_bucket.
func TestDocWildcardsInARNs(t *testing.T) {
	tests := []struct {
		pattern, arn string
		want         Truth
	}{
		{"arn:aws:iam::account-ID-without-hyphens:user/accounting/*", "arn:aws:iam::account-ID-without-hyphens:user/accounting/alice", Yes},
		{"arn:aws:iam::account-ID-without-hyphens:user/accounting/*", "arn:aws:iam::account-ID-without-hyphens:user/sales/bob", No},
		{"arn:aws:s3:::my_corporate_bucket/*", "arn:aws:s3:::my_corporate_bucket/reports/2026.csv", Yes},
		{"arn:aws:s3:::my_corporate_bucket/*", "arn:aws:s3:::my_corporate_bucket", No},
		{"arn:aws:s3:::my_corporate_bucket/report-?.csv", "arn:aws:s3:::my_corporate_bucket/report-1.csv", Yes},
		{"arn:aws:s3:::my_corporate_bucket/report-?.csv", "arn:aws:s3:::my_corporate_bucket/report-10.csv", No},
	}
	for _, tt := range tests {
		if got := (*distinct)(nil).glob(tt.pattern, tt.arn, false); got != tt.want {
			t.Errorf("Resource %q on %q = %s, want %s", tt.pattern, tt.arn, got, tt.want)
		}
	}
}

// AWS PrivateLink guide, "Control access to VPC endpoints using endpoint
// policies", section "Principals for gateway endpoints": "With gateway
// endpoints, the Principal element must be set to *. To specify a
// principal, use the aws:PrincipalArn condition key", and with an account
// id as principal "access is granted to the AWS account root user only,
// not all users and roles for the account" (wrong today, item 4: a role
// or account in Principal was matched as in a bucket policy).
func TestDocGatewayEndpointPrincipals(t *testing.T) {
	const role = "arn:aws:iam::123456789012:role/Uploader"
	const obj = "arn:aws:s3:::amzn-s3-demo-bucket/*"
	allow := `{"Statement":[{"Effect":"Allow","Action":"s3:PutObject","Resource":"*"}]}`
	byCondition := `{"Statement":[{"Sid":"ByPrincipalArn","Effect":"Allow","Principal":"*","Action":"s3:PutObject","Resource":"arn:aws:s3:::amzn-s3-demo-bucket/*",
		"Condition":{"StringEquals":{"aws:PrincipalArn":"arn:aws:iam::123456789012:role/Uploader"}}}]}`
	byRole := `{"Statement":[{"Sid":"ByRole","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:role/Uploader"},"Action":"s3:PutObject","Resource":"arn:aws:s3:::amzn-s3-demo-bucket/*"}]}`
	byAccount := `{"Statement":[{"Sid":"ByAccount","Effect":"Allow","Principal":{"AWS":"123456789012"},"Action":"s3:PutObject","Resource":"arn:aws:s3:::amzn-s3-demo-bucket/*"}]}`
	denyRole := `{"Statement":[{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*"},
		{"Sid":"DenyRole","Effect":"Deny","Principal":{"AWS":"arn:aws:iam::123456789012:role/Uploader"},"Action":"s3:*","Resource":"*"}]}`
	uploader := roleSession(role, "fn", "aws:SourceVpce", "vpce-1a2b3c4d").on("s3:PutObject", obj)
	other := roleSession("arn:aws:iam::123456789012:role/Other", "fn", "aws:SourceVpce", "vpce-1a2b3c4d").on("s3:PutObject", obj)
	runDocCases(t, []docCase{
		{"Principal * with aws:PrincipalArn names the role", uploader, []string{allow}, nil, byCondition, Allowed, ""},
		{"and no other", other, []string{allow}, nil, byCondition, ImplicitDeny, ""},
		{"a role ARN in Principal grants the role nothing", uploader, []string{allow}, nil, byRole, ImplicitDeny, ""},
		{"an account in Principal grants only its root user", uploader, []string{allow}, nil, byAccount, ImplicitDeny, ""},
		// Undocumented for a Deny: it may apply, so the Allow is not proof.
		{"a Deny naming a role may apply", uploader, []string{allow}, nil, denyRole, Unknown, ""},
	})
	var in Input
	in.Identity = []Policy{mustParse(t, "identity", allow)}
	p := mustParse(t, "endpoint policy", byRole)
	in.Endpoint = &p
	if r := Evaluate(uploader, in); !strings.Contains(r.Reason, "Principals for gateway endpoints") {
		t.Errorf("reason %q does not cite the rule", r.Reason)
	}
}

// IAM User Guide, "Cross-account policy evaluation logic": "To allow
// cross-account access, you attach a resource-based policy to the resource
// that you want to share. You must also attach an identity-based policy to
// the identity that acts as the principal in the request. The
// resource-based policy in the trusting account must specify the principal
// of the trusted account ... You can specify the entire account or its IAM
// users, ... IAM roles, or assumed-role sessions." The accounts and the
// bucket are those of the IAM User Guide's "Policy examples for delegating
// access", section "Using a resource-based policy to delegate access to an
// Amazon S3 bucket in another account": account A (111122223333) owns the
// bucket, account B (444455556666) is trusted.
func TestDocCrossAccount(t *testing.T) {
	const bucket = "arn:aws:s3:::amzn-s3-demo-bucket"
	grantAccountB := `{"Statement": [{"Sid": "AccountBAccess1", "Effect": "Allow", "Principal": {"AWS": "444455556666"}, "Action": "s3:*", "Resource": ["arn:aws:s3:::amzn-s3-demo-bucket", "arn:aws:s3:::amzn-s3-demo-bucket/*"]}]}`
	grantRole := `{"Statement": [{"Sid": "Writer", "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::444455556666:role/Writer"}, "Action": "s3:PutObject", "Resource": "arn:aws:s3:::amzn-s3-demo-bucket/*"}]}`
	userAllows := `{"Statement": [{"Sid": "ExampleStmt", "Effect": "Allow", "Action": "s3:*", "Resource": "arn:aws:s3:::amzn-s3-demo-bucket/*"}]}`
	inB := func(r Request) Request { r.ResourceAccount = "111122223333"; return r }
	writer := inB(roleSession("arn:aws:iam::444455556666:role/Writer", "s1"))
	other := inB(roleSession("arn:aws:iam::444455556666:role/Other", "s1"))
	sameAccount := roleSession("arn:aws:iam::111122223333:role/Writer", "s1")
	sameAccount.ResourceAccount = "111122223333"
	symbolic := roleSession("arn:aws:iam::${AWS::AccountId}:role/Writer", "s1")
	symbolic.ResourceAccount = "111122223333"
	symbolicGrant := `{"Statement": [{"Sid": "Writer", "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::${AWS::AccountId}:role/Writer"}, "Action": "s3:PutObject", "Resource": "arn:aws:s3:::amzn-s3-demo-bucket/*"}]}`
	runDocCases(t, []docCase{
		{name: "account principal and identity policy: allowed", req: inB(user("arn:aws:iam::444455556666:user/User1")).on("s3:GetObject", bucket+"/k"), identity: []string{userAllows}, bucket: []string{grantAccountB}, want: Allowed, wantSid: "AccountBAccess1"},
		{name: "account principal without identity policy: implicit deny", req: inB(user("arn:aws:iam::444455556666:user/User1")).on("s3:GetObject", bucket+"/k"), bucket: []string{grantAccountB}, want: ImplicitDeny},
		{name: "identity policy without the bucket's: implicit deny", req: inB(user("arn:aws:iam::444455556666:user/User1")).on("s3:GetObject", bucket+"/k"), identity: []string{userAllows}, want: ImplicitDeny},
		{name: "named role with identity policy: allowed", req: writer.on("s3:PutObject", bucket+"/k"), identity: []string{userAllows}, bucket: []string{grantRole}, want: Allowed, wantSid: "Writer"},
		{name: "named role, action the bucket does not grant: implicit deny", req: writer.on("s3:GetObject", bucket+"/k"), identity: []string{userAllows}, bucket: []string{grantRole}, want: ImplicitDeny},
		{name: "another role of the trusted account: implicit deny", req: other.on("s3:PutObject", bucket+"/k"), identity: []string{userAllows}, bucket: []string{grantRole}, want: ImplicitDeny},
		{name: "in one account the identity policy alone suffices", req: sameAccount.on("s3:GetObject", bucket+"/k"), identity: []string{userAllows}, want: Allowed},
		{name: "in one account the bucket policy alone suffices", req: sameAccount.on("s3:PutObject", bucket+"/k"), bucket: []string{`{"Statement": [{"Sid": "Writer", "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:role/Writer"}, "Action": "s3:PutObject", "Resource": "arn:aws:s3:::amzn-s3-demo-bucket/*"}]}`}, want: Allowed},
		{name: "accounts maybe one, both allow: allowed", req: symbolic.on("s3:PutObject", bucket+"/k"), identity: []string{userAllows}, bucket: []string{symbolicGrant}, want: Allowed},
		{name: "accounts maybe one, only the identity allows: unknown", req: symbolic.on("s3:GetObject", bucket+"/k"), identity: []string{userAllows}, want: Unknown},
		{name: "accounts maybe one, neither allows: implicit deny", req: symbolic.on("s3:GetObject", bucket+"/k"), want: ImplicitDeny},
		{name: "identity policy unknown across accounts: unknown", req: writer.on("s3:PutObject", bucket+"/k"), identity: []string{unknownPolicy}, bucket: []string{grantRole}, want: Unknown},
		{name: "an explicit deny in the bucket policy still wins", req: writer.on("s3:PutObject", bucket+"/k"), identity: []string{userAllows}, bucket: []string{`{"Statement": [{"Sid": "Writer", "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::444455556666:role/Writer"}, "Action": "s3:PutObject", "Resource": "arn:aws:s3:::amzn-s3-demo-bucket/*"}, {"Sid": "No", "Effect": "Deny", "Principal": "*", "Action": "s3:*", "Resource": "arn:aws:s3:::amzn-s3-demo-bucket/*"}]}`}, want: ExplicitDeny, wantSid: "No"},
	})
}

// The reason of a cross-account refusal names the rule and the policy
// that lacks the Allow, so a reader knows which account must act.
func TestCrossAccountReasonNamesTheMissingHalf(t *testing.T) {
	req := roleSession("arn:aws:iam::444455556666:role/Writer", "s1").on("s3:PutObject", "arn:aws:s3:::b/k")
	req.ResourceAccount = "111122223333"
	id := mustParse(t, "identity policy", `{"Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}`)
	got := Evaluate(req, Input{Identity: []Policy{id}})
	for _, want := range []string{"Cross-account policy evaluation logic", "no resource policy statement allows s3:PutObject", "account 444455556666"} {
		if !strings.Contains(got.Reason, want) {
			t.Errorf("reason %q lacks %q", got.Reason, want)
		}
	}
	bp := mustParse(t, "bucket policy", `{"Statement": [{"Effect": "Allow", "Principal": {"AWS": "444455556666"}, "Action": "s3:*", "Resource": "*"}]}`)
	got = Evaluate(req, Input{Resource: []Policy{bp}})
	if !strings.Contains(got.Reason, "no identity policy statement allows s3:PutObject") {
		t.Errorf("reason %q does not name the missing identity half", got.Reason)
	}
}

// IAM User Guide, "Policy evaluation for requests within a single
// account" ("If either the identity-based policy or the resource-based
// policy within the same account allows the request ..., the request is
// still allowed") and "Cross-account policy evaluation logic" (both must
// allow, and the resource-based policy may name the entire trusted
// account). When the template does not fix the bucket's account, a request
// both rules allow is allowed. The bucket policy is the one Elastic Load
// Balancing's guide for Application Load Balancers gives ("Enable access
// logs", step 2: Principal arn:aws:iam::elb-account-id:root, s3:PutObject
// on bucket/prefix/AWSLogs/aws-account-id/*), with us-east-1's ELB
// account 127311923021 and the stack's own account as aws-account-id; the
// caller is an administrator of the ELB account. The row asks for some
// key of the bucket: the proof is a key under AWSLogs/<the stack's
// account>/, which exists whatever that account is, because an account id
// is twelve digits and holds no wildcard.
func TestDocSingleAndCrossAccountBothAllow(t *testing.T) {
	const someKey = "arn:aws:s3:::amzn-s3-demo-bucket/*"
	admin := `{"Statement": [{"Sid": "Admin", "Effect": "Allow", "Action": "*", "Resource": "*"}]}`
	elbLogs := `{"Statement": [{"Sid": "ELB", "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::127311923021:root"}, "Action": "s3:PutObject", "Resource": "arn:aws:s3:::amzn-s3-demo-bucket/AWSLogs/${AWS::AccountId}/*"}]}`
	// The same grant under a prefix that is a template parameter: a
	// parameter may hold "*", and a Deny of bucket/${Prefix} would then
	// cover the key ${Prefix}/x, so that key proves nothing.
	byParameter := `{"Statement": [{"Sid": "ELB", "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::127311923021:root"}, "Action": "s3:PutObject", "Resource": "arn:aws:s3:::amzn-s3-demo-bucket/${Prefix}/*"},
		{"Sid": "NoTop", "Effect": "Deny", "Principal": "*", "Action": "s3:PutObject", "Resource": "arn:aws:s3:::amzn-s3-demo-bucket/${Prefix}"}]}`
	elbAdmin := roleSession("arn:aws:iam::127311923021:role/Admin", "s1")
	elbAdmin.ResourceAccount = "${AWS::AccountId}"
	runDocCases(t, []docCase{
		{name: "both rules allow: allowed", req: elbAdmin.on("s3:PutObject", someKey), identity: []string{admin}, bucket: []string{elbLogs}, want: Allowed, wantSid: "ELB"},
		{name: "only the single-account rule allows: unknown", req: elbAdmin.on("s3:GetObject", someKey), identity: []string{admin}, bucket: []string{elbLogs}, want: Unknown},
		{name: "a key under a parameter proves nothing: unknown", req: elbAdmin.on("s3:PutObject", someKey), identity: []string{admin}, bucket: []string{byParameter}, want: Unknown},
	})
}

// AWS KMS Developer Guide, "Key policies in AWS KMS": "Unless the key
// policy explicitly allows it, you cannot use IAM policies to allow access
// to a KMS key. Without permission from the key policy, IAM policies that
// allow permissions have no effect"; the default key policy's statement
// "Allows access to the AWS account and enables IAM policies" (Principal
// the account's root, kms:*). "Allowing users in other accounts to use a
// KMS key": the key policy must allow the external account or principal,
// and the external account's IAM policies must allow the user. The
// account ids are the guide's (111122223333, 444455556666).
func TestDocKMSKeyPolicies(t *testing.T) {
	const key = "arn:aws:kms:us-west-2:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"
	defaultPolicy := `{"Statement": [{"Sid": "Enable IAM User Permissions", "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:root"}, "Action": "kms:*", "Resource": "*"}]}`
	onlyAlice := `{"Statement": [{"Sid": "AliceOnly", "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:role/Alice"}, "Action": "kms:Decrypt", "Resource": "*"}]}`
	external := `{"Statement": [{"Sid": "AllowExternalAccount", "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::444455556666:root"}, "Action": ["kms:Decrypt", "kms:GenerateDataKey"], "Resource": "*"}]}`
	iamAllows := `{"Statement": [{"Effect": "Allow", "Action": "kms:*", "Resource": "*"}]}`
	in := func(r Request) Request { r.ResourceAccount = "111122223333"; return r }
	alice := in(roleSession("arn:aws:iam::111122223333:role/Alice", "s1")).on("kms:Decrypt", key)
	bob := in(roleSession("arn:aws:iam::111122223333:role/Bob", "s1")).on("kms:Decrypt", key)
	partner := in(roleSession("arn:aws:iam::444455556666:role/Partner", "s1")).on("kms:GenerateDataKey", key)
	cases := []docCase{
		{name: "default key policy and an IAM policy: allowed", req: bob, identity: []string{iamAllows}, bucket: []string{defaultPolicy}, want: Allowed, wantSid: "Enable IAM User Permissions"},
		{name: "default key policy, no IAM policy: implicit deny", req: bob, bucket: []string{defaultPolicy}, want: ImplicitDeny},
		{name: "the key policy names the caller: allowed without IAM", req: alice, bucket: []string{onlyAlice}, want: Allowed, wantSid: "AliceOnly"},
		{name: "IAM alone has no effect", req: bob, identity: []string{iamAllows}, bucket: []string{onlyAlice}, want: ImplicitDeny},
		{name: "external account: key policy and IAM policy: allowed", req: partner, identity: []string{iamAllows}, bucket: []string{external}, want: Allowed, wantSid: "AllowExternalAccount"},
		{name: "external account: key policy alone: implicit deny", req: partner, bucket: []string{external}, want: ImplicitDeny},
		{name: "external account: IAM policy alone: implicit deny", req: partner, identity: []string{iamAllows}, bucket: []string{defaultPolicy}, want: ImplicitDeny},
	}
	for _, tt := range cases {
		t.Run(tt.name, func(t *testing.T) {
			var input Input
			for _, d := range tt.identity {
				input.Identity = append(input.Identity, mustParse(t, "identity policy", d))
			}
			for _, d := range tt.bucket {
				input.Resource = append(input.Resource, mustParse(t, "key policy", d))
			}
			input.KeyPolicy = true
			got := Evaluate(tt.req, input)
			if got.Decision != tt.want {
				t.Errorf("Evaluate(%s) = %s (%s), want %s", tt.req.Action, got.Decision, got.Reason, tt.want)
			}
			if tt.wantSid != "" && !strings.Contains(got.Reason, `"`+tt.wantSid+`"`) {
				t.Errorf("reason %q does not name %q", got.Reason, tt.wantSid)
			}
			if tt.want == ImplicitDeny && !strings.Contains(got.Reason, "Key policies in AWS KMS") && !strings.Contains(got.Reason, "Cross-account") {
				t.Errorf("reason %q cites neither rule", got.Reason)
			}
		})
	}
}

// Amazon EC2 User Guide, "Resource IDs": "When resources are created, we
// assign each resource a unique resource ID"; IAM API Reference,
// CreateRole: "IAM user, group, role, and policy names must be unique
// within the account. Names are not distinguished by case"; IAM User
// Guide, "IAM identifiers", Unique identifiers (a role's RoleId is "the
// stable and unique string identifying the role"). So two VPC endpoints,
// two VPCs or two roles of one template, whose ids CloudFormation gives
// only at deploy, never share one (Input.Distinct). The bucket policy is
// the S3 User Guide's "Restricting access to a specific VPC endpoint"
// (Sid Access-to-specific-VPCE-only) with the template's endpoint in place
// of vpce-1a2b3c4d. A literal id is no resource of the template: it may be
// a pinned id of an earlier deploy, so it may equal one.
func TestDocResourceIDsAreUnique(t *testing.T) {
	const (
		role   = "arn:aws:iam::123456789012:role/${RoleA}"
		other  = "arn:aws:iam::123456789012:role/${RoleB}"
		object = "arn:aws:s3:::amzn-s3-demo-bucket/*"
	)
	onlyVpce := func(id string) string {
		return `{"Version":"2012-10-17","Id":"Policy1415115909152","Statement":[{"Sid":"Access-to-specific-VPCE-only","Principal":"*","Action":"s3:*","Effect":"Deny",
			"Resource":["arn:aws:s3:::amzn-s3-demo-bucket","arn:aws:s3:::amzn-s3-demo-bucket/*"],"Condition":{"StringNotEquals":{"aws:SourceVpce":"` + id + `"}}}]}`
	}
	const onlyVpc = `{"Statement":[{"Sid":"Access-to-specific-VPC-only","Principal":"*","Action":"s3:*","Effect":"Deny",
		"Resource":["arn:aws:s3:::amzn-s3-demo-bucket","arn:aws:s3:::amzn-s3-demo-bucket/*"],"Condition":{"StringNotEquals":{"aws:SourceVpc":"${VpcA}"}}}]}`
	const allow = `{"Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}`
	forRole := func(op, key, value string) string {
		return `{"Statement":[{"Sid":"OnlyRoleA","Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"` + object + `",
			"Condition":{"` + op + `":{"` + key + `":"` + value + `"}}}]}`
	}
	through := func(arn, vpce, vpc string) Request {
		r := roleSession(arn, "${Session}", "aws:SourceVpce", vpce, "aws:SourceVpc", vpc)
		name := arn[strings.LastIndex(arn, "/")+1:]
		r.Context.Set("aws:userid", strings.Replace(name, "}", ".RoleId}", 1)+":${Session}")
		return r.on("s3:GetObject", object)
	}
	template := [][]string{{"${EpA}", "${EpB}"}, {"${VpcA}", "${VpcB}"}, {"${RoleA}", "${RoleB}"}, {"${RoleA.RoleId}", "${RoleB.RoleId}"}}
	tests := []struct {
		name     string
		req      Request
		bucket   string
		endpoint string
		distinct [][]string
		want     Decision
	}{
		{"the endpoint of the policy", through(role, "${EpA}", "${VpcA}"), onlyVpce("${EpA}"), "", template, Allowed},
		{"another endpoint of the template", through(role, "${EpB}", "${VpcA}"), onlyVpce("${EpA}"), "", template, ExplicitDeny},
		{"two ids not known to be distinct", through(role, "${EpB}", "${VpcA}"), onlyVpce("${EpA}"), "", nil, Unknown},
		{"a literal id may be the template's endpoint", through(role, "${EpB}", "${VpcA}"), onlyVpce("vpce-1a2b3c4d"), "", template, Unknown},
		{"another VPC of the template", through(role, "${EpB}", "${VpcB}"), onlyVpc, "", template, ExplicitDeny},
		{"ArnEquals aws:PrincipalArn of the role", through(role, "${EpA}", "${VpcA}"), "", forRole("ArnEquals", "aws:PrincipalArn", role), template, Allowed},
		{"ArnEquals aws:PrincipalArn of another role", through(other, "${EpA}", "${VpcA}"), "", forRole("ArnEquals", "aws:PrincipalArn", role), template, ImplicitDeny},
		{"ArnLike with a role name that is a prefix", through(other, "${EpA}", "${VpcA}"), "", forRole("ArnLike", "aws:PrincipalArn", role+"*"), template, Unknown},
		{"aws:userid of another role's unique id", through(other, "${EpA}", "${VpcA}"), "", forRole("StringLike", "aws:userid", "${RoleA.RoleId}:*"), template, ImplicitDeny},
		{"aws:userid of the role's unique id", through(role, "${EpA}", "${VpcA}"), "", forRole("StringLike", "aws:userid", "${RoleA.RoleId}:*"), template, Allowed},
	}
	for _, tt := range tests {
		in := Input{Identity: []Policy{mustParse(t, "identity policy", allow)}, Distinct: tt.distinct}
		if tt.bucket != "" {
			in.Resource = []Policy{mustParse(t, "bucket policy", tt.bucket)}
		}
		if tt.endpoint != "" {
			p := mustParse(t, "endpoint policy", tt.endpoint)
			in.Endpoint = &p
		}
		if got := Evaluate(tt.req, in); got.Decision != tt.want {
			t.Errorf("%s: Evaluate = %s (%s), want %s", tt.name, got.Decision, got.Reason, tt.want)
		}
	}
}

// S3 User Guide, "Access control list (ACL) overview": an ACL "defines
// which AWS accounts or groups are granted access"; "Blocking public
// access to your Amazon S3 storage": IgnorePublicAcls "causes Amazon S3 to
// ignore all public ACLs on a bucket and any objects that it contains".
// What is left grants accounts only, and a grant to an account, like a
// bucket policy's Allow naming the account, "delegates authority to the
// account" (IAM User Guide, "AWS JSON policy elements: Principal"): it
// allows no role of the bucket's own account by itself, and across
// accounts it may be the resource's half (IAM User Guide, "Cross-account
// policy evaluation logic").
func TestDocACLsGrantAccountsAndGroups(t *testing.T) {
	const object = "arn:aws:s3:::amzn-s3-demo-bucket/x"
	acl := func(accountsOnly bool) Policy {
		return Policy{Name: "the bucket's ACLs", Unknown: "ACLs are enabled", GrantsOnly: true, AccountsOnly: accountsOnly}
	}
	reads := mustParse(t, "identity policy", `{"Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}`)
	own := roleSession("arn:aws:iam::111122223333:role/Reader", "s").on("s3:GetObject", object)
	own.ResourceAccount = "111122223333"
	other := roleSession("arn:aws:iam::444455556666:role/Reader", "s").on("s3:GetObject", object)
	other.ResourceAccount = "111122223333"
	tests := []struct {
		name     string
		req      Request
		identity []Policy
		acl      Policy
		want     Decision
	}{
		{"a public grant may reach a role of the account", own, nil, acl(false), Unknown},
		{"a grant to the account reaches no role of it", own, nil, acl(true), ImplicitDeny},
		{"the role's own Allow still allows", own, []Policy{reads}, acl(true), Allowed},
		{"across accounts, the ACL may be the resource's half", other, []Policy{reads}, acl(true), Unknown},
		{"across accounts, without an identity Allow", other, nil, acl(true), ImplicitDeny},
	}
	for _, tt := range tests {
		got := Evaluate(tt.req, Input{Identity: tt.identity, Resource: []Policy{tt.acl}})
		if got.Decision != tt.want {
			t.Errorf("%s: Evaluate = %s (%s), want %s", tt.name, got.Decision, got.Reason, tt.want)
		}
	}
}
