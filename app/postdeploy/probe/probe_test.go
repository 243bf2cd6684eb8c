package probe

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"os"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	"github.com/aws/aws-sdk-go-v2/service/lambda"

	"github.com/privates3/privates3/app/postdeploy/internal/fakeaws"
	"github.com/privates3/privates3/lambda/uploader/contract"
)

const (
	stack    = "PrivateS3-dev"
	bucket   = "privates3-dev-storage6b64fb91-abc"
	uploader = "PrivateS3-dev-UploaderFunction79114915-x1"
	control  = "PrivateS3-dev-ControlFunction8A0764F3-y2"
	id       = "20261123T100000Z-0a1b2c3d"
)

// s3Denied is the control's error message for an AccessDenied from S3 whose
// context (after the resource) is context: the uploader's words, the SDK's,
// then S3's message in the form of the Amazon S3 User Guide, "Troubleshoot
// access denied (403 Forbidden) errors in Amazon S3", section "Access denied
// message examples and how to troubleshoot them".
func s3Denied(context string) string {
	return "S3 refused to write s3://" + bucket + "/probe/x (AccessDenied): a bucket policy, the function's IAM role or its credentials deny it; outside the VPC endpoint this is the expected result for a private bucket: operation error S3: PutObject, https response error StatusCode: 403, api error AccessDenied: " +
		"User: arn:aws:sts::123456789012:assumed-role/ctl/x is not authorized to perform: s3:PutObject on resource: \"arn:aws:s3:::" + bucket + "/probe/x\" " + context
}

// denied is the bucket policy's refusal, the one that proves privacy.
var denied = s3Denied("with an explicit deny in a resource-based policy")

func outputs(withControl bool) map[string]string {
	o := map[string]string{OutputBucketName: bucket, OutputUploaderName: uploader, OutputEndpointID: "vpce-0abc1234"}
	if withControl {
		o[OutputControlName] = control
	}
	return o
}

// server starts the fake with the stack deployed and the functions given.
func server(t *testing.T, out map[string]string, up, ctl fakeaws.Function) *fakeaws.Server {
	t.Helper()
	s := fakeaws.New()
	t.Cleanup(s.Close)
	s.Stacks[stack] = fakeaws.Stack{Status: "CREATE_COMPLETE", Outputs: out}
	if up != nil {
		s.Functions[uploader] = up
	}
	if ctl != nil {
		s.Functions[control] = ctl
	}
	t.Cleanup(func() {
		if u := s.Unexpected(); len(u) > 0 {
			t.Errorf("the check sent requests the fake does not speak: %q", u)
		}
	})
	return s
}

// clients are the real SDK clients pointed at the fake, with one attempt
// so a 5xx is reported at once instead of after backoff.
func clients(s *fakeaws.Server) (*cloudformation.Client, *lambda.Client) {
	cfg := aws.Config{Region: "eu-west-1", Credentials: credentials.NewStaticCredentialsProvider("AKIDPROBETEST", "secret", ""), RetryMaxAttempts: 1}
	cf := cloudformation.NewFromConfig(cfg, func(o *cloudformation.Options) { o.BaseEndpoint = aws.String(s.URL) })
	lam := lambda.NewFromConfig(cfg, func(o *lambda.Options) { o.BaseEndpoint = aws.String(s.URL) })
	return cf, lam
}

func runProbe(t *testing.T, s *fakeaws.Server) *Result {
	t.Helper()
	cf, lam := clients(s)
	res, err := Run(context.Background(), cf, lam, stack, id)
	if err != nil {
		t.Fatalf("Run() error = %v", err)
	}
	return res
}

