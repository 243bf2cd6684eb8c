package invariants

// These tests judge the committed snapshots of the stack's template
// (app/stack/testdata, kept equal to a fresh synth by app/stack's
// TestSnapshot), with the logical ids written as literals: no CDK synth,
// no jsii. That the invariants hold on what the stack synthesizes for every
// configuration, and that Of reads these ids from the stack's fields, is
// tested in app/stack.

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/jsii-runtime-go"

	"github.com/privates3/privates3/app/config"
)

func TestMain(m *testing.M) {
	code := m.Run()
	// No test here synthesizes, but the package links the CDK (through
	// app/stack), whose jsii client creates a temporary folder as it
	// initializes: close it, or it is left in TMPDIR.
	jsii.Close()
	os.Exit(code)
}

// The snapshots' logical ids (construct paths Storage/Resource,
// Uploader/Function, Control/Function).
const (
	snapshotBucket   = "Storage6B64FB91"
	snapshotUploader = "UploaderFunction79114915"
	snapshotControl  = "ControlFunction8A0764F3"
)

// snapshot returns a committed template and a subject for it: the
// configuration its context gives, the snapshot's logical ids and no
// network outside the template (the snapshots create their VPC).
func snapshot(t *testing.T, name string, context map[string]any) (Subject, []byte) {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("..", "stack", "testdata", name+".template.json"))
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Parse(func(k string) any { return context[k] })
	if err != nil {
		t.Fatalf("config.Parse(%v): %v", context, err)
	}
	return Subject{Config: cfg, Bucket: snapshotBucket, Uploader: snapshotUploader, Control: snapshotControl}, raw
}

// full is the context app/stack's tests synthesize full.template.json
// with, from the file they read it from.
var full = func() map[string]any {
	b, err := os.ReadFile(filepath.Join("..", "stack", "testdata", "full.context.json"))
	if err != nil {
		panic(err)
	}
	var ctx map[string]any
	if err := json.Unmarshal(b, &ctx); err != nil {
		panic(err)
	}
	return ctx
}()

// The invariants hold on both snapshots, and on the full one also with a
// concrete account and region: a literal admin role ARN and a concrete
// account must not make the deployment role's exception, or anyone
// else's denial, uncertain.
func TestHoldOnTheSnapshots(t *testing.T) {
	concrete := map[string]any{"account": "123456789012", "region": "eu-west-1"}
	for k, v := range full {
		concrete[k] = v
	}
	for name, tc := range map[string]struct {
		file    string
		context map[string]any
	}{
		"default":                  {"default", nil},
		"full":                     {"full", full},
		"full, account and region": {"full", concrete},
	} {
		t.Run(name, func(t *testing.T) {
			s, raw := snapshot(t, tc.file, tc.context)
			if err := s.Check(name, raw); err != nil {
				t.Error(err)
			}
		})
	}
}

// The check can fail: without the deny outside the endpoint the control's
// write is no longer denied, and the error shows the matrix.
func TestCatchAnOpenBucket(t *testing.T) {
	s, raw := snapshot(t, "default", nil)
	open := withStatement(t, raw, "AWS::S3::BucketPolicy", "DenyObjectsOutsideEndpoint", func(map[string]any) any { return nil })
	err := s.Check("open", open)
	if err == nil {
		t.Fatal("Check(bucket policy without DenyObjectsOutsideEndpoint) = nil, want the control's write flagged")
	}
	for _, want := range []string{"expected ControlFunction8A0764F3 s3:PutObject on Storage6B64FB91", "explicit-deny", "The access matrix that shows why"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error does not hold %q:\n%s", want, err)
		}
	}
}

