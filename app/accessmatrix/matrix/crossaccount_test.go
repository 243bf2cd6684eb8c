package matrix

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/privates3/privates3/app/accessmatrix/cfn"
)

// The app's template with every option on names a writer role of another
// account (arn:aws:iam::210987654321:role/Writer) in its bucket policy and
// allows a second endpoint, vpce-0aaaaaaaaaaaaaaaa, which no template
// defines. The cross-account probes prove the bucket's half of that grant:
// the named role may put objects through the allowed endpoint and nothing
// else, from nowhere else; another role of its account gets nothing.
// Across accounts both the bucket policy and the identity policy must
// allow (IAM User Guide, "Cross-account policy evaluation logic"); the
// partner endpoint is taken with the policy AWS attaches by default, "a
// default policy ... that allows full access to the service" (AWS
// PrivateLink guide, "Control access to VPC endpoints using endpoint
// policies").
func TestCrossAccountWriterProbes(t *testing.T) {
	tmpl, err := cfn.Load(filepath.Join("..", "..", "stack", "testdata", "full.template.json"))
	if err != nil {
		t.Fatal(err)
	}
	const (
		writer   = ProbeCrossAccount + ":210987654321:Writer"
		unnamed  = ProbeUnnamedRole + ":210987654321"
		other    = "vpce-0aaaaaaaaaaaaaaaa"
		ownEP    = "NetworkVpcS3Endpoint87783328"
		bucketID = "Storage6B64FB91"
	)
	type want struct {
		function, endpoint, action, decision string
		reason                               []string
	}
	check := func(t *testing.T, rows []Row, cases []want) {
		t.Helper()
		for _, w := range cases {
			var found *Row
			for i := range rows {
				r := &rows[i]
				if r.Function == w.function && r.Bucket == bucketID && r.Endpoint == w.endpoint && r.Action == w.action {
					found = r
				}
			}
			if found == nil {
				t.Errorf("no row %s via %q %s", w.function, w.endpoint, w.action)
				continue
			}
			if found.Decision != w.decision {
				t.Errorf("%s via %q %s = %s (%s), want %s", w.function, w.endpoint, w.action, found.Decision, found.Reason, w.decision)
			}
			for _, s := range w.reason {
				if !strings.Contains(found.Reason, s) {
					t.Errorf("%s via %q %s: reason %q lacks %q", w.function, w.endpoint, w.action, found.Reason, s)
				}
			}
		}
	}
	t.Run("bucket in a known account", func(t *testing.T) {
		rows, err := BuildWith(Options{Values: map[string]string{"AWS::AccountId": "123456789012", "AWS::Region": "eu-west-1"}}, tmpl)
		if err != nil {
			t.Fatal(err)
		}
		check(t, rows, []want{
			{writer, other, "s3:PutObject", Allowed, []string{`"CrossAccountWriters"`, "AdministratorAccess", "another VPC's", "AWS's default"}},
			{writer, other, "s3:PutObjectTagging", Allowed, nil},
			{writer, other, "s3:GetObject", ImplicitDeny, []string{"Cross-account policy evaluation logic", "no resource policy statement allows s3:GetObject"}},
			{writer, other, "s3:DeleteObject", ImplicitDeny, nil},
			{writer, other, "s3:ListBucket", ImplicitDeny, nil},
			{writer, other, "s3:PutBucketPolicy", ImplicitDeny, nil},
			{writer, "", "s3:PutObject", ExplicitDeny, []string{`"DenyObjectsOutsideEndpoint"`}},
			{writer, "", "s3:ListBucket", ExplicitDeny, []string{`"DenyBucketOutsideEndpointExceptDeployment"`}},
			// Through this VPC's endpoint the endpoint policy refuses it:
			// it lets only the uploader's role through.
			{writer, ownEP, "s3:PutObject", ImplicitDeny, []string{"endpoint policy of " + ownEP}},
			{unnamed, other, "s3:PutObject", ImplicitDeny, []string{"Cross-account policy evaluation logic"}},
			{unnamed, "", "s3:PutObject", ExplicitDeny, nil},
		})
		for _, r := range rows {
			if strings.HasPrefix(r.Function, "@") && strings.Contains(r.Function, "210987654321") && r.Decision == Allowed && (r.Function != writer || r.Endpoint != other || (r.Action != "s3:PutObject" && r.Action != "s3:PutObjectTagging")) {
				t.Errorf("%s via %q %s = allowed (%s): the bucket grants the other account only the writer's two object writes through an allowed endpoint", r.Function, r.Endpoint, r.Action, r.Reason)
			}
		}
	})
	// Environment-agnostic: the bucket's account is known only at deploy.
	// The writer's grant holds whatever it is; anything beyond it is
	// unknown, since in account 210987654321 itself the role's own
	// identity policy would suffice.
	t.Run("bucket account unknown", func(t *testing.T) {
		rows, err := Build(tmpl)
		if err != nil {
			t.Fatal(err)
		}
		check(t, rows, []want{
			{writer, other, "s3:PutObject", Allowed, nil},
			{writer, other, "s3:GetObject", Unknown, []string{"account 210987654321 compared with the resource's account ${AWS::AccountId}: unknown"}},
			{writer, "", "s3:GetObject", ExplicitDeny, nil},
		})
	})
}

