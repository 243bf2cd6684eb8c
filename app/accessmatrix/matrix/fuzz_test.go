package matrix

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/privates3/privates3/app/accessmatrix/cfn"
)

// FuzzBuild runs the whole pipeline (reader, resolver, network paths,
// policy parsing and evaluation) on arbitrary templates: errors are fine,
// panics are not.
func FuzzBuild(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("..", "testdata", "*.template.json"))
	for _, file := range files {
		// Compact seeds, and not the large synthesized one: the fuzzer
		// spends its time minimizing whatever it mutates, and small inputs
		// keep it fuzzing rather than minimizing.
		var buf bytes.Buffer
		if data, err := os.ReadFile(file); err == nil && json.Compact(&buf, data) == nil && buf.Len() < 8000 {
			f.Add(buf.Bytes())
		}
	}
	f.Add([]byte(`{"Resources":{"B":{"Type":"AWS::S3::Bucket"},"P":{"Type":"AWS::S3::BucketPolicy","Properties":{"Bucket":{"Ref":"B"},"PolicyDocument":{"Statement":{"Effect":"Deny","Principal":"*","NotAction":"s3:Get*","NotResource":"x","Condition":{"ForAllValues:StringLikeIfExists":{"aws:TagKeys":["a*"]}}}}}},"F":{"Type":"AWS::Lambda::Function","Properties":{"Role":"arn:aws:iam::1:role/r","VpcConfig":{"SubnetIds":["subnet-1"]}}}}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		tmpl, err := cfn.Parse("fuzz.json", data)
		if err != nil {
			return
		}
		_, _ = Build(tmpl)
	})
}