// Without DenyNotSigV4 an administrator's Signature Version 2 request
// through the endpoint is no longer denied by the bucket: @sigv2's
// invariant fails.
func TestCatchSigV2Allowed(t *testing.T) {
	s, raw := snapshot(t, "default", nil)
	err := s.Check("sigv2", withStatement(t, raw, "AWS::S3::BucketPolicy", "DenyNotSigV4", func(map[string]any) any { return nil }))
	if err == nil {
		t.Fatal("Check(bucket policy without DenyNotSigV4) = nil, want @sigv2 flagged")
	}
	if want := "expected @sigv2 s3:* on Storage6B64FB91 to be explicit-deny"; !strings.Contains(err.Error(), want) {
		t.Errorf("error does not hold %q:\n%.3000s", want, err)
	}
}

// The cross-account invariants can fail: a writer's grant widened to reads,
// or gone, is flagged with the probe and the endpoint.
func TestCatchACrossAccountGrant(t *testing.T) {
	s, raw := snapshot(t, "full", full)
	for name, tc := range map[string]struct {
		change func(map[string]any) any
		want   []string
	}{
		"widened to reads": {func(st map[string]any) any {
			st["Action"] = []any{"s3:PutObject", "s3:PutObjectTagging", "s3:GetObject"}
			return st
		},
			[]string{"@cross-account:210987654321:Writer s3:GetObject", "via vpce-0aaaaaaaaaaaaaaaa", "a cross-account writer cannot read"}},
		"gone": {func(map[string]any) any { return nil },
			[]string{"@cross-account:210987654321:Writer", "no row matches"}},
	} {
		t.Run(name, func(t *testing.T) {
			err := s.Check("full", withStatement(t, raw, "AWS::S3::BucketPolicy", "CrossAccountWriters", tc.change))
			if err == nil {
				t.Fatal("Check = nil, want the cross-account grant flagged")
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error lacks %q:\n%.3000s", w, err)
				}
			}
		})
	}
}

// With KMS on, the uploader's write needs the key too: without its
// kms:GenerateDataKey grant the invariants fail, naming the key.
func TestCatchAMissingKeyGrant(t *testing.T) {
	s, raw := snapshot(t, "full", full)
	err := s.Check("full", withStatement(t, raw, "AWS::IAM::ManagedPolicy", "EncryptThroughS3", func(map[string]any) any { return nil }))
	if err == nil {
		t.Fatal("Check(no kms:GenerateDataKey grant) = nil, want the uploader's write flagged")
	}
	for _, want := range []string{"UploaderFunction79114915", "s3:PutObject", "kms:GenerateDataKey on KMS key StorageKey"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q:\n%.2000s", want, err)
		}
	}
}

// The logical ids decide what is judged: the access-log bucket, which is
// deliberately not endpoint-only, fails the private bucket's invariants,
// and an id the template lacks matches no row rather than passing.
func TestTheLogicalIDsDecide(t *testing.T) {
	for name, tc := range map[string]struct {
		edit func(*Subject)
		want string
	}{
		"the access-log bucket": {func(s *Subject) { s.Bucket = "StorageAccessLogs96FB524C" }, "expected @console s3:* (object-level) on StorageAccessLogs96FB524C to be explicit-deny"},
		"a renamed uploader":    {func(s *Subject) { s.Uploader = "UploaderFunction00000000" }, "expected UploaderFunction00000000 s3:PutObject on Storage6B64FB91 to be allowed: no row matches"},
	} {
		t.Run(name, func(t *testing.T) {
			s, raw := snapshot(t, "default", nil)
			tc.edit(&s)
			if err := s.Check(name, raw); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("Check = %.1500v, want it to contain %q", err, tc.want)
			}
		})
	}
}

// A stack without a control has no control rows to check; with one, its
// rows are checked (an id of the wrong function fails them).
func TestControlRowsOnlyWithAControl(t *testing.T) {
	s, raw := snapshot(t, "default", nil)
	s.Control = ""
	if err := s.Check("no control", raw); err != nil {
		t.Errorf("Check without a control = %v, want nil", err)
	}
	s.Control = snapshotUploader
	if err := s.Check("uploader as control", raw); err == nil || !strings.Contains(err.Error(), "expected UploaderFunction79114915 s3:PutObject on Storage6B64FB91 to be explicit-deny") {
		t.Errorf("Check with the uploader as control = %.1500v, want the control's denial broken", err)
	}
}

