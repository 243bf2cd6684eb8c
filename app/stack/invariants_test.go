package stack_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/privates3/privates3/app/stack"
)

// configurations are the synthesized variants the invariants must hold for.
var configurations = map[string]map[string]any{
	"default": nil,
	"full":    full,
	"minimal": {"includeControl": "false", "denyMode": "object-actions"},
}

func TestInvariantsHoldForEveryConfiguration(t *testing.T) {
	for name, ctx := range configurations {
		t.Run(name, func(t *testing.T) {
			s := synth(t, ctx)
			if err := stack.CheckInvariants(s.cfg, root, name, s.raw, s.external); err != nil {
				t.Error(err)
			}
		})
	}
}

// The check can fail: without the deny outside the endpoint the control's
// write is no longer denied, and the error shows the matrix.
func TestInvariantsCatchAnOpenBucket(t *testing.T) {
	s := synth(t, nil)
	open := withStatement(t, s.raw, "AWS::S3::BucketPolicy", "DenyObjectsOutsideEndpoint", func(map[string]any) any { return nil })
	err := stack.CheckInvariants(s.cfg, root, "open", open, s.external)
	if err == nil {
		t.Fatal("CheckInvariants(bucket policy without DenyObjectsOutsideEndpoint) = nil, want the control's write flagged")
	}
	for _, want := range []string{"Control*", "s3:PutObject", "explicit-deny", "The access matrix that shows why", "ControlFunction"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error does not hold %q:\n%s", want, err)
		}
	}
}

// The cross-account invariants can fail: a writer's grant widened to reads,
// or gone, is flagged with the probe and the endpoint.
func TestInvariantsCatchACrossAccountGrant(t *testing.T) {
	s := synth(t, full)
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
			err := stack.CheckInvariants(s.cfg, root, "full", withStatement(t, s.raw, "AWS::S3::BucketPolicy", "CrossAccountWriters", tc.change), s.external)
			if err == nil {
				t.Fatal("CheckInvariants = nil, want the cross-account grant flagged")
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
func TestInvariantsCatchAMissingKeyGrant(t *testing.T) {
	s := synth(t, full)
	raw := withStatement(t, s.raw, "AWS::IAM::ManagedPolicy", "EncryptThroughS3", func(map[string]any) any { return nil })
	err := stack.CheckInvariants(s.cfg, root, "full", raw, s.external)
	if err == nil {
		t.Fatal("CheckInvariants(no kms:GenerateDataKey grant) = nil, want the uploader's write flagged")
	}
	for _, want := range []string{"Uploader*", "s3:PutObject", "kms:GenerateDataKey on KMS key StorageKey"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q:\n%.2000s", want, err)
		}
	}
}

// withStatement returns the template raw with every statement of that Sid,
// in the PolicyDocument of the resources of type typ, replaced by what
// change returns (nil removes it). No statement of that Sid fails the
// test: the edit would prove nothing.
func withStatement(t *testing.T, raw []byte, typ, sid string, change func(map[string]any) any) []byte {
	t.Helper()
	var tp tmpl
	if err := json.Unmarshal(raw, &tp); err != nil {
		t.Fatal(err)
	}
	found := 0
	for _, r := range tp.resources(typ) {
		doc := props(r)["PolicyDocument"].(map[string]any)
		var kept []any
		for _, st := range doc["Statement"].([]any) {
			if get(st, "Sid") == sid {
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
	out, err := json.Marshal(tp)
	if err != nil {
		t.Fatal(err)
	}
	return out
}
