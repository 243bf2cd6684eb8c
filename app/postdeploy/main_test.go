package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/privates3/privates3/app/postdeploy/internal/fakeaws"
	"github.com/privates3/privates3/app/postdeploy/probe"
	"github.com/privates3/privates3/lambda/uploader/contract"
)

const (
	bucket   = "privates3-dev-storage6b64fb91-abc"
	uploader = "PrivateS3-dev-UploaderFunction79114915-x1"
	control  = "PrivateS3-dev-ControlFunction8A0764F3-y2"
)

// What the control's refusal looks like, in the uploader's words around
// S3's (the forms are those of the Amazon S3 User Guide, "Troubleshoot
// access denied (403 Forbidden) errors in Amazon S3", section "Access denied
// message examples and how to troubleshoot them").
func s3Denied(context string) string {
	return "S3 refused to write s3://" + bucket + "/probe/x (AccessDenied): a bucket policy, the function's IAM role or its credentials deny it: operation error S3: PutObject, https response error StatusCode: 403, api error AccessDenied: " +
		"User: arn:aws:sts::123456789012:assumed-role/ctl/x is not authorized to perform: s3:PutObject on resource: \"arn:aws:s3:::" + bucket + "/probe/x\" " + context
}

var bucketDenied = s3Denied("with an explicit deny in a resource-based policy")

// env points the command's default AWS configuration at the fake the way a
// user would point it anywhere: AWS_ENDPOINT_URL_<SERVICE> and static keys
// in the environment, with every shared file and the instance metadata
// service out of reach so nothing on this machine leaks in.
func env(t *testing.T, s *fakeaws.Server) {
	t.Helper()
	dir := t.TempDir()
	for k, v := range map[string]string{
		"AWS_ENDPOINT_URL_CLOUDFORMATION": s.URL,
		"AWS_ENDPOINT_URL_LAMBDA":         s.URL,
		"AWS_ACCESS_KEY_ID":               "AKIDPOSTDEPLOYTEST",
		"AWS_SECRET_ACCESS_KEY":           "secret",
		"AWS_SESSION_TOKEN":               "",
		"AWS_CONFIG_FILE":                 filepath.Join(dir, "config"),
		"AWS_SHARED_CREDENTIALS_FILE":     filepath.Join(dir, "credentials"),
		"AWS_EC2_METADATA_DISABLED":       "true",
		"AWS_MAX_ATTEMPTS":                "1",
		"AWS_REGION":                      "",
		"AWS_DEFAULT_REGION":              "",
		"AWS_PROFILE":                     "",
		"AWS_ENDPOINT_URL":                "",
	} {
		t.Setenv(k, v)
	}
}

func deployed(t *testing.T, name string, out map[string]string, up, ctl fakeaws.Function) *fakeaws.Server {
	t.Helper()
	s := fakeaws.New()
	t.Cleanup(s.Close)
	s.Stacks[name] = fakeaws.Stack{Status: "UPDATE_COMPLETE", Outputs: out}
	s.Functions[uploader] = up
	if ctl != nil {
		s.Functions[control] = ctl
	}
	env(t, s)
	return s
}

func outputs(withControl bool) map[string]string {
	o := map[string]string{probe.OutputBucketName: bucket, probe.OutputUploaderName: uploader, probe.OutputEndpointID: "vpce-0abc1234"}
	if withControl {
		o[probe.OutputControlName] = control
	}
	return o
}

func runCmd(args ...string) (int, string, string) {
	var out, errb bytes.Buffer
	code := run(context.Background(), args, &out, &errb)
	return code, out.String(), errb.String()
}

func TestPrivate(t *testing.T) {
	s := deployed(t, "PrivateS3-dev", outputs(true), fakeaws.Stores(bucket, "v1"), fakeaws.Fails(contract.ErrAccessDenied, bucketDenied))
	code, out, stderr := runCmd("--region", "eu-west-1")
	if code != 0 {
		t.Fatalf("exit %d, stderr %s, stdout %s", code, stderr, out)
	}
	for _, want := range []string{"stack PrivateS3-dev (eu-west-1)", "AccessDenied  AccessDenied", "PASS: "} {
		if !strings.Contains(out, want) {
			t.Errorf("stdout lacks %q:\n%s", want, out)
		}
	}
	inv := s.Invocations()
	if len(inv) != 2 || !strings.Contains(inv[0].Authorization, "/eu-west-1/lambda/aws4_request") {
		t.Fatalf("invocations = %+v, want two signed for eu-west-1", inv)
	}
	// Two runs never reuse a key: the uploader would refuse the second.
	code, _, _ = runCmd("--region", "eu-west-1")
	inv = s.Invocations()
	if code != 0 || len(inv) != 4 || bytes.Equal(inv[0].Payload, inv[2].Payload) {
		t.Errorf("second run: exit %d, %d invocations, same payload %v", code, len(inv), len(inv) == 4 && bytes.Equal(inv[0].Payload, inv[2].Payload))
	}
}