func TestPrivateBucket(t *testing.T) {
	s := server(t, outputs(true), fakeaws.Stores(bucket, "3HL4kqtJlcpXroDTDmJ.rmSpXd3dIbrHY"), fakeaws.Fails(contract.ErrAccessDenied, denied))
	res := runProbe(t, s)
	if !res.Passed || len(res.Problems) != 0 {
		t.Fatalf("Passed = %v, problems %q; want a pass", res.Passed, res.Problems)
	}
	upKey, ctlKey := Keys(id)
	if res.Uploader.Outcome != Stored || res.Uploader.StoredKey != upKey || res.Uploader.VersionID != "3HL4kqtJlcpXroDTDmJ.rmSpXd3dIbrHY" {
		t.Errorf("uploader = %+v, want stored %s with its version", res.Uploader, upKey)
	}
	if res.Control.Outcome != FunctionError || res.Control.ErrorType != contract.ErrAccessDenied || !res.Control.OK {
		t.Errorf("control = %+v, want an OK AccessDenied", res.Control)
	}
	if res.Uploader.LogTail != "" || res.Control.LogTail != "" {
		t.Error("log tails kept although both functions behaved")
	}
	if !strings.HasPrefix(res.Summary, "PASS: ") || !strings.Contains(res.Summary, "the bucket is private") {
		t.Errorf("Summary = %q", res.Summary)
	}

	// What was sent: the stack asked for by name, then one synchronous
	// invocation of each function, signed for Lambda in the region, with
	// a fresh key under probe/ that must not overwrite anything.
	if d := s.Describes(); len(d) != 1 || d[0].Get("StackName") != stack {
		t.Errorf("DescribeStacks calls = %v, want one for %s", d, stack)
	}
	inv := s.Invocations()
	if len(inv) != 2 || inv[0].Function != uploader || inv[1].Function != control {
		t.Fatalf("invocations = %+v, want the uploader then the control", inv)
	}
	for i, want := range []string{upKey, ctlKey} {
		in := inv[i]
		if in.InvocationType != "RequestResponse" || in.LogType != "Tail" {
			t.Errorf("%s: invocation type %q, log type %q; want RequestResponse, Tail", in.Function, in.InvocationType, in.LogType)
		}
		if !strings.Contains(in.Authorization, "/eu-west-1/lambda/aws4_request") {
			t.Errorf("%s: Authorization %q is not SigV4 for lambda in eu-west-1", in.Function, in.Authorization)
		}
		var ev map[string]any
		if err := json.Unmarshal(in.Payload, &ev); err != nil {
			t.Fatalf("%s: payload %s: %v", in.Function, in.Payload, err)
		}
		if ev["key"] != want || !strings.HasPrefix(want, KeyPrefix) {
			t.Errorf("%s: key = %v, want %s", in.Function, ev["key"], want)
		}
		if c, _ := ev["content"].(string); c == "" {
			t.Errorf("%s: no content in %s", in.Function, in.Payload)
		}
		// overwrite false is the default, so it is omitted; true would be
		// a bug that lets a probe replace data.
		if _, ok := ev["overwrite"]; ok {
			t.Errorf("%s: overwrite sent in %s, want it absent (false)", in.Function, in.Payload)
		}
	}
	if upKey == ctlKey {
		t.Error("uploader and control share a key")
	}
}

// failure is one way the functions can behave that fails the check.
type failure struct {
	name     string
	up, ctl  fakeaws.Function
	role     string // the observation that must fail
	outcome  string
	want     string // in its verdict
	logTail  bool
	twoFails bool
}

