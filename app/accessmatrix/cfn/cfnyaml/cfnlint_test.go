package cfnyaml

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"testing"
)

// cfnLintScript decodes each YAML document with cfn-lint's reader
// (cfnlint.decode.cfn_yaml), AWS's own YAML 1.1 reading of templates, and
// prints the trees as JSON. Dates, which CloudFormation does not have,
// print as their text.
const cfnLintScript = `
import json, sys
from cfnlint.decode.cfn_yaml import loads
docs = json.load(sys.stdin)
json.dump({k: loads(v) for k, v in docs.items()}, sys.stdout, default=str)
`

// TestAgainstCfnLint checks the reader against cfn-lint 1.51.0 (installed
// on these machines and CI) on the test templates and a document of
// scalars and short forms.
func TestAgainstCfnLint(t *testing.T) {
	docs := map[string]string{
		"template": yamlTemplate,
		"scalars": `V: [2012-10-17, 2001-12-14, yes, No, ON, off, y, n, 0755, 065115117704, 012345678901, 0x1F, 1:30, 1.5, .5, 1e3, 1_000, ~, null, '', "yes", !!str 12, -7]
K: {yes: 1, 123456789012: 2, '0755': 3}
F: [!GetAtt A.B.C, !GetAtt [A, B], !Sub x, !Sub [a, {b: c}], !Ref 1, !Select [0, !GetAZs ''], !If [C, !Ref 'AWS::NoValue', 1], !Condition C, !Base64 x, !Cidr [a, 1, 2]]
`,
	}
	if data, err := os.ReadFile(filepath.Join("..", "..", "testdata", "sam-private-bucket.template.yaml")); err == nil {
		docs["sam-private-bucket"] = string(data)
	}
	skip := func(why string) {
		if os.Getenv("CI") == "true" {
			t.Fatalf("cfn-lint unavailable on CI: %s", why)
		}
		t.Skipf("cfn-lint unavailable: %s", why)
	}
	py, err := exec.LookPath("python3")
	if err != nil {
		skip(err.Error())
	}
	in, _ := json.Marshal(docs)
	cmd := exec.Command(py, "-c", cfnLintScript)
	cmd.Stdin = bytes.NewReader(in)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		if bytes.Contains(stderr.Bytes(), []byte("No module named 'cfnlint'")) {
			skip("no module cfnlint")
		}
		t.Fatalf("cfn-lint: %v: %s", err, stderr.String())
	}
	var want map[string]any
	if err := json.Unmarshal(out, &want); err != nil {
		t.Fatal(err)
	}
	for name, doc := range docs {
		tree, err := Decode(name+".yaml", []byte(doc))
		if err != nil {
			t.Errorf("Decode(%s): %v", name, err)
			continue
		}
		var got any
		b, _ := json.Marshal(tree)
		_ = json.Unmarshal(b, &got)
		if !reflect.DeepEqual(got, want[name]) {
			w, _ := json.Marshal(want[name])
			t.Errorf("Decode(%s) = %s\ncfn-lint reads %s", name, b, w)
		}
	}
}