// A bucket policy that names no role of another account gets no
// cross-account probe.
func TestNoCrossAccountProbeWithoutForeignRole(t *testing.T) {
	tmpl, err := cfn.Load(filepath.Join("..", "testdata", "cdk-privates3-dev.template.json"))
	if err != nil {
		t.Fatal(err)
	}
	rows, err := Build(tmpl)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rows {
		if strings.HasPrefix(r.Function, ProbeCrossAccount) || strings.HasPrefix(r.Function, ProbeUnnamedRole) {
			t.Fatalf("unexpected probe row %s %s", r.Function, r.Action)
		}
	}
}

// A hand-written bucket policy may name the foreign role with Principal
// "*" and aws:PrincipalArn instead: it gets the same probes. A wildcard
// ARN names many roles, not one, and gets none.
func TestCrossAccountRoleByCondition(t *testing.T) {
	const doc = `{"Resources": {
	  "Data": {"Type": "AWS::S3::Bucket"},
	  "P": {"Type": "AWS::S3::BucketPolicy", "Properties": {"Bucket": {"Ref": "Data"}, "PolicyDocument": {"Statement": [
	    {"Sid": "Partner", "Effect": "Allow", "Principal": "*", "Action": "s3:PutObject", "Resource": {"Fn::Sub": "${Data.Arn}/*"},
	     "Condition": {"ArnEquals": {"aws:PrincipalArn": ["arn:aws:iam::210987654321:role/Writer", "arn:aws:iam::210987654321:role/team-*"]}}}]}}}
	}}`
	rows := buildInline(t, doc, Options{Actions: []string{"s3:PutObject", "s3:GetObject"}, Values: map[string]string{"AWS::AccountId": "123456789012"}})
	checkProbes(t, rows, map[string]string{
		ProbeCrossAccount + ":210987654321:Writer s3:PutObject": Allowed,
		ProbeCrossAccount + ":210987654321:Writer s3:GetObject": ImplicitDeny,
		ProbeUnnamedRole + ":210987654321 s3:PutObject":         ImplicitDeny,
		ProbeUnnamedRole + ":210987654321 s3:GetObject":         ImplicitDeny,
	})
}

// checkProbes checks that the cross-account probes' rows are exactly
// want, by "FUNCTION ACTION".
func checkProbes(t *testing.T, rows []Row, want map[string]string) {
	t.Helper()
	got := map[string]string{}
	for _, r := range rows {
		if strings.HasPrefix(r.Function, ProbeCrossAccount) || strings.HasPrefix(r.Function, ProbeUnnamedRole) {
			got[r.Function+" "+r.Action] = r.Decision
		}
	}
	if len(got) != len(want) {
		t.Errorf("probe rows %v, want %v", got, want)
	}
	for k, w := range want {
		if got[k] != w {
			t.Errorf("%s = %q, want %s", k, got[k], w)
		}
	}
}

// A bucket policy that grants a whole other account (its id, or its root
// ARN) gets the @unnamed-role probe, which then gets what the account is
// granted: any of its roles may, once its own account allows it. Naming the
// account "delegates authority to the account" (IAM User Guide, "AWS JSON
// policy elements: Principal", AWS account principals), and the resource
// policy may "specify the entire account" ("Cross-account policy
// evaluation logic").
func TestCrossAccountWholeAccount(t *testing.T) {
	for _, principal := range []string{`"210987654321"`, `"arn:aws:iam::210987654321:root"`} {
		doc := `{"Resources": {
		  "Data": {"Type": "AWS::S3::Bucket"},
		  "P": {"Type": "AWS::S3::BucketPolicy", "Properties": {"Bucket": {"Ref": "Data"}, "PolicyDocument": {"Statement": [
		    {"Sid": "Partner", "Effect": "Allow", "Principal": {"AWS": ` + principal + `}, "Action": "s3:PutObject", "Resource": {"Fn::Sub": "${Data.Arn}/*"}}]}}}
		}}`
		rows := buildInline(t, doc, Options{Actions: []string{"s3:PutObject", "s3:GetObject"}, Values: map[string]string{"AWS::AccountId": "123456789012"}})
		t.Run(principal, func(t *testing.T) {
			checkProbes(t, rows, map[string]string{ProbeUnnamedRole + ":210987654321 s3:PutObject": Allowed, ProbeUnnamedRole + ":210987654321 s3:GetObject": ImplicitDeny})
		})
	}
}
