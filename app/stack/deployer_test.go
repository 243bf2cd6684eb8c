package stack_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/privates3/privates3/app/accessmatrix/cfn"
	"github.com/privates3/privates3/app/accessmatrix/matrix"
	"github.com/privates3/privates3/constructs/s3actions"
)

// handlerPermissions reads testdata/cfn-handler-permissions.json: the s3:
// permissions CloudFormation's own handlers of AWS::S3::Bucket and
// AWS::S3::BucketPolicy declare in their registry schemas (the file names
// the schema it was taken from). It returns the read, update and delete
// handlers' actions that are IAM actions (the schemas also list a few API
// operation names, such as DeleteBucketCors, which IAM never evaluates),
// and those names apart.
func handlerPermissions(t *testing.T) (actions, notIAM []string) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "cfn-handler-permissions.json"))
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Types map[string]struct {
			Handlers map[string]struct {
				S3 []string `json:"s3"`
			} `json:"handlers"`
		} `json:"types"`
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, typ := range []string{"AWS::S3::Bucket", "AWS::S3::BucketPolicy"} {
		for _, h := range []string{"read", "update", "delete"} {
			list := doc.Types[typ].Handlers[h].S3
			if len(list) == 0 {
				t.Fatalf("%s handler %s lists no s3: permission", typ, h)
			}
			for _, a := range list {
				a, ok := s3actions.Lookup(a)
				switch {
				case !ok:
					notIAM = append(notIAM, a.Name)
				case !seen[a.Name]:
					seen[a.Name] = true
					actions = append(actions, a.Name)
				}
			}
		}
	}
	sort.Strings(actions)
	return actions, notIAM
}

// The deployment role keeps, from outside the endpoint, every bucket-level
// permission CloudFormation's handlers call (so updates, deletes and their
// rollbacks work), and gets no object action at all. Each object action of
// S3's Service Authorization Reference is explicitly denied to it.
func TestDeployerKeepsEveryHandlerPermissionAndNoObjectData(t *testing.T) {
	actions, _ := handlerPermissions(t)
	for _, a := range actions {
		act, _ := s3actions.Lookup(a)
		if !act.Takes("bucket") {
			t.Errorf("handler permission %s does not act on the bucket ARN (resource types %v): the deployment exception does not cover it", a, act.ResourceTypes)
		}
	}
	var objects []string
	for _, a := range s3actions.ObjectLevel() {
		objects = append(objects, a.Name)
	}
	for _, name := range []string{"default", "full"} {
		t.Run(name, func(t *testing.T) {
			s := synth(t, configurations[name])
			parsed, err := cfn.Parse(name, s.raw)
			if err != nil {
				t.Fatal(err)
			}
			rows, err := matrix.BuildWith(matrix.Options{Actions: append(append([]string{}, actions...), objects...), External: s.subject.External}, parsed)
			if err != nil {
				t.Fatal(err)
			}
			want := map[string]string{}
			for _, a := range actions {
				want[a] = matrix.Allowed
			}
			for _, a := range objects {
				want[a] = matrix.ExplicitDeny
			}
			for _, r := range rows {
				if r.Function != matrix.ProbeDeployer || r.Bucket != privateBucketID {
					continue
				}
				if r.Decision != want[r.Action] {
					t.Errorf("@deployer %s from %s: %s (%s), want %s", r.Action, r.Path, r.Decision, r.Reason, want[r.Action])
				}
				delete(want, r.Action)
			}
			if len(want) > 0 {
				t.Errorf("no @deployer rows for %d actions, e.g. %v", len(want), strings.Join(firstKeys(want, 3), ", "))
			}
		})
	}
}

func firstKeys(m map[string]string, n int) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	if len(out) > n {
		out = out[:n]
	}
	return out
}
