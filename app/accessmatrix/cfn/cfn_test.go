package cfn

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

const base = `{
  "Parameters": {
    "Stage": {"Type": "String", "Default": "dev"},
    "Subnets": {"Type": "List<AWS::EC2::Subnet::Id>"},
    "Cidrs": {"Type": "CommaDelimitedList", "Default": "10.0.0.0/16, 10.1.0.0/16"},
    "BootstrapVersion": {"Type": "AWS::SSM::Parameter::Value<String>", "Default": "/cdk-bootstrap/hnb659fds/version"}
  },
  "Mappings": {
    "PrefixLists": {"eu-west-1": {"s3": "pl-6da54004"}, "us-east-1": {"s3": "pl-63a5400a"}},
    "Same": {"eu-west-1": {"k": "v"}, "us-east-1": {"k": "v"}}
  },
  "Conditions": {
    "IsDev": {"Fn::Equals": [{"Ref": "Stage"}, "dev"]},
    "InUsEast1": {"Fn::Equals": [{"Ref": "AWS::Region"}, "us-east-1"]},
    "DevOrUsEast1": {"Fn::Or": [{"Condition": "IsDev"}, {"Condition": "InUsEast1"}]}
  },
  "Resources": {
    "Data": {"Type": "AWS::S3::Bucket"},
    "Named": {"Type": "AWS::S3::Bucket", "Properties": {"BucketName": {"Fn::Sub": "named-${AWS::AccountId}"}}},
    "Role": {"Type": "AWS::IAM::Role", "Properties": {"Path": "/service/"}},
    "Thing": {"Type": "AWS::Lambda::Function", "Properties": {"X": 1}},
    "Maybe": {"Type": "AWS::S3::Bucket", "Condition": "InUsEast1"},
    "Meta": {"Type": "AWS::CDK::Metadata", "Condition": "InUsEast1", "Properties": {"Analytics": "v2:deflate64:abc"}}
  },
  "Rules": {"CheckBootstrapVersion": {"Assertions": [{"Assert": {"Fn::Not": [{"Fn::Contains": [["1"], {"Ref": "BootstrapVersion"}]}]}}]}},
  "Outputs": {"DataArn": {"Value": {"Fn::GetAtt": ["Data", "Arn"]}, "Export": {"Name": {"Fn::Sub": "${AWS::StackName}-DataArn"}}}}
}`