// A subject must name its resources by logical id: not by a glob, which
// the expectations would match against any resource, nor not at all.
func TestRefusesWhatIsNotALogicalID(t *testing.T) {
	for name, tc := range map[string]struct {
		edit func(*Subject)
		want string
	}{
		"a glob":      {func(s *Subject) { s.Uploader = "Uploader*" }, `logical id "Uploader*" for {uploader} is not alphanumeric`},
		"no bucket":   {func(s *Subject) { s.Bucket = "" }, "names no bucket or no uploader"},
		"no uploader": {func(s *Subject) { s.Uploader = "" }, "names no bucket or no uploader"},
	} {
		t.Run(name, func(t *testing.T) {
			s, raw := snapshot(t, "default", nil)
			tc.edit(&s)
			if err := s.Check(name, raw); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("Check = %v, want it to contain %q", err, tc.want)
			}
		})
	}
}

// The CDK app's dependency graph stays free of the review tools it does
// not need: the stack (the synth layer) links none of the access matrix's
// proof machinery (its S3 action table, data the constructs use, may be
// there), and the app, which runs the invariants, not the SAM expander,
// since a CDK template has no Transform. The matrix command links it, which
// shows the test would see it.
func TestAppLinksNoSAMExpander(t *testing.T) {
	const module = "github.com/privates3/privates3/"
	deps := func(pkg string) []string {
		out, err := exec.Command("go", "list", "-deps", module+pkg).Output()
		if err != nil {
			t.Fatalf("go list -deps %s: %v", pkg, err)
		}
		return strings.Fields(string(out))
	}
	has := func(pkgs []string, prefix string) []string {
		var out []string
		for _, p := range pkgs {
			if strings.HasPrefix(p, module+prefix) {
				out = append(out, p)
			}
		}
		return out
	}
	if got := has(deps("app"), "app/accessmatrix/sam"); len(got) > 0 {
		t.Errorf("the CDK app links %v: the access matrix's SAM expander belongs to the matrix command only: import app/accessmatrix/cfn/cfnsam there, never from a package the app imports", got)
	}
	stackDeps := deps("app/stack")
	for _, proof := range []string{"cfn", "matrix", "network", "sam"} {
		if got := has(stackDeps, "app/accessmatrix/"+proof); len(got) > 0 {
			t.Errorf("app/stack links %v: the stack exposes plain fields and app/invariants runs the proofs", got)
		}
	}
	if got := has(deps("app/accessmatrix"), "app/accessmatrix/sam"); len(got) == 0 {
		t.Error("the matrix command links no app/accessmatrix/sam: it would refuse SAM templates, and this test could not see the expander")
	}
}

// withStatement returns the template raw with every statement of that Sid,
// in the PolicyDocument of the resources of type typ, replaced by what
// change returns (nil removes it). No statement of that Sid fails the
// test: the edit would prove nothing.
func withStatement(t *testing.T, raw []byte, typ, sid string, change func(map[string]any) any) []byte {
	t.Helper()
	var whole map[string]any
	if err := json.Unmarshal(raw, &whole); err != nil {
		t.Fatal(err)
	}
	found := 0
	for _, r := range whole["Resources"].(map[string]any) {
		r := r.(map[string]any)
		if r["Type"] != typ {
			continue
		}
		doc := r["Properties"].(map[string]any)["PolicyDocument"].(map[string]any)
		var kept []any
		for _, st := range doc["Statement"].([]any) {
			if st.(map[string]any)["Sid"] == sid {
				found++
				st = change(st.(map[string]any))
			}
			if st != nil {
				kept = append(kept, st)
			}
		}
		doc["Statement"] = kept
	}
	if found == 0 {
		t.Fatalf("no %s statement %q to edit: renamed?", typ, sid)
	}
	out, err := json.Marshal(whole)
	if err != nil {
		t.Fatal(err)
	}
	return out
}