func TestNotPrivateExitsOne(t *testing.T) {
	deployed(t, "PrivateS3-prod", outputs(true), fakeaws.Stores(bucket, "v1"), fakeaws.Stores(bucket, "v2"))
	t.Setenv("AWS_REGION", "eu-central-1")
	code, out, _ := runCmd("--stack", "PrivateS3-prod", "--json")
	if code != 1 {
		t.Fatalf("exit %d, want 1; stdout %s", code, out)
	}
	var res probe.Result
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatalf("--json output does not decode: %v\n%s", err, out)
	}
	if res.Passed || res.Stack.Name != "PrivateS3-prod" || !strings.Contains(res.Summary, "NOT private") {
		t.Errorf("result = %+v", res)
	}
}

func TestUploaderFailsExitsOne(t *testing.T) {
	deployed(t, "PrivateS3-dev", outputs(true), fakeaws.Fails(contract.ErrS3Unreachable, "dial tcp 52.218.0.1:443: i/o timeout"), fakeaws.Fails(contract.ErrAccessDenied, bucketDenied))
	code, out, _ := runCmd("--region", "eu-west-1")
	if code != 1 || !strings.Contains(out, "uploader: failed with S3Unreachable") {
		t.Errorf("exit %d, stdout:\n%s\nwant 1 and the uploader's failure", code, out)
	}
}

// Someone else's deny is not the bucket's: a service control policy or a
// plain "Access Denied" fails the check, and the output says which.
func TestOtherDenyExitsOne(t *testing.T) {
	for _, tc := range []struct{ name, msg, want string }{
		{"service control policy", s3Denied("with an explicit deny in a service control policy"), "by a service control policy, not by the bucket policy"},
		{"plain Access Denied", "S3 refused to write s3://" + bucket + "/probe/x (AccessDenied): operation error S3: PutObject, https response error StatusCode: 403, api error AccessDenied: Access Denied", "with a message that names no policy type"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			deployed(t, "PrivateS3-dev", outputs(true), fakeaws.Stores(bucket, "v1"), fakeaws.Fails(contract.ErrAccessDenied, tc.msg))
			code, out, _ := runCmd("--region", "eu-west-1")
			if code != 1 || !strings.Contains(out, "FAIL: control: refused with AccessDenied, but "+tc.want) || !strings.Contains(out, "so the probe proves nothing") {
				t.Errorf("exit %d, stdout:\n%s\nwant 1 and a verdict containing %q", code, out, tc.want)
			}
		})
	}
}

func TestNoControlPasses(t *testing.T) {
	deployed(t, "PrivateS3-prod", outputs(false), fakeaws.Stores(bucket, "v1"), nil)
	code, out, _ := runCmd("--stack", "PrivateS3-prod", "--region", "eu-west-1")
	if code != 0 || !strings.Contains(out, "not deployed (includeControl=false)") || !strings.Contains(out, "PASS (uploader only)") {
		t.Errorf("exit %d, stdout:\n%s\nwant 0 and a plain statement that the control is not deployed", code, out)
	}
}

