package matrix

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/privates3/privates3/app/accessmatrix/cfn"
	"github.com/privates3/privates3/app/accessmatrix/network"
	"github.com/privates3/privates3/constructs/policy"
)

// The two stage templates of `cdk synth -c environments=examples/
// environments.json` (testdata/stages, copied from cdk.out/assembly-dev
// and cdk.out/assembly-prod): the same constructs, so the same logical
// ids (UploaderFunction79114915, Storage6B64FB91, ...), in two stacks.
const (
	devStage  = "devPrivateS3dev38B48B8E.template.json"
	prodStage = "prodPrivateS3prodD8827722.template.json"
	devVpce   = "NetworkVpcS3Endpoint87783328"
	prodVpce  = "ImportedVpcS3Endpoint2ECBA889"
	uploader  = "UploaderFunction79114915"
	storage   = "Storage6B64FB91"
)

func loadStage(t testing.TB, name string) *cfn.Template {
	t.Helper()
	tmpl, err := cfn.Load(filepath.Join("..", "testdata", "stages", name))
	if err != nil {
		t.Fatal(err)
	}
	return tmpl
}

// stageOptions say what the CDK app knows of both environments: their
// account and region, the prefix list it looked up, and the route tables
// of prod's existing VPC.
var stageOptions = Options{
	Values: map[string]string{"AWS::AccountId": "111111111111", "AWS::Region": "eu-west-1"},
	External: network.External{
		Subnets:       map[string]string{"subnet-0prod000000000001": "rtb-0prod000000000001", "subnet-0prod000000000002": "rtb-0prod000000000002"},
		S3PrefixLists: []string{"pl-6da54004"},
	},
}

// findRow returns the one row of a function of template on bucket of
// bucketTemplate ("" for the function's own) for action, failing on none
// or several.
func findRow(t *testing.T, rows []Row, template, function, bucket, bucketTemplate, action string) Row {
	t.Helper()
	var found []Row
	for _, r := range rows {
		if r.Template == template && r.Function == function && r.Bucket == bucket && r.BucketTemplate == bucketTemplate && r.Action == action {
			found = append(found, r)
		}
	}
	if len(found) != 1 {
		t.Fatalf("%s %s on %s (%q) %s: %d rows, want 1", template, function, bucket, bucketTemplate, action, len(found))
	}
	return found[0]
}

