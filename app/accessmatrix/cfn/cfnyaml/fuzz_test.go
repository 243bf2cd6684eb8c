package cfnyaml_test

import (
	"encoding/json"
	"reflect"
	"testing"
	"unicode/utf8"

	"github.com/privates3/privates3/app/accessmatrix/cfn"
	_ "github.com/privates3/privates3/app/accessmatrix/cfn/cfnsam" // the seeds' SAM transform
	"github.com/privates3/privates3/app/accessmatrix/cfn/cfnyaml"
	"github.com/privates3/privates3/app/accessmatrix/matrix"
)

// FuzzParseYAML runs YAML templates through the reader, the SAM expansion
// and the whole matrix, as FuzzBuild does for JSON: errors are fine,
// panics are not. It also checks the reader against the JSON one: the tree
// a YAML template decodes into, written as JSON, must parse to the same
// template, or fail too. (Valid JSON is
// read by the JSON reader, whose numbers are not YAML 1.1's, so it is left
// out of that comparison.)
func FuzzParseYAML(f *testing.F) {
	// Small seeds, written here: the fuzzer minimizes every new input it
	// finds interesting, and minimizing a template the size of
	// testdata/sam-private-bucket.template.yaml stalls it for a minute.
	for _, s := range []string{
		"Resources:\n  B: {Type: AWS::S3::Bucket, Properties: {BucketName: !Sub '${AWS::StackName}-b'}}\n  F:\n    Type: AWS::Lambda::Function\n    Properties:\n      Role: !GetAtt R.Arn\n      VpcConfig: {SubnetIds: [!Select [0, !Split [',', !ImportValue subnets]]]}\n  R: {Type: AWS::IAM::Role, Properties: {Policies: [{PolicyName: p, PolicyDocument: {Version: 2012-10-17, Statement: [{Effect: Allow, Action: s3:*, Resource: !Join ['', ['arn:aws:s3:::', !Ref B, /*]]}]}}]}}\n",
		"Transform: AWS::Serverless-2016-10-31\nGlobals: {Function: {VpcConfig: {SubnetIds: [subnet-1]}}}\nResources:\n  F: {Type: AWS::Serverless::Function, IgnoreGlobals: '*', Properties: {Policies: [S3CrudPolicy: {BucketName: b}, AmazonS3ReadOnlyAccess, !If [C, {Statement: []}, !Ref 'AWS::NoValue']], Role: !If [C, !Ref 'AWS::NoValue', r]}}\nConditions: {C: !Equals [yes, on]}\n",
		"Conditions:\n  A: !And [!Condition B, !Not [!Equals [!Ref 'AWS::Region', 0755]]]\n  B: !Or [!Equals [1:30, 90], !Equals [~, '']]\nResources: {}\n",
		"Transform: AWS::Serverless-2016-10-31\nParameters: {P: {Type: String}}\nResources:\n  B: {Type: AWS::S3::Bucket, Properties: {BucketName: !Sub '${P}-b'}}\n  BP: {Type: AWS::S3::BucketPolicy, Properties: {Bucket: !Ref B, PolicyDocument: {Statement: [{Effect: Deny, Principal: '*', Action: s3:PutObject, Resource: !Join ['', ['arn:aws:s3:::', !Ref B, /*]], Condition: {StringNotEquals: {aws:SourceVpce: !Ref E}}}]}}}\n  V: {Type: AWS::EC2::VPC}\n  S: {Type: AWS::EC2::Subnet, Properties: {VpcId: !Ref V}}\n  T: {Type: AWS::EC2::RouteTable, Properties: {VpcId: !Ref V}}\n  A: {Type: AWS::EC2::SubnetRouteTableAssociation, Properties: {SubnetId: !Ref S, RouteTableId: !Ref T}}\n  E: {Type: AWS::EC2::VPCEndpoint, Properties: {VpcId: !Ref V, ServiceName: !Sub 'com.amazonaws.${AWS::Region}.s3', RouteTableIds: [!Ref T]}}\n  F: {Type: AWS::Serverless::Function, Properties: {VpcConfig: {SubnetIds: [!Ref S]}, Policies: [S3WritePolicy: {BucketName: !Sub '${P}-b'}]}}\n",
		"A: &x {a: 1}\nB: *x\n",
		"A: {<<: {y: 2}}\n",
		"V: !!binary aGk=\n",
		"Resources: {}\n---\nResources: {}\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		tmpl, err := cfn.Parse("fuzz.yaml", data)
		tree, derr := cfnyaml.Decode("fuzz.yaml", data)
		if derr == nil && !json.Valid(data) {
			if js, merr := json.Marshal(tree); merr == nil && utf8.Valid(data) && len(js) > 0 && js[0] == '{' {
				jt, jerr := cfn.Parse("fuzz.yaml", js)
				if (err == nil) != (jerr == nil) {
					t.Fatalf("YAML reader: err %v; same tree as JSON: err %v", err, jerr)
				}
				// Which of several errors is reported may differ: cfn
				// checks resources in map order.
				if err == nil && !reflect.DeepEqual(tmpl, jt) && !hasNaN(tree) {
					t.Fatalf("YAML and JSON readers disagree on the same tree")
				}
			}
		}
		if err != nil {
			return
		}
		_, _ = matrix.Build(tmpl)
	})
}

func hasNaN(v any) bool {
	switch x := v.(type) {
	case float64:
		return x != x
	case map[string]any:
		for _, e := range x {
			if hasNaN(e) {
				return true
			}
		}
	case []any:
		for _, e := range x {
			if hasNaN(e) {
				return true
			}
		}
	}
	return false
}