func TestCouldNotRunExitsTwo(t *testing.T) {
	deployed(t, "PrivateS3-dev", outputs(true), fakeaws.Stores(bucket, "v1"), nil)
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"stack not found", []string{"--stack", "PrivateS3-qa", "--region", "eu-west-1"}, "no stack PrivateS3-qa in eu-west-1: deploy it first"},
		{"no region", nil, "no AWS region: pass --region or set AWS_REGION"},
		{"bad stack name", []string{"--stack", "PrivateS3_dev"}, `--stack: stack name "PrivateS3_dev"`},
		{"bad timeout", []string{"--timeout", "0s"}, "--timeout 0s: want a positive duration"},
		{"unparsable timeout", []string{"--timeout", "soon"}, `invalid value "soon" for flag -timeout`},
		{"bad drift wait", []string{"--drift", "--drift-wait", "-1m"}, "--drift-wait -1m0s: want a positive duration such as 5m"},
		{"unknown flag", []string{"--stage", "dev"}, "flag provided but not defined: -stage"},
		{"argument", []string{"PrivateS3-dev"}, `unexpected argument "PrivateS3-dev"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, out, stderr := runCmd(tc.args...)
			if code != 2 || !strings.Contains(stderr, tc.want) {
				t.Errorf("run(%q) = %d, stderr %q; want 2 and %q", tc.args, code, stderr, tc.want)
			}
			if out != "" {
				t.Errorf("stdout = %q, want nothing when the check could not run", out)
			}
			// With --json, before or after the rest, stdout is JSON
			// whatever the failure.
			for _, args := range [][]string{append([]string{"--json"}, tc.args...), append(append([]string{}, tc.args...), "-json=true")} {
				if tc.name == "argument" && args[len(args)-1] == "-json=true" {
					continue // after an argument, flags are arguments too
				}
				code, out, _ := runCmd(args...)
				checkFailureJSON(t, args, code, out, tc.want)
			}
		})
	}
}

func TestNewID(t *testing.T) {
	now := time.Date(2026, 11, 23, 10, 0, 0, 0, time.FixedZone("CET", 3600))
	a, err := newID(now)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := newID(now)
	if !strings.HasPrefix(a, "20261123T090000Z-") || len(a) != len("20261123T090000Z-")+8 || a == b {
		t.Errorf("newID = %q, %q; want UTC time, 8 hex digits, and different ids", a, b)
	}
	if _, err := probe.Run(context.Background(), nil, nil, "PrivateS3-dev", "x/"+a); err == nil {
		t.Error("probe.Run accepted an id with a slash")
	}
}

// The help text is the user's first documentation.
func TestHelp(t *testing.T) {
	code, _, stderr := runCmd("-h")
	if code != 0 || !strings.Contains(stderr, "usage: postdeploy") || !strings.Contains(stderr, "PrivateS3-dev") {
		t.Errorf("-h = %d, %q", code, stderr)
	}
}

// checkFailureJSON asserts the --json answer of a check that could not
// run: exit 2 and one JSON object with passed false and the error.
func checkFailureJSON(t *testing.T, args []string, code int, out, want string) {
	t.Helper()
	var got map[string]any
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Errorf("run(%q) stdout is not JSON (%v):\n%s", args, err, out)
		return
	}
	if msg, _ := got["error"].(string); code != 2 || got["passed"] != false || !strings.Contains(msg, want) || len(got) != 2 {
		t.Errorf("run(%q) = %d, %v; want 2 and {passed: false, error: ...%s...}", args, code, got, want)
	}
}

// With no credentials anywhere the SDK's chain ends at the instance
// metadata service, whose error means nothing to a user on a laptop: the
// command says there are no credentials and how to give them, and asks
// AWS nothing. A source that has credentials but fails (here a
// credential_process that exits 1) is a different sentence.
func TestNoCredentials(t *testing.T) {
	s := deployed(t, "PrivateS3-dev", outputs(true), fakeaws.Stores(bucket, "v1"), nil)
	t.Setenv("AWS_ACCESS_KEY_ID", "")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "")
	const sentence = "postdeploy: no AWS credentials (none in the environment, the shared config and credentials files, or an instance role): set AWS_PROFILE to a profile made with aws configure (or aws configure sso), or export AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, for the stack's account"
	code, out, stderr := runCmd("--region", "eu-west-1")
	if code != 2 || stderr != sentence+"\n" || out != "" {
		t.Errorf("run without credentials = %d, stdout %q, stderr %q; want 2 and only:\n%s", code, out, stderr, sentence)
	}
	if code, _, stderr = runCmd(); code != 2 || !strings.Contains(stderr, "for the stack's account, and pass --region or set AWS_REGION") {
		t.Errorf("run without credentials or region = %d, %q; want both said at once", code, stderr)
	}
	code, out, _ = runCmd("--json", "--region", "eu-west-1")
	checkFailureJSON(t, []string{"--json"}, code, out, "no AWS credentials")
	if d := s.Describes(); len(d) != 0 {
		t.Errorf("%d DescribeStacks sent without credentials, want none", len(d))
	}
	config := filepath.Join(t.TempDir(), "config")
	if err := os.WriteFile(config, []byte("[default]\ncredential_process = sh -c 'exit 1'\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Setenv("AWS_CONFIG_FILE", config)
	code, _, stderr = runCmd("--region", "eu-west-1")
	if code != 2 || !strings.Contains(stderr, "postdeploy: AWS credentials could not be loaded (") || !strings.Contains(stderr, "aws sts get-caller-identity") {
		t.Errorf("run with a failing credential_process = %d, %q; want 2 and the profile's problem", code, stderr)
	}
}

func TestJSONAsked(t *testing.T) {
	for args, want := range map[string]bool{
		"": false, "--json": true, "-json": true, "-json=true": true, "--json=false": false,
		"--stack X --json": true, "--json=maybe": false, "-- --json": false, "--jsonx": false,
	} {
		if got := jsonAsked(strings.Fields(args)); got != want {
			t.Errorf("jsonAsked(%q) = %v, want %v", args, got, want)
		}
	}
}
