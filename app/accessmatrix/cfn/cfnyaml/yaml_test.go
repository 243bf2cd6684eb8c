package cfnyaml

import (
	"encoding/json"
	"errors"
	"math"
	"reflect"
	"strings"
	"testing"

	"github.com/privates3/privates3/app/accessmatrix/cfn"
)

// TestShortForms checks that every short-form tag decodes into the long
// form the JSON reader would see (CloudFormation User Guide, Intrinsic
// function reference: each function's "Short form" syntax).
func TestShortForms(t *testing.T) {
	tests := []struct {
		name, yaml, json string
	}{
		{"Ref", `!Ref Bucket`, `{"Ref": "Bucket"}`},
		{"Ref of a pseudo parameter, quoted", `!Ref 'AWS::Region'`, `{"Ref": "AWS::Region"}`},
		{"Sub string", `!Sub 'arn:${AWS::Partition}:s3:::${Bucket}/*'`, `{"Fn::Sub": "arn:${AWS::Partition}:s3:::${Bucket}/*"}`},
		{"Sub literal block", "!Sub |\n  a ${B}\n", `{"Fn::Sub": "a ${B}\n"}`},
		{"Sub list", "!Sub\n  - '${Name}-${Stage}'\n  - Stage: !Ref Env\n", `{"Fn::Sub": ["${Name}-${Stage}", {"Stage": {"Ref": "Env"}}]}`},
		{"GetAtt dotted", `!GetAtt Role.Arn`, `{"Fn::GetAtt": ["Role", "Arn"]}`},
		{"GetAtt dotted, nested stack output", `!GetAtt Stack.Outputs.BucketArn`, `{"Fn::GetAtt": ["Stack", "Outputs.BucketArn"]}`},
		{"GetAtt list", `!GetAtt [Role, Arn]`, `{"Fn::GetAtt": ["Role", "Arn"]}`},
		{"Join", `!Join ['', ['arn:aws:s3:::', !Ref B, /*]]`, `{"Fn::Join": ["", ["arn:aws:s3:::", {"Ref": "B"}, "/*"]]}`},
		{"Select of GetAZs", `!Select [0, !GetAZs '']`, `{"Fn::Select": [0, {"Fn::GetAZs": ""}]}`},
		{"GetAZs of a Ref, long outer form", `{Fn::GetAZs: !Ref 'AWS::Region'}`, `{"Fn::GetAZs": {"Ref": "AWS::Region"}}`},
		{"If", `!If [IsProd, !Ref A, !Ref 'AWS::NoValue']`, `{"Fn::If": ["IsProd", {"Ref": "A"}, {"Ref": "AWS::NoValue"}]}`},
		{"Equals", `!Equals [!Ref Stage, prod]`, `{"Fn::Equals": [{"Ref": "Stage"}, "prod"]}`},
		{"And Or Not Condition", `!And [!Condition A, !Or [!Condition B, !Not [!Condition C]]]`, `{"Fn::And": [{"Condition": "A"}, {"Fn::Or": [{"Condition": "B"}, {"Fn::Not": [{"Condition": "C"}]}]}]}`},
		{"ImportValue", `!ImportValue shared-BucketArn`, `{"Fn::ImportValue": "shared-BucketArn"}`},
		{"ImportValue of Sub", `{Fn::ImportValue: !Sub '${Net}-Vpc'}`, `{"Fn::ImportValue": {"Fn::Sub": "${Net}-Vpc"}}`},
		{"FindInMap", `!FindInMap [Prefixes, !Ref 'AWS::Region', s3]`, `{"Fn::FindInMap": ["Prefixes", {"Ref": "AWS::Region"}, "s3"]}`},
		{"Split", `!Split [',', !Ref List]`, `{"Fn::Split": [",", {"Ref": "List"}]}`},
		{"Base64", `!Base64 'echo hi'`, `{"Fn::Base64": "echo hi"}`},
		{"Base64 of Sub", `{Fn::Base64: !Sub 'echo ${X}'}`, `{"Fn::Base64": {"Fn::Sub": "echo ${X}"}}`},
		{"Cidr", `!Cidr [!GetAtt Vpc.CidrBlock, 4, 8]`, `{"Fn::Cidr": [{"Fn::GetAtt": ["Vpc", "CidrBlock"]}, 4, 8]}`},
		{"tagged scalar is text", `!Ref 123`, `{"Ref": "123"}`},
		{"tag on a mapping", `!Transform {Name: AWS::Include, Parameters: {Location: s3://x}}`, `{"Fn::Transform": {"Name": "AWS::Include", "Parameters": {"Location": "s3://x"}}}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Decode("t.yaml", []byte("V: "+indent(tt.yaml)))
			if err != nil {
				t.Fatalf("Decode(%q): %v", tt.yaml, err)
			}
			var want any
			if err := json.Unmarshal([]byte(tt.json), &want); err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got["V"], want) {
				g, _ := json.Marshal(got["V"])
				t.Errorf("Decode(%q) = %s, want %s", tt.yaml, g, tt.json)
			}
		})
	}
}

// indent puts a multi-line YAML value under a key.
func indent(s string) string {
	if !strings.Contains(s, "\n") {
		return s
	}
	first, rest, _ := strings.Cut(s, "\n")
	return first + "\n  " + strings.ReplaceAll(strings.TrimSuffix(rest, "\n"), "\n", "\n  ") + "\n"
}

// TestScalars pins YAML 1.1 as CloudFormation reads it: booleans in all
// their spellings, octal, base 60, no timestamps.
func TestScalars(t *testing.T) {
	tests := []struct {
		yaml string
		want any
	}{
		{`2012-10-17`, "2012-10-17"}, // no timestamp type: the policy Version stays a string
		{`2010-09-09`, "2010-09-09"},
		{`2001-12-14t21:59:43.10-05:00`, "2001-12-14t21:59:43.10-05:00"},
		{`yes`, true}, {`Yes`, true}, {`YES`, true}, {`on`, true}, {`On`, true}, {`true`, true}, {`True`, true},
		{`no`, false}, {`NO`, false}, {`off`, false}, {`OFF`, false}, {`false`, false},
		{`y`, "y"}, {`n`, "n"}, {`yEs`, "yEs"}, // not YAML 1.1 booleans
		{`'yes'`, "yes"}, {`"on"`, "on"}, {`!!str yes`, "yes"},
		{`~`, nil}, {`null`, nil}, {`NULL`, nil}, {``, nil},
		{`12`, 12.0}, {`-3`, -3.0}, {`+7`, 7.0}, {`0`, 0.0}, {`1_000`, 1000.0},
		{`123456789012`, 123456789012.0},
		{`0755`, 493.0},                  // octal in YAML 1.1
		{`065115117704`, 7133765572.0},   // an account id with a leading 0 and only octal digits
		{`012345678901`, "012345678901"}, // 8 and 9 are not octal: a string
		{`0x1F`, 31.0}, {`0b101`, 5.0},
		{`1:30`, 90.0}, // base 60
		{`1.5`, 1.5}, {`.5`, 0.5}, {`1.`, 1.0}, {`1.0e+3`, 1000.0}, {`190:20:30.15`, 685230.15},
		{`1e3`, "1e3"}, // YAML 1.1 floats need a dot
		{`!!int "12"`, 12.0}, {`!!float "1"`, 1.0}, {`!!float "x"`, "error"}, {`!!bool "yes"`, true}, {`!!null ""`, nil},
		{`'012'`, "012"}, {`"12"`, "12"},
		{`arn:aws:s3:::b/*`, "arn:aws:s3:::b/*"},
		{`s3:*`, "s3:*"},
	}
	for _, tt := range tests {
		got, err := Decode("t.yaml", []byte("V: "+tt.yaml+"\n"))
		if tt.want == "error" {
			if err == nil {
				t.Errorf("Decode(%q) = %v, want an error", tt.yaml, got["V"])
			}
			continue
		}
		if err != nil {
			t.Errorf("Decode(%q): %v", tt.yaml, err)
			continue
		}
		if f, ok := got["V"].(float64); ok && math.IsNaN(f) {
			continue
		}
		if !reflect.DeepEqual(got["V"], tt.want) {
			t.Errorf("Decode(%q) = %#v, want %#v", tt.yaml, got["V"], tt.want)
		}
	}
}

func TestKeys(t *testing.T) {
	got, err := Decode("t.yaml", []byte("Mappings:\n  Accounts:\n    123456789012: {Name: a}\n    on: {Name: b}\n    '0755': {Name: c}\n"))
	if err != nil {
		t.Fatal(err)
	}
	m := got["Mappings"].(map[string]any)["Accounts"].(map[string]any)
	for _, k := range []string{"123456789012", "true", "0755"} {
		if _, ok := m[k]; !ok {
			t.Errorf("Decode: Mappings.Accounts has keys %v, want %q among them", keys(m), k)
		}
	}
}

func keys(m map[string]any) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

// TestErrors checks that every refusal names the file and the line.
func TestErrors(t *testing.T) {
	tests := []struct {
		name, yaml, want string
	}{
		{"syntax", "Resources:\n  B:\n    Type: [\n", "t.yaml:3: invalid YAML: did not find expected node content"},
		{"syntax on line 1", "a: b: c\n", "t.yaml:1: invalid YAML: mapping values are not allowed in this context"},
		{"alias", "A: &x {Type: AWS::S3::Bucket}\nB: *x\n", "t.yaml:2: alias *x: CloudFormation does not support YAML aliases"},
		{"merge key", "A: {x: 1}\nB:\n  <<: {y: 2}\n", "t.yaml:3: merge key <<: CloudFormation does not support hash merges"},
		{"duplicate key", "Resources:\n  B: {Type: AWS::S3::Bucket}\n  B: {Type: AWS::SNS::Topic}\n", `t.yaml:3: duplicate key "B" (first at line 2)`},
		{"two documents", "Resources: {}\n---\nResources: {}\n", "t.yaml:2: a second YAML document: a template is one document"},
		{"GetAtt without attribute", "Resources:\n  F:\n    Properties:\n      Role: !GetAtt Role\n", `t.yaml:4: !GetAtt "Role": want Resource.Attribute`},
		{"timestamp tag", "V: !!timestamp 2001-12-14\n", "t.yaml:1: tag !!timestamp: CloudFormation does not support it"},
		{"binary tag", "V: !!binary aGk=\n", "t.yaml:1: tag !!binary: CloudFormation does not support it"},
		{"set tag", "V: !!set {a: null}\n", "t.yaml:1: tag !!set: CloudFormation does not support it"},
		{"not a mapping", "- a\n- b\n", "t.yaml:1: the template must be a mapping of sections"},
		{"empty", "", "t.yaml: empty template"},
		{"null key", "~: x\n", "t.yaml:1: null mapping key"},
		{"list key", "? [a]\n: x\n", "t.yaml:1: a mapping key must be a scalar"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Decode("t.yaml", []byte(tt.yaml))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Decode(%q) error = %v, want %q", tt.yaml, err, tt.want)
			}
			var ce *cfn.Error
			if err != nil && !errors.As(err, &ce) {
				t.Errorf("Decode(%q) error is %T, want *cfn.Error", tt.yaml, err)
			}
		})
	}
}

// TestParseLocatesTemplateErrors checks that the errors cfn finds after
// decoding (a dangling Ref, an unknown function) carry the YAML line.
func TestParseLocatesTemplateErrors(t *testing.T) {
	tests := []struct {
		name, yaml, want string
	}{
		{"dangling GetAtt in a property", `Resources:
  F:
    Type: AWS::Lambda::Function
    Properties:
      Handler: x
      Role: !GetAtt Missing.Arn
`, `t.yaml:6: resource F: property Role: Fn::GetAtt of unknown resource "Missing"`},
		{"dangling Ref deep in a list", `Resources:
  F:
    Type: AWS::Lambda::Function
    Properties:
      VpcConfig:
        SubnetIds:
          - subnet-1
          - !Ref Nope
`, `t.yaml:8: resource F: property VpcConfig.SubnetIds[1]: Ref to unknown "Nope"`},
		{"unknown short form", `Resources:
  B:
    Type: AWS::S3::Bucket
    Properties:
      BucketName: !Length [a]
`, "t.yaml:5: resource B: property BucketName: unsupported intrinsic function Fn::Length"},
		{"resource without type", `Resources:
  B:
    Properties: {}
`, "t.yaml:2: resource B: property Type: must be a non-empty string"},
		{"unknown condition", `Conditions:
  A: !Equals [1, 1]
Resources:
  B:
    Type: AWS::S3::Bucket
    Condition: Nope
`, `t.yaml:6: resource B: property Condition: unknown condition "Nope"`},
		{"output", `Resources: {}
Outputs:
  O:
    Value: !Ref Gone
`, `t.yaml:4: resource Outputs.O: property Value: Ref to unknown "Gone"`},
		{"transform other than SAM", "Transform: AWS::LanguageExtensions\nResources: {}\n",
			"t.yaml:1: property Transform: transforms are not supported, except AWS::Serverless-2016-10-31"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := cfn.Parse("t.yaml", []byte(tt.yaml))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Parse(%q) error = %v, want %q", tt.name, err, tt.want)
			}
		})
	}
}

const yamlTemplate = `AWSTemplateFormatVersion: 2010-09-09
Description: the same template as jsonTemplate, in YAML
Parameters:
  Stage: {Type: String, Default: dev, AllowedValues: [dev, prod]}
Conditions:
  IsProd: !Equals [!Ref Stage, prod]
Mappings:
  Prefixes:
    eu-west-1: {s3: pl-6da54004}
Resources:
  Data:
    Type: AWS::S3::Bucket
    Properties:
      BucketName: !Sub '${AWS::StackName}-data'
  Policy:
    Type: AWS::S3::BucketPolicy
    Properties:
      Bucket: !Ref Data
      PolicyDocument:
        Version: 2012-10-17
        Statement:
          - Sid: DenyOutsideEndpoint
            Effect: Deny
            Principal: '*'
            Action: s3:*
            Resource:
              - !GetAtt Data.Arn
              - !Join ['', [!GetAtt Data.Arn, /*]]
            Condition:
              StringNotEquals: {'aws:SourceVpce': !If [IsProd, vpce-1, !Ref 'AWS::NoValue']}
              Bool: {'aws:SecureTransport': yes}
  Subnet:
    Type: AWS::EC2::Subnet
    Properties:
      AvailabilityZone: !Select [0, !GetAZs '']
      CidrBlock: !Select [0, !Cidr ['10.0.0.0/16', 4, 8]]
      VpcId: !ImportValue shared-Vpc
      Tags: [{Key: Prefix, Value: !FindInMap [Prefixes, eu-west-1, s3]}, {Key: Parts, Value: !Select [1, !Split ['-', a-b]]}]
Outputs:
  DataArn:
    Value: !GetAtt [Data, Arn]
    Export: {Name: !Sub '${AWS::StackName}-DataArn'}
`

const jsonTemplate = `{
  "AWSTemplateFormatVersion": "2010-09-09",
  "Description": "the same template as jsonTemplate, in YAML",
  "Parameters": {"Stage": {"Type": "String", "Default": "dev", "AllowedValues": ["dev", "prod"]}},
  "Conditions": {"IsProd": {"Fn::Equals": [{"Ref": "Stage"}, "prod"]}},
  "Mappings": {"Prefixes": {"eu-west-1": {"s3": "pl-6da54004"}}},
  "Resources": {
    "Data": {"Type": "AWS::S3::Bucket", "Properties": {"BucketName": {"Fn::Sub": "${AWS::StackName}-data"}}},
    "Policy": {"Type": "AWS::S3::BucketPolicy", "Properties": {
      "Bucket": {"Ref": "Data"},
      "PolicyDocument": {"Version": "2012-10-17", "Statement": [{
        "Sid": "DenyOutsideEndpoint", "Effect": "Deny", "Principal": "*", "Action": "s3:*",
        "Resource": [{"Fn::GetAtt": ["Data", "Arn"]}, {"Fn::Join": ["", [{"Fn::GetAtt": ["Data", "Arn"]}, "/*"]]}],
        "Condition": {"StringNotEquals": {"aws:SourceVpce": {"Fn::If": ["IsProd", "vpce-1", {"Ref": "AWS::NoValue"}]}}, "Bool": {"aws:SecureTransport": true}}
      }]}
    }},
    "Subnet": {"Type": "AWS::EC2::Subnet", "Properties": {
      "AvailabilityZone": {"Fn::Select": [0, {"Fn::GetAZs": ""}]},
      "CidrBlock": {"Fn::Select": [0, {"Fn::Cidr": ["10.0.0.0/16", 4, 8]}]},
      "VpcId": {"Fn::ImportValue": "shared-Vpc"},
      "Tags": [{"Key": "Prefix", "Value": {"Fn::FindInMap": ["Prefixes", "eu-west-1", "s3"]}}, {"Key": "Parts", "Value": {"Fn::Select": [1, {"Fn::Split": ["-", "a-b"]}]}}]
    }}
  },
  "Outputs": {"DataArn": {"Value": {"Fn::GetAtt": ["Data", "Arn"]}, "Export": {"Name": {"Fn::Sub": "${AWS::StackName}-DataArn"}}}}
}`

// TestSameTreeAsJSON parses one template written both ways and compares
// everything cfn keeps.
func TestSameTreeAsJSON(t *testing.T) {
	y, err := cfn.Parse("t.yaml", []byte(yamlTemplate))
	if err != nil {
		t.Fatal(err)
	}
	j, err := cfn.Parse("t.json", []byte(jsonTemplate))
	if err != nil {
		t.Fatal(err)
	}
	y.Name, j.Name = "", ""
	if !reflect.DeepEqual(y, j) {
		gy, _ := json.MarshalIndent(y, "", " ")
		gj, _ := json.MarshalIndent(j, "", " ")
		t.Errorf("Parse(YAML) = %s\nParse(JSON) = %s", gy, gj)
	}
	raw, err := Decode("t.yaml", []byte(yamlTemplate))
	if err != nil {
		t.Fatal(err)
	}
	var want map[string]any
	if err := json.Unmarshal([]byte(jsonTemplate), &want); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(raw, want) {
		t.Errorf("Decode(YAML) differs from the JSON tree")
	}
}