// Logical ids are local to their template: the two stages' uploaders,
// buckets and endpoints are distinct resources, and each uploader writes
// to its own bucket through its own endpoint, exactly as it does when its
// template is given alone.
func TestStagesShareLogicalIDs(t *testing.T) {
	dev, prod := loadStage(t, devStage), loadStage(t, prodStage)
	rows, err := BuildWith(stageOptions, dev, prod)
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct{ template, endpoint string }{{devStage, devVpce}, {prodStage, prodVpce}} {
		for _, action := range []string{"s3:PutObject", "s3:PutObjectTagging"} {
			r := findRow(t, rows, tt.template, uploader, storage, "", action)
			if r.Decision != Allowed || r.Path != "vpc-endpoint" || r.Endpoint != tt.endpoint {
				t.Errorf("%s uploader %s on its own bucket = %s via %s %s (%s), want allowed via vpc-endpoint %s", tt.template, action, r.Decision, r.Path, r.Endpoint, r.Reason, tt.endpoint)
			}
		}
		// The same as the template alone (its other stage's rows aside).
		alone, err := BuildWith(stageOptions, map[string]*cfn.Template{devStage: dev, prodStage: prod}[tt.template])
		if err != nil {
			t.Fatal(err)
		}
		var own []Row
		for _, r := range rows {
			if r.Template == tt.template && r.BucketTemplate == "" {
				own = append(own, r)
			}
		}
		if len(own) != len(alone) {
			t.Errorf("%s: %d rows on its own buckets, %d alone", tt.template, len(own), len(alone))
			continue
		}
		for i := range own {
			a, b := own[i], alone[i]
			if a.Function != b.Function || a.Bucket != b.Bucket || a.Action != b.Action || a.Path != b.Path || a.Endpoint != b.Endpoint || a.Decision != b.Decision {
				t.Errorf("%s: row %d = %s %s %s %s %s %s, alone %s %s %s %s %s %s", tt.template, i, a.Function, a.Bucket, a.Action, a.Path, a.Endpoint, a.Decision, b.Function, b.Bucket, b.Action, b.Path, b.Endpoint, b.Decision)
			}
		}
	}
	// Not doubled: one row per function, bucket and action.
	type key struct{ template, function, bucket, bucketTemplate, path, endpoint, action string }
	seen := map[key]bool{}
	perCaller := map[key]int{}
	for _, r := range rows {
		k := key{r.Template, r.Function, r.Bucket, r.BucketTemplate, r.Path, r.Endpoint, r.Action}
		if seen[k] {
			t.Errorf("row %+v twice", k)
		}
		seen[k] = true
		k.action = ""
		perCaller[k]++
	}
	for k, n := range perCaller {
		if n != len(DefaultActions) {
			t.Errorf("%+v: %d rows, want %d", k, n, len(DefaultActions))
		}
	}
	// Each template's probes, on its own buckets only, through its own
	// endpoints only.
	own := map[string]string{devStage: devVpce, prodStage: prodVpce}
	probes := map[string]bool{}
	for _, r := range rows {
		if !strings.HasPrefix(r.Function, "@") {
			continue
		}
		probes[r.Template+" "+r.Function+" "+r.Endpoint] = true
		if r.BucketTemplate != "" {
			t.Errorf("%s %s probes %s of %s", r.Template, r.Function, r.Bucket, r.BucketTemplate)
		}
		if r.Endpoint != "" && r.Endpoint != own[r.Template] {
			t.Errorf("%s %s %s on %s goes through %s, another template's endpoint", r.Template, r.Function, r.Action, r.Bucket, r.Endpoint)
		}
	}
	if !probes[devStage+" @plaintext "+devVpce] || !probes[prodStage+" @plaintext "+prodVpce] ||
		!probes[devStage+" @sigv2 "+devVpce] || !probes[prodStage+" @sigv2 "+prodVpce] || len(probes) != 8 {
		t.Errorf("probes = %v, want @console, @deployer, and @plaintext and @sigv2 through its own endpoint, for each template", probes)
	}
	// Across the stages: prod's bucket accepts dev's endpoint (an SSM
	// parameter dev writes, prod reads), so its endpoint deny does not
	// apply to dev's uploader; dev's endpoint policy and role allow
	// nothing on prod's bucket. Dev's control is refused by the deny.
	r := findRow(t, rows, devStage, uploader, storage, prodStage, "s3:PutObject")
	if r.Decision != ImplicitDeny || r.Endpoint != devVpce || strings.Contains(r.Reason, "DenyObjectsOutsideEndpoint") {
		t.Errorf("dev uploader s3:PutObject on prod's bucket = %s via %s (%s), want implicit-deny via %s with prod's endpoint deny not applying", r.Decision, r.Endpoint, r.Reason, devVpce)
	}
	r = findRow(t, rows, devStage, "ControlFunction8A0764F3", storage, prodStage, "s3:PutObject")
	if r.Decision != ExplicitDeny || !strings.Contains(r.Reason, "DenyObjectsOutsideEndpoint") {
		t.Errorf("dev control s3:PutObject on prod's bucket = %s (%s), want explicit-deny by DenyObjectsOutsideEndpoint", r.Decision, r.Reason)
	}
	// The summary lists a bucket's rows under its own template, the other
	// template's functions by their template.
	var b bytes.Buffer
	if err := WriteSummary(&b, rows); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		devStage + ": bucket " + storage + "\n  ControlFunction8A0764F3 (internet): 0 of 106 S3 actions allowed\n",
		"  " + uploader + " (vpc-endpoint " + devVpce + "): 2 allowed: s3:PutObject, s3:PutObjectTagging\n",
		prodStage + ": bucket " + storage + "\n  " + devStage + " ControlFunction8A0764F3 (internet): 0 of 106 S3 actions allowed\n",
		"  " + devStage + " " + uploader + " (vpc-endpoint " + devVpce + "): 0 of 106 S3 actions allowed\n      106 implicit-deny\n",
		"  " + uploader + " (vpc-endpoint " + prodVpce + "): 2 allowed: s3:PutObject, s3:PutObjectTagging\n",
	} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("summary lacks %q:\n%s", want, b.String())
		}
	}
	if strings.Contains(b.String(), "212") {
		t.Errorf("summary counts 212 actions somewhere:\n%s", b.String())
	}
	// An expectation may name the bucket's template.
	exps, err := ParseExpectations([]byte(`[
	  {"function": "Uploader*", "bucket": "Storage6B64FB91", "bucketTemplate": "prod*", "template": "dev*", "action": "s3:PutObject", "decision": "implicit-deny"},
	  {"function": "Uploader*", "bucket": "Storage6B64FB91", "bucketTemplate": "prod*", "template": "prod*", "action": "s3:PutObject", "path": "vpc-endpoint", "decision": "allowed"}
	]`))
	if err != nil {
		t.Fatal(err)
	}
	if mm := Check(rows, exps); len(mm) != 0 {
		t.Errorf("Check() = %v, want none", mm)
	}
}