// failures is every outcome the check knows that is not a pass; the
// canary's tests run them too.
func failures() []failure {
	stores := fakeaws.Stores(bucket, "v1")
	deny := fakeaws.Fails(contract.ErrAccessDenied, denied)
	return []failure{
		{"control stored: not private", stores, stores, "control", Stored, "the bucket is NOT private", false, false},
		{"uploader denied", deny, deny, "uploader", FunctionError, "the bucket refused the uploader", true, false},
		{"uploader has no route", fakeaws.Fails(contract.ErrS3Unreachable, "dial tcp: i/o timeout"), deny, "uploader", FunctionError, "gateway endpoint is on the uploader subnets' route tables", true, false},
		{"control has no network", stores, fakeaws.Fails(contract.ErrS3Unreachable, "dial tcp: i/o timeout"), "control", FunctionError, "S3Unreachable, not AccessDenied, so the probe proves nothing", true, false},
		{"control refused by IAM", stores, fakeaws.Fails(contract.ErrAccessDenied, "put: User: arn:aws:sts::123456789012:assumed-role/ctl/x is not authorized to perform: s3:PutObject because no identity-based policy allows the s3:PutObject action"), "control", FunctionError, "by IAM, not by the bucket policy", true, false},
		// Someone else's deny (issue 9 §5): each would refuse the write on
		// an open bucket too. Forms from the S3 page named at s3Denied,
		// sections "Access denied due to ...".
		{"control refused by an SCP", stores, fakeaws.Fails(contract.ErrAccessDenied, s3Denied("with an explicit deny in a service control policy")), "control", FunctionError, "but by a service control policy, not by the bucket policy", true, false},
		{"control refused by an RCP", stores, fakeaws.Fails(contract.ErrAccessDenied, s3Denied("with an explicit deny in a resource control policy")), "control", FunctionError, "but by a resource control policy, not by the bucket policy", true, false},
		{"control refused by its permissions boundary", stores, fakeaws.Fails(contract.ErrAccessDenied, s3Denied("with an explicit deny in a permissions boundary")), "control", FunctionError, "but by a permissions boundary, not by the bucket policy", true, false},
		{"control refused by a session policy", stores, fakeaws.Fails(contract.ErrAccessDenied, s3Denied("with an explicit deny in a session policy")), "control", FunctionError, "but by a session policy, not by the bucket policy", true, false},
		{"control refused by an identity-based deny", stores, fakeaws.Fails(contract.ErrAccessDenied, s3Denied("with an explicit deny in an identity-based policy")), "control", FunctionError, "but by IAM, not by the bucket policy", true, false},
		{"control not allowed by the bucket", stores, fakeaws.Fails(contract.ErrAccessDenied, s3Denied("because no resource-based policy allows the s3:PutObject action")), "control", FunctionError, "for want of an allow, not by the bucket policy's explicit deny", true, false},
		{"control refused by a VPC endpoint policy", stores, fakeaws.Fails(contract.ErrAccessDenied, s3Denied("because no VPC endpoint policy allows the s3:PutObject action")), "control", FunctionError, "for want of an allow", true, false},
		{"control refused by a plain Access Denied", stores, fakeaws.Fails(contract.ErrAccessDenied, "S3 refused to write s3://"+bucket+"/probe/x (AccessDenied): operation error S3: PutObject, https response error StatusCode: 403, api error AccessDenied: Access Denied"), "control", FunctionError, "names no policy type", true, false},
		{"control refused by a KMS key policy", stores, fakeaws.Fails(contract.ErrAccessDenied, "S3 refused to write s3://"+bucket+"/probe/x (AccessDenied): operation error S3: PutObject, https response error StatusCode: 403, api error AccessDenied: User: arn:aws:sts::123456789012:assumed-role/ctl/x is not authorized to perform: kms:GenerateDataKey on resource: arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab with an explicit deny in a resource-based policy"), "control", FunctionError, "kms:GenerateDataKey is not an S3 action", true, false},
		{"control's token expired", stores, fakeaws.Fails(contract.ErrAccessDenied, "S3 refused to write s3://b/probe/x (ExpiredToken): a bucket policy, the function's IAM role or its credentials deny it"), "control", FunctionError, "for its credentials (ExpiredToken)", true, false},
		{"control timed out", stores, fakeaws.Fails("Sandbox.Timedout", "Task timed out after 30.00 seconds"), "control", FunctionError, "Sandbox.Timedout, not AccessDenied", true, false},
		{"uploader not found", nil, deny, "uploader", InvokeFailed, "ResourceNotFoundException: Function not found", false, false},
		{"control not found", stores, nil, "control", InvokeFailed, "ResourceNotFoundException", false, false},
		{"lambda service error", fakeaws.APIError(http.StatusInternalServerError, "ServiceException", "internal failure"), deny, "uploader", InvokeFailed, "ServiceException: internal failure", false, false},
		{"uploader result not JSON", fakeaws.Body("stored!", ""), deny, "uploader", InvokeFailed, "UnreadableResponse", false, false},
		{"uploader result not a response", fakeaws.Body(`{"ok": true}`, ""), deny, "uploader", InvokeFailed, "not the uploader's {bucket, key", false, false},
		{"control result null", stores, fakeaws.Body("null", ""), "control", InvokeFailed, "proves nothing", false, false},
		{"function error not JSON", fakeaws.Body("signal: segmentation fault", "Unhandled"), deny, "uploader", FunctionError, `UnreadableUnhandledError: function error payload is not {errorType, errorMessage}: "signal: segmentation fault"`, false, false},
		{"uploader wrote elsewhere", fakeaws.Stores("some-other-bucket", "v1"), deny, "uploader", Stored, "but the stack's bucket is " + bucket, true, false},
		{"both wrong", deny, stores, "control", Stored, "NOT private", true, true},
	}
}

func TestFailures(t *testing.T) {
	for _, tc := range failures() {
		t.Run(tc.name, func(t *testing.T) {
			res := runProbe(t, server(t, outputs(true), tc.up, tc.ctl))
			if res.Passed {
				t.Fatalf("Passed = true for %s; result %+v", tc.name, res)
			}
			o := res.Uploader
			if tc.role == "control" {
				o = res.Control
			}
			if o.OK || o.Outcome != tc.outcome || !strings.Contains(o.Verdict, tc.want) {
				t.Errorf("%s = OK %v, outcome %s, verdict %q; want failed, %s, containing %q", tc.role, o.OK, o.Outcome, o.Verdict, tc.outcome, tc.want)
			}
			if tc.logTail && o.LogTail == "" {
				t.Errorf("%s: log tail dropped although it failed", tc.role)
			}
			wantProblems := 1
			if tc.twoFails {
				wantProblems = 2
			}
			if len(res.Problems) != wantProblems || !strings.HasPrefix(res.Summary, "FAIL: ") {
				t.Errorf("problems %q, summary %q; want %d problem(s) and FAIL", res.Problems, res.Summary, wantProblems)
			}
		})
	}
}