func TestResolve(t *testing.T) {
	tmpl, err := Parse("base.json", []byte(base))
	if err != nil {
		t.Fatal(err)
	}
	other, err := Parse("other.json", []byte(`{"Resources": {"R": {"Type": "AWS::SNS::Topic"}}}`))
	if err != nil {
		t.Fatal(err)
	}
	r, err := NewResolver(Options{}, tmpl, other)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		expr string
		want any
	}{
		// With two templates, each stack's account and region are its
		// own: their symbols carry the template's label (a template
		// alone has the plain ${AWS::AccountId}, TestPseudoParameters).
		{"pseudo parameter stays symbolic", `{"Ref": "AWS::AccountId"}`, "${base#AWS::AccountId}"},
		{"parameter default", `{"Ref": "Stage"}`, "dev"},
		{"list parameter without default", `{"Ref": "Subnets"}`, "${Subnets}"},
		{"comma list default", `{"Ref": "Cidrs"}`, []any{"10.0.0.0/16", "10.1.0.0/16"}},
		{"SSM parameter is unknown", `{"Ref": "BootstrapVersion"}`, "${BootstrapVersion}"},
		{"resource ref", `{"Ref": "Data"}`, "${Data}"},
		{"bucket ref is its name", `{"Ref": "Named"}`, "named-${base#AWS::AccountId}"},
		{"bucket arn", `{"Fn::GetAtt": ["Data", "Arn"]}`, "arn:${AWS::Partition}:s3:::${Data}"},
		{"bucket arn, dotted form", `{"Fn::GetAtt": "Named.Arn"}`, "arn:${AWS::Partition}:s3:::named-${base#AWS::AccountId}"},
		{"role arn with path", `{"Fn::GetAtt": ["Role", "Arn"]}`, "arn:${AWS::Partition}:iam::${base#AWS::AccountId}:role/service/${Role}"},
		{"other attribute", `{"Fn::GetAtt": ["Thing", "Arn"]}`, "${Thing.Arn}"},
		{"join", `{"Fn::Join": ["", ["arn:", {"Ref": "AWS::Partition"}, ":iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"]]}`, "arn:${AWS::Partition}:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"},
		{"join of a symbolic list", `{"Fn::Join": [",", {"Ref": "Subnets"}]}`, "${Subnets}"},
		{"sub string", `{"Fn::Sub": "arn:${AWS::Partition}:iam::${AWS::AccountId}:role/cdk-hnb659fds-cfn-exec-role-${AWS::AccountId}-${AWS::Region}"}`, "arn:${AWS::Partition}:iam::${base#AWS::AccountId}:role/cdk-hnb659fds-cfn-exec-role-${base#AWS::AccountId}-${base#AWS::Region}"},
		{"sub attribute and literal", `{"Fn::Sub": "${Data.Arn}/${!aws:username}/*"}`, "arn:${AWS::Partition}:s3:::${Data}/${aws:username}/*"},
		{"sub with variables", `{"Fn::Sub": ["${B}/*", {"B": {"Fn::GetAtt": ["Data", "Arn"]}}]}`, "arn:${AWS::Partition}:s3:::${Data}/*"},
		{"select", `{"Fn::Select": [1, {"Ref": "Cidrs"}]}`, "10.1.0.0/16"},
		{"select of a symbolic list", `{"Fn::Select": ["0", {"Ref": "Subnets"}]}`, "${Subnets[0]}"},
		{"select of GetAZs", `{"Fn::Select": [0, {"Fn::GetAZs": ""}]}`, "${AZ0}"},
		{"split keeps symbols whole", `{"Fn::Split": [":", {"Fn::GetAtt": ["Data", "Arn"]}]}`, []any{"arn", "${AWS::Partition}", "s3", "", "", "${Data}"}},
		{"if on a known condition", `{"Fn::If": ["IsDev", "a", "b"]}`, "a"},
		{"or settles with one known operand", `{"Fn::If": ["DevOrUsEast1", "a", "b"]}`, "a"},
		{"if with NoValue drops the element", `[{"Fn::If": ["IsDev", {"Ref": "AWS::NoValue"}, "b"]}, "c"]`, []any{"c"}},
		{"find in map by literal key", `{"Fn::FindInMap": ["PrefixLists", "us-east-1", "s3"]}`, "pl-63a5400a"},
		{"find in map by region stays symbolic", `{"Fn::FindInMap": ["PrefixLists", {"Ref": "AWS::Region"}, "s3"]}`, "${Fn::FindInMap:PrefixLists.${base#AWS::Region}.s3}"},
		{"find in map where every region agrees", `{"Fn::FindInMap": ["Same", {"Ref": "AWS::Region"}, "k"]}`, "v"},
		{"import from a given template", `{"Fn::ImportValue": {"Fn::Sub": "${AWS::StackName}-DataArn"}}`, "arn:${AWS::Partition}:s3:::${Data}"},
		// With two templates each is a stack of its own.
		{"stack name of one of two templates", `{"Ref": "AWS::StackName"}`, "${base#AWS::StackName}"},
		{"import from elsewhere stays symbolic", `{"Fn::ImportValue": "shared-vpc-id"}`, "${Fn::ImportValue:shared-vpc-id}"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var v any
			if err := json.Unmarshal([]byte(tt.expr), &v); err != nil {
				t.Fatal(err)
			}
			got, err := r.Resolve(tmpl, v)
			if err != nil {
				t.Fatalf("Resolve(%s) error: %v", tt.expr, err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Resolve(%s) = %#v, want %#v", tt.expr, got, tt.want)
			}
		})
	}
}

func TestConditionNeedsValue(t *testing.T) {
	tmpl, err := Parse("base.json", []byte(base))
	if err != nil {
		t.Fatal(err)
	}
	r, _ := NewResolver(Options{}, tmpl)
	_, err = r.Exists(tmpl, tmpl.Resources["Maybe"])
	if err == nil || !strings.Contains(err.Error(), `base.json: resource Maybe: property Condition: condition "InUsEast1" cannot be decided offline`) {
		t.Errorf("Exists(Maybe) error = %v, want it to explain the unknown region", err)
	}
	r, _ = NewResolver(Options{Values: map[string]string{"AWS::Region": "us-east-1"}}, tmpl)
	if ok, err := r.Exists(tmpl, tmpl.Resources["Maybe"]); !ok || err != nil {
		t.Errorf("Exists(Maybe) with region us-east-1 = %v, %v, want true", ok, err)
	}
}