// Without the template that writes it, the SSM parameter prod's bucket
// policy reads stays unknown, and an unknown that depends on it names it.
func TestStageSSMParameterUnknownWithoutItsWriter(t *testing.T) {
	dev, prod := loadStage(t, devStage), loadStage(t, prodStage)
	delete(dev.Resources, "EndpointIdParameterC41DA529")
	const param = "${SsmParameterValueprivates3devendpointidC96584B6F00A464EAD1953AFF4B05118Parameter}"
	var origin string
	rows, err := buildWith(Options{Values: stageOptions.Values, External: stageOptions.External, Actions: []string{"s3:PutObject"}, NoProbes: true}, func(_ caller, _ *bucket, _ policy.Request, in policy.Input) {
		origin = in.Origin(param)
	}, dev, prod)
	if err != nil {
		t.Fatal(err)
	}
	r := findRow(t, rows, devStage, uploader, storage, prodStage, "s3:PutObject")
	if want := `bucket policy StoragePolicyFA2733C0 statement "DenyObjectsOutsideEndpoint" may also deny it: StringNotEquals aws:SourceVpce [${ImportedVpcS3Endpoint2ECBA889},` + param + `]`; !strings.Contains(r.Reason, want) {
		t.Errorf("dev uploader s3:PutObject on prod's bucket, no SSM writer: %s (%s), want the reason to contain %q", r.Decision, r.Reason, want)
	}
	if want := "the value of SSM parameter /privates3/dev/endpoint-id, read at deploy"; !strings.HasPrefix(origin, want) {
		t.Errorf("origin(%s) = %q, want it to start %q", param, origin, want)
	}
}

// Two copies of the app's template, every logical id equal, the endpoints
// included: each copy's rows on its own buckets are those of the template
// alone (its prefix-list lookup, security group and endpoint are its own),
// and each copy's @plaintext goes through its one endpoint only.
func TestTwoCopiesOfTheApp(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("..", "testdata", "cdk-privates3-dev.template.json"))
	if err != nil {
		t.Fatal(err)
	}
	var copies []*cfn.Template
	for _, name := range []string{"dev.template.json", "prod.template.json"} {
		tmpl, err := cfn.Parse(name, data)
		if err != nil {
			t.Fatal(err)
		}
		copies = append(copies, tmpl)
	}
	alone, err := Build(copies[0])
	if err != nil {
		t.Fatal(err)
	}
	rows, err := Build(copies...)
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"dev.template.json", "prod.template.json"} {
		var own []Row
		plaintext := map[string]int{}
		for _, r := range rows {
			if r.Template == name && r.BucketTemplate == "" {
				own = append(own, r)
			}
			if r.Template == name && r.Function == ProbePlaintext {
				plaintext[r.Bucket]++
			}
		}
		if len(own) != len(alone) {
			t.Fatalf("%s: %d rows on its own buckets, %d alone", name, len(own), len(alone))
		}
		for i := range own {
			a, b := own[i], alone[i]
			// With two templates each has its own account and region
			// symbols; alone, the plain ones.
			a.PathReason = strings.ReplaceAll(a.PathReason, "${"+strings.TrimSuffix(name, ".template.json")+"#AWS::", "${AWS::")
			if a.Function != b.Function || a.Bucket != b.Bucket || a.Action != b.Action || a.Path != b.Path || a.Decision != b.Decision || a.PathReason != b.PathReason {
				t.Errorf("%s: %s %s %s = %s %s, alone %s %s", name, a.Function, a.Bucket, a.Action, a.Path, a.Decision, b.Path, b.Decision)
			}
		}
		for bucket, n := range plaintext {
			if n != len(DefaultActions) {
				t.Errorf("%s @plaintext on %s: %d rows, want %d (its own endpoint only)", name, bucket, n, len(DefaultActions))
			}
		}
	}
	// Across the copies: each bucket's policy allows only its own
	// template's endpoint, so the other's uploader is refused.
	r := findRow(t, rows, "dev.template.json", uploader, storage, "prod.template.json", "s3:PutObject")
	if r.Decision == Allowed {
		t.Errorf("dev's uploader s3:PutObject on prod's bucket = allowed (%s)", r.Reason)
	}
}