// includeControl=false: no control output. The uploader is still checked
// and the result says plainly that privacy was not probed.
func TestNoControlDeployed(t *testing.T) {
	s := server(t, outputs(false), fakeaws.Stores(bucket, "v1"), nil)
	res := runProbe(t, s)
	if !res.Passed || res.Control.Outcome != NotDeployed {
		t.Fatalf("Passed %v, control %+v; want a pass with the control not deployed", res.Passed, res.Control)
	}
	if !strings.Contains(res.Summary, "uploader only") || !strings.Contains(res.Summary, "privacy was not probed") {
		t.Errorf("Summary = %q, want it to say privacy was not probed", res.Summary)
	}
	if !strings.Contains(res.Control.Verdict, "includeControl=false") {
		t.Errorf("control verdict = %q, want includeControl=false named", res.Control.Verdict)
	}
	if n := len(s.Invocations()); n != 1 {
		t.Errorf("%d invocations, want only the uploader's", n)
	}
	// And a failing uploader still fails without a control.
	s = server(t, outputs(false), fakeaws.Fails(contract.ErrS3Unreachable, "timeout"), nil)
	if res := runProbe(t, s); res.Passed {
		t.Error("Passed with a failing uploader and no control")
	}
}

func TestNoVersionID(t *testing.T) {
	res := runProbe(t, server(t, outputs(true), fakeaws.Stores(bucket, ""), fakeaws.Fails(contract.ErrAccessDenied, denied)))
	if !res.Passed || !strings.Contains(res.Uploader.Verdict, "no version id") {
		t.Errorf("Passed %v, uploader verdict %q; want a pass that mentions the missing version id", res.Passed, res.Uploader.Verdict)
	}
}

// Problems with the stack stop the check before any invocation.
func TestStackErrors(t *testing.T) {
	for _, tc := range []struct {
		name  string
		setup func(*fakeaws.Server)
		stack string
		want  string
		is    error
	}{
		{"not found", nil, "PrivateS3-prod", "stack not found: PrivateS3-prod (Stack with id PrivateS3-prod does not exist)", ErrStackNotFound},
		{"no outputs yet", func(s *fakeaws.Server) {
			s.Stacks[stack] = fakeaws.Stack{Status: "ROLLBACK_COMPLETE"}
		}, stack, "stack PrivateS3-dev (status ROLLBACK_COMPLETE) lacks the outputs BucketName, UploaderFunctionName", nil},
		{"no uploader output", func(s *fakeaws.Server) {
			s.Stacks[stack] = fakeaws.Stack{Status: "UPDATE_COMPLETE", Outputs: map[string]string{OutputBucketName: bucket}}
		}, stack, "lacks the output UploaderFunctionName", nil},
		{"malformed XML", func(s *fakeaws.Server) {
			s.DescribeStacks = &fakeaws.Raw{Status: 200, ContentType: "text/xml", Body: "<DescribeStacksResponse><DescribeStacksResult><Stacks><member>"}
		}, stack, "describe stack PrivateS3-dev", nil},
		{"no stacks", func(s *fakeaws.Server) {
			s.DescribeStacks = &fakeaws.Raw{Status: 200, ContentType: "text/xml", Body: `<DescribeStacksResponse xmlns="http://cloudformation.amazonaws.com/doc/2010-05-15/"><DescribeStacksResult><Stacks></Stacks></DescribeStacksResult></DescribeStacksResponse>`}
		}, stack, "CloudFormation returned 0 stacks, want exactly 1", nil},
		{"server error", func(s *fakeaws.Server) {
			s.DescribeStacks = &fakeaws.Raw{Status: 500, ContentType: "text/plain", Body: "oops"}
		}, stack, "describe stack PrivateS3-dev", nil},
		{"access denied", func(s *fakeaws.Server) {
			s.DescribeStacks = &fakeaws.Raw{Status: 403, ContentType: "text/xml", Body: `<ErrorResponse><Error><Type>Sender</Type><Code>AccessDenied</Code><Message>not authorized to perform: cloudformation:DescribeStacks</Message></Error></ErrorResponse>`}
		}, stack, "AccessDenied: not authorized to perform: cloudformation:DescribeStacks", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := server(t, outputs(true), fakeaws.Stores(bucket, "v1"), fakeaws.Stores(bucket, "v2"))
			if tc.setup != nil {
				tc.setup(s)
			}
			cf, lam := clients(s)
			res, err := Run(context.Background(), cf, lam, tc.stack, id)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Run() = %v, %v; want error containing %q", res, err, tc.want)
			}
			if tc.is != nil && !errors.Is(err, tc.is) {
				t.Errorf("Run() error %v is not %v", err, tc.is)
			}
			if n := len(s.Invocations()); n != 0 {
				t.Errorf("%d functions invoked although the stack could not be read", n)
			}
		})
	}
}

