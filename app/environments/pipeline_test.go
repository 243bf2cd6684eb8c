package environments

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/jsii-runtime-go"
)

const (
	oneEnv       = `"environments": [{"name": "dev", "account": "111111111111", "region": "eu-west-1", "vpc": "create"}]`
	goodPipeline = `{"account": "999999999999", "region": "eu-west-1", "repository": "acme/privates3", "branch": "main",
	  "connectionArn": "arn:aws:codestar-connections:eu-west-1:999999999999:connection/0e4a3b2c-1234-5678-9abc-def012345678"}`
)

func TestLoadFileReadsThePipeline(t *testing.T) {
	path := filepath.Join(t.TempDir(), "environments.json")
	if err := os.WriteFile(path, []byte(`{`+oneEnv+`, "pipeline": `+goodPipeline+`}`), 0o644); err != nil {
		t.Fatal(err)
	}
	f, err := LoadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	want := Pipeline{Account: "999999999999", Region: "eu-west-1", Repository: "acme/privates3", Branch: "main",
		ConnectionArn: "arn:aws:codestar-connections:eu-west-1:999999999999:connection/0e4a3b2c-1234-5678-9abc-def012345678"}
	if f.Pipeline == nil || *f.Pipeline != want {
		t.Errorf("LoadFile(%s).Pipeline = %+v, want %+v", path, f.Pipeline, want)
	}
	if len(f.Environments) != 1 || f.Environments[0].Name != "dev" {
		t.Errorf("LoadFile(%s).Environments = %+v, want dev", path, f.Environments)
	}
}

// A file without a pipeline is still a good file: the pipeline is optional.
func TestLoadFileWithoutPipeline(t *testing.T) {
	path := filepath.Join(t.TempDir(), "environments.json")
	if err := os.WriteFile(path, []byte(`{`+oneEnv+`}`), 0o644); err != nil {
		t.Fatal(err)
	}
	f, err := LoadFile(path)
	if err != nil || f.Pipeline != nil {
		t.Errorf("LoadFile(no pipeline) = %+v, %v; want no pipeline and no error", f.Pipeline, err)
	}
	if _, err := LoadFile("no/such/file.json"); err == nil || !strings.Contains(err.Error(), "no/such/file.json") {
		t.Errorf("LoadFile(missing) = %v, want the path named", err)
	}
}

// pipelineWith is goodPipeline with field k set to v (JSON).
func pipelineWith(t *testing.T, k, v string) string {
	t.Helper()
	var m map[string]json.RawMessage
	if err := json.Unmarshal([]byte(goodPipeline), &m); err != nil {
		t.Fatal(err)
	}
	m[k] = json.RawMessage(v)
	b, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// Each bad pipeline setting: one line naming the file, the pipeline and
// the field.
func TestPipelineRefusals(t *testing.T) {
	for _, tc := range []struct {
		name, field, value string
		want               []string
	}{
		{"unknown field", "acount", `"1"`, []string{"environments.json", `unknown field "acount"`}},
		{"malformed account", "account", `"9999"`, []string{"pipeline: field account", `"9999"`, "12-digit"}},
		{"malformed region", "region", `"Ireland"`, []string{"pipeline: field region", `"Ireland"`}},
		{"repository without owner", "repository", `"privates3"`, []string{"pipeline: field repository", "owner/name"}},
		{"repository as a URL", "repository", `"https://github.com/acme/privates3"`, []string{"pipeline: field repository"}},
		{"no branch", "branch", `""`, []string{"pipeline: field branch", "git branch"}},
		{"branch with a space", "branch", `"my branch"`, []string{"pipeline: field branch", `"my branch"`}},
		{"branch with ..", "branch", `"a..b"`, []string{"pipeline: field branch"}},
		{"connection ARN of another service", "connectionArn", `"arn:aws:iam::999999999999:role/x"`, []string{"pipeline: field connectionArn", "connection ARN"}},
		{"wrong type", "account", `999999999999`, []string{"pipeline: field account = 999999999999: want a string"}},
		{"field of another case", "Branch", `"main"`, []string{"environments.json: pipeline: unknown field \"Branch\": did you mean \"branch\"?"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			doc := `{` + oneEnv + `, "pipeline": ` + pipelineWith(t, tc.field, tc.value) + `}`
			_, err := Parse("environments.json", []byte(doc))
			if err == nil {
				t.Fatalf("Parse accepted %s", doc)
			}
			if n := strings.Count(err.Error(), "\n") + 1; n != 1 {
				t.Errorf("Parse(%s) gave %d lines, want 1:\n%v", doc, n, err)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not hold %q", err, w)
				}
			}
		})
	}
}

// Both service prefixes of a connection ARN are accepted: connections made
// before AWS CodeConnections was renamed keep codestar-connections.
func TestPipelineConnectionPrefixes(t *testing.T) {
	for _, arn := range []string{
		"arn:aws:codestar-connections:eu-west-1:999999999999:connection/0e4a3b2c-1234-5678-9abc-def012345678",
		"arn:aws:codeconnections:eu-west-1:999999999999:connection/0e4a3b2c-1234-5678-9abc-def012345678",
	} {
		doc := `{` + oneEnv + `, "pipeline": ` + pipelineWith(t, "connectionArn", `"`+arn+`"`) + `}`
		if _, err := Parse("environments.json", []byte(doc)); err != nil {
			t.Errorf("Parse(connectionArn %s) = %v, want nil", arn, err)
		}
	}
}

// Problems in the pipeline and in the environments are reported together.
func TestPipelineProblemsJoinTheOthers(t *testing.T) {
	doc := `{"environments": [{"name": "dev", "account": "1", "region": "eu-west-1", "vpc": "create"}],
	  "pipeline": {"account": "2", "region": "eu-west-1", "repository": "acme/privates3", "branch": "main", "connectionArn": "x"}}`
	_, err := Parse("e.json", []byte(doc))
	if err == nil {
		t.Fatal("accepted")
	}
	if n := strings.Count(err.Error(), "\n") + 1; n != 3 {
		t.Errorf("got %d lines, want 3 (dev's account, the pipeline's account and connectionArn):\n%v", n, err)
	}
}

func TestMain(m *testing.M) {
	code := m.Run()
	// config, which this package imports, loads the CDK, whose jsii client
	// starts as the package initializes and leaves its files in $TMPDIR
	// unless closed.
	jsii.Close()
	os.Exit(code)
}