func TestErrorsNameFileResourceProperty(t *testing.T) {
	tests := []struct {
		name, doc, want string
	}{
		{"invalid JSON", `{"Resources": `, "bad.json: invalid JSON"},
		{"not an object", `[1]`, "bad.json: invalid JSON"},
		{"trailing data", `{} {}`, "bad.json: invalid JSON: data after the template object"},
		{"missing type", `{"Resources": {"A": {"Properties": {}}}}`, "bad.json: resource A: property Type: must be a non-empty string"},
		{"dangling ref", `{"Resources": {"A": {"Type": "AWS::Lambda::Function", "Properties": {"VpcConfig": {"SubnetIds": [{"Ref": "Nope"}]}}}}}`,
			`bad.json: resource A: property VpcConfig.SubnetIds[0]: Ref to unknown "Nope"`},
		{"dangling getatt", `{"Resources": {"A": {"Type": "X", "Properties": {"Role": {"Fn::GetAtt": ["Nope", "Arn"]}}}}}`,
			`bad.json: resource A: property Role: Fn::GetAtt of unknown resource "Nope"`},
		{"dangling sub", `{"Resources": {"A": {"Type": "X", "Properties": {"P": {"Fn::Sub": "${Nope}"}}}}}`,
			`bad.json: resource A: property P: Fn::Sub: Ref to unknown "Nope"`},
		{"unsupported intrinsic", `{"Resources": {"A": {"Type": "X", "Properties": {"P": {"Fn::Length": [1]}}}}}`,
			"bad.json: resource A: property P: unsupported intrinsic function Fn::Length"},
		{"unknown condition", `{"Resources": {"A": {"Type": "X", "Condition": "C"}}}`, `bad.json: resource A: property Condition: unknown condition "C"`},
		{"transform with no expander registered", `{"Transform": "AWS::LanguageExtensions", "Resources": {}}`, "bad.json: property Transform: transforms are not supported: synthesize or process the template first"},
		{"YAML without its reader", "Resources: {}\n", "bad.json: not JSON, and YAML templates need package app/accessmatrix/cfn/cfnyaml imported"},
		{"output", `{"Outputs": {"O": {"Value": {"Ref": "Nope"}}}}`, `bad.json: resource Outputs.O: property Value: Ref to unknown "Nope"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse("bad.json", []byte(tt.doc))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Parse(%s) error = %v, want it to contain %q", tt.doc, err, tt.want)
			}
			var ce *Error
			if err != nil && !errors.As(err, &ce) {
				t.Errorf("Parse(%s) error %T is not a *cfn.Error", tt.doc, err)
			}
		})
	}
}

func TestResolveErrors(t *testing.T) {
	doc := `{"Resources": {
	  "Loop": {"Type": "AWS::S3::Bucket", "Properties": {"BucketName": {"Ref": "Loop"}}},
	  "Sel": {"Type": "X", "Properties": {"P": {"Fn::Select": [5, ["a"]]}}},
	  "Join": {"Type": "X", "Properties": {"P": {"Fn::Join": [",", [{"k": "v"}]]}}}
	}}`
	tmpl, err := Parse("r.json", []byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	r, _ := NewResolver(Options{}, tmpl)
	for _, tt := range []struct{ res, prop, want string }{
		{"Loop", "BucketName", "cycle"},
		{"Sel", "P", "r.json: resource Sel: property P: Fn::Select index 5 out of range"},
		{"Join", "P", "r.json: resource Join: property P: Fn::Join element 0 must resolve to a string"},
	} {
		_, _, err := r.Property(tmpl, tmpl.Resources[tt.res], tt.prop)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("Property(%s, %s) error = %v, want it to contain %q", tt.res, tt.prop, err, tt.want)
		}
	}
}

// FuzzParse feeds arbitrary bytes to the reader and, when they parse, to
// the resolver over every property, condition and output: no input may
// panic or hang.
func FuzzParse(f *testing.F) {
	f.Add([]byte(base))
	f.Add([]byte(`{"Resources":{"A":{"Type":"X","Properties":{"P":{"Fn::Sub":["${B}",{"B":{"Fn::Split":[":",{"Ref":"AWS::Region"}]}}]}}}}}`))
	f.Add([]byte(`{"Conditions":{"C":{"Condition":"C"}},"Resources":{"A":{"Type":"X","Condition":"C"}}}`))
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
	f.Fuzz(func(t *testing.T, data []byte) {
		tmpl, err := Parse("fuzz.json", data)
		if err != nil {
			return
		}
		r, err := NewResolver(Options{}, tmpl)
		if err != nil {
			return
		}
		for _, res := range tmpl.Resources {
			_, _ = r.Exists(tmpl, res)
			for k := range res.Properties {
				_, _, _ = r.Property(tmpl, res, k)
			}
			_, _ = r.Ref(tmpl, res.LogicalID)
		}
		for _, o := range tmpl.Outputs {
			_, _ = r.Resolve(tmpl, o.Value)
		}
	})
}

// CloudFormation User Guide, "AWS::NetworkFirewall::Firewall", return
// value EndpointIds: "The unique IDs of the firewall endpoints for all of
// the subnets that you attached to the firewall", each written
// "us-west-2c:vpce-111122223333", and AWS's Network Firewall samples take
// its endpoint id with Fn::Select [1, Fn::Split [":", ...]]. Such a value
// is known at deploy only; so is how many parts it splits into (the
// "Fn::Split" page: "Fn::Split returns a list of string values"). A Select
// of it is an unknown value, never "index out of range". A split whose
// symbols cannot hold the delimiter (an account id, a bucket name, a
// role name) still splits offline.
func TestDocFnSplitOfAValueKnownAtDeploy(t *testing.T) {
	const doc = `{"Parameters": {"Endpoint": {"Type": "String"}},
	  "Resources": {
	    "Firewall": {"Type": "AWS::NetworkFirewall::Firewall"},
	    "Data": {"Type": "AWS::S3::Bucket"},
	    "Role": {"Type": "AWS::IAM::Role"},
	    "Vpc": {"Type": "AWS::EC2::VPC"}}}`
	tmpl, err := Parse("fw.json", []byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	r, err := NewResolver(Options{}, tmpl)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, expr string
		want       any
	}{
		{"the sample's endpoint id", `{"Fn::Select": [1, {"Fn::Split": [":", {"Fn::Select": [0, {"Fn::GetAtt": ["Firewall", "EndpointIds"]}]}]}]}`,
			`${Fn::Split ":" of ${Firewall.EndpointIds[0]}[1]}`},
		{"a parameter without a default", `{"Fn::Select": [2, {"Fn::Split": ["/", {"Ref": "Endpoint"}]}]}`, `${Fn::Split "/" of ${Endpoint}[2]}`},
		{"a literal brace is kept apart from the symbol", `{"Fn::Split": ["}", {"Fn::Sub": "{${Endpoint}}"}]}`, `${Fn::Split "\x7d" of \x7b${Endpoint}\x7d}`},
		{"a role's name", `{"Fn::Select": [1, {"Fn::Split": ["/", {"Fn::GetAtt": ["Role", "Arn"]}]}]}`, "${Role}"},
		{"a bucket's ARN", `{"Fn::Select": [5, {"Fn::Split": [":", {"Fn::GetAtt": ["Data", "Arn"]}]}]}`, "${Data}"},
		{"a VPC id", `{"Fn::Split": [":", {"Fn::Sub": "${AWS::Region}:${Vpc}"}]}`, []any{"${AWS::Region}", "${Vpc}"}},
		{"a hyphen may be in a region", `{"Fn::Split": ["-", {"Fn::Sub": "${AWS::Region}-x"}]}`, `${Fn::Split "-" of ${AWS::Region}-x}`},
	}
	for _, tt := range tests {
		var v any
		if err := json.Unmarshal([]byte(tt.expr), &v); err != nil {
			t.Fatal(err)
		}
		got, err := r.Resolve(tmpl, v)
		if err != nil || !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%s: Resolve(%s) = %#v, %v, want %#v", tt.name, tt.expr, got, err, tt.want)
		}
	}
	// A known list is still checked: CloudFormation refuses the index.
	if _, err := r.Resolve(tmpl, map[string]any{"Fn::Select": []any{5.0, map[string]any{"Fn::Split": []any{":", "a:b"}}}}); err == nil || !strings.Contains(err.Error(), "out of range") {
		t.Errorf("Select 5 of a:b: error %v, want out of range", err)
	}
}