// Bad input is refused before any request is sent.
func TestBadInput(t *testing.T) {
	s := server(t, outputs(true), nil, nil)
	cf, lam := clients(s)
	for _, tc := range []struct{ stack, id, want string }{
		{"", id, `stack name ""`},
		{"Private S3", id, `stack name "Private S3"`},
		{"1stack", id, `stack name "1stack"`},
		{strings.Repeat("a", 129), id, "up to 127"},
		{stack, "", `probe id ""`},
		{stack, "a/b", `probe id "a/b"`},
	} {
		if _, err := Run(context.Background(), cf, lam, tc.stack, tc.id); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Run(%q, %q) error = %v, want %q", tc.stack, tc.id, err, tc.want)
		}
	}
	if n := len(s.Describes()); n != 0 {
		t.Errorf("%d DescribeStacks calls for bad input, want 0", n)
	}
	for _, ok := range []string{"PrivateS3-dev", "arn:aws:cloudformation:eu-west-1:123456789012:stack/PrivateS3-dev/0f6c1a40-0000-11f0-0000-000000000000"} {
		if err := ValidStackName(ok); err != nil {
			t.Errorf("ValidStackName(%q) = %v, want nil", ok, err)
		}
	}
}

// The synthesized templates (their committed snapshots) carry the outputs
// under the keys the check reads, with the resource types it expects.
func TestOutputKeysMatchTheStack(t *testing.T) {
	for _, f := range []string{"../../stack/testdata/default.template.json", "../../stack/testdata/full.template.json"} {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var tmpl struct {
			Resources map[string]struct{ Type string }
			Outputs   map[string]struct {
				Value struct{ Ref string }
			}
		}
		if err := json.Unmarshal(data, &tmpl); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		for key, typ := range map[string]string{
			OutputBucketName:   "AWS::S3::Bucket",
			OutputUploaderName: "AWS::Lambda::Function",
			OutputControlName:  "AWS::Lambda::Function",
			OutputEndpointID:   "AWS::EC2::VPCEndpoint",
		} {
			o, ok := tmpl.Outputs[key]
			if !ok {
				t.Errorf("%s has no output %s", f, key)
				continue
			}
			if got := tmpl.Resources[o.Value.Ref].Type; got != typ {
				t.Errorf("%s output %s refers to %q, a %q; want a %s", f, key, o.Value.Ref, got, typ)
			}
		}
	}
}

func TestWriteText(t *testing.T) {
	s := server(t, outputs(true), fakeaws.Stores(bucket, "v1"), fakeaws.Stores(bucket, "v2"))
	res := runProbe(t, s)
	var b bytes.Buffer
	if err := WriteText(&b, res, "eu-west-1"); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, want := range []string{
		"Post-deploy check of stack PrivateS3-dev (eu-west-1), status CREATE_COMPLETE",
		"bucket " + bucket + ", endpoint vpce-0abc1234",
		"ROLE      FUNCTION",
		"uploader  " + uploader + "  stored        stored, version v1  ok",
		"control   " + control + "   AccessDenied  stored, version v2  FAIL",
		"uploader: stored probe/" + id + "-uploader.txt (version v1)",
		"FAIL: control: stored probe/" + id + "-control.txt (version v2) from outside the VPC: the bucket is NOT private",
		"log tail of the control (" + control + "):\n  START RequestId: fake",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("text output lacks %q:\n%s", want, out)
		}
	}
	b.Reset()
	if err := WriteJSON(&b, res); err != nil {
		t.Fatal(err)
	}
	var back Result
	if err := json.Unmarshal(b.Bytes(), &back); err != nil {
		t.Fatalf("JSON output does not decode: %v", err)
	}
	if back.Passed || back.Control.VersionID != "v2" || back.Stack.Bucket != bucket || len(back.Problems) != 1 {
		t.Errorf("JSON round trip = %+v", back)
	}
}
