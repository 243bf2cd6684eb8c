package sam_test

import (
	"reflect"
	"strings"
	"testing"

	"github.com/privates3/privates3/app/accessmatrix/cfn/cfnyaml"
	"github.com/privates3/privates3/app/accessmatrix/sam"
)

func expand(t *testing.T, yaml string) (*sam.Result, error) {
	t.Helper()
	raw, err := cfnyaml.Decode("t.yaml", []byte(yaml))
	if err != nil {
		t.Fatal(err)
	}
	return sam.Expand(raw)
}

// TestNotModelled checks that everything the expansion leaves out is said.
func TestNotModelled(t *testing.T) {
	res, err := expand(t, `Transform: AWS::Serverless-2016-10-31
Globals:
  Api: {Cors: "'*'"}
  Function: {Runtime: python3.12}
Resources:
  Api:
    Type: AWS::Serverless::Api
    Properties: {StageName: prod}
  Link:
    Type: AWS::Serverless::Connector
    Properties: {Source: {Id: F}, Destination: {Id: B}, Permissions: [Write]}
  B:
    Type: AWS::S3::Bucket
  F:
    Type: AWS::Serverless::Function
    Properties:
      InlineCode: x
      Handler: x
      AutoPublishAlias: live
      EventInvokeConfig: {DestinationConfig: {OnSuccess: {Type: S3Bucket, Destination: arn:aws:s3:::b}}}
      Events:
        Get: {Type: Api, Properties: {Path: /, Method: get, RestApiId: !Ref Api}}
        Upload: {Type: S3, Properties: {Bucket: !Ref B, Events: s3:ObjectCreated:*}}
      Policies:
        - DynamoDBReadPolicy: {TableName: t}
        - MyTeamPolicy
  G:
    Type: AWS::Serverless::Function
    Properties:
      InlineCode: x
      Handler: x
      Role: arn:aws:iam::123456789012:role/r
      Policies: [AmazonS3FullAccess]
`)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"Globals.Api is not modelled",
		"AWS::Serverless::Api Api is not modelled",
		"F: Events Get (Api), Upload (S3) are not modelled",
		"F: AutoPublishAlias is not modelled",
		"F: EventInvokeConfig destinations are not modelled (an S3Bucket destination grants s3:PutObject",
		"F: policy template [DynamoDBReadPolicy] (Policies[0]) is not expanded",
		"F: managed policy MyTeamPolicy (Policies[1]) is not a name SAM resolves by itself",
		"G: Policies are ignored, as SAM ignores them, because Role is set",
		"AWS::Serverless::Connector Link is not modelled; it may grant access, including to S3",
	}
	all := strings.Join(res.Notes, "\n")
	for _, w := range want {
		if !strings.Contains(all, w) {
			t.Errorf("Expand: notes\n%s\nwant one containing %q", all, w)
		}
	}
	if n := res.ResourceNotes["FRole"]; !reflect.DeepEqual(n, []string{"SAM EventInvokeConfig OnSuccess destination of F", "SAM connector Link"}) {
		t.Errorf("Expand: ResourceNotes[FRole] = %q, want the EventInvokeConfig and connector notes", n)
	}
	r := res.Template["Resources"].(map[string]any)
	if typ := r["F"].(map[string]any)["Type"]; typ != "AWS::Lambda::Function" {
		t.Errorf("Expand: F is %v, want AWS::Lambda::Function", typ)
	}
	if typ := r["Api"].(map[string]any)["Type"]; typ != "AWS::Serverless::Api" {
		t.Errorf("Expand: Api is %v, want it kept as it is", typ)
	}
	if _, ok := r["GRole"]; ok {
		t.Error("Expand: created GRole although G names its Role")
	}
	for _, k := range []string{"Transform", "Globals"} {
		if _, ok := res.Template[k]; ok {
			t.Errorf("Expand: %s is still in the template", k)
		}
	}
}

// TestRefusals checks the templates SAM itself refuses.
func TestRefusals(t *testing.T) {
	tests := []struct {
		name, yaml, want string
	}{
		{"global Policies", "Globals: {Function: {Policies: [AmazonS3FullAccess]}}\nResources: {}\n",
			"resource Globals: property Function.Policies: Policies is not a property SAM accepts in Globals.Function"},
		{"unknown Globals section", "Globals: {Functions: {}}\nResources: {}\n", "SAM accepts no Globals section Functions"},
		{"unknown policy", "Resources: {F: {Type: AWS::Serverless::Function, Properties: {Policies: [{NoSuchPolicy: {}}]}}}\n",
			"resource F: property Policies[0]: not a managed policy, a policy document or a policy template SAM knows"},
		{"template without its parameter", "Resources: {F: {Type: AWS::Serverless::Function, Properties: {Policies: [{S3ReadPolicy: {}}]}}}\n",
			"policy template S3ReadPolicy needs its parameter BucketName"},
		{"IgnoreGlobals of a property not in Globals", "Globals: {Function: {Runtime: x}}\nResources: {F: {Type: AWS::Serverless::Function, IgnoreGlobals: [Timeout]}}\n",
			"resource F: property IgnoreGlobals: Timeout is not a property of Globals.Function"},
		{"role clash", "Resources: {F: {Type: AWS::Serverless::Function}, FRole: {Type: AWS::SNS::Topic}}\n",
			"the role SAM creates, FRole, clashes"},
		{"mixed Fn::If", "Resources: {F: {Type: AWS::Serverless::Function, Properties: {Policies: [!If [C, AmazonS3FullAccess, {Statement: []}]]}}}\n",
			"different policy types within the same Fn::If"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := expand(t, tt.yaml)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Expand(%s) error = %v, want %q", tt.name, err, tt.want)
			}
		})
	}
}

// TestGlobalsMerge pins aws-sam-translator's merge rules (plugins/globals/
// globals.py, GlobalProperties): local scalars win, objects merge key by
// key, lists concatenate globals first, an intrinsic is a scalar, and a
// type mismatch keeps the local value.
func TestGlobalsMerge(t *testing.T) {
	res, err := expand(t, `Globals:
  Function:
    Timeout: 3
    Environment: {Variables: {A: g, B: g}}
    Layers: [l1]
    VpcConfig: {SubnetIds: [s1], SecurityGroupIds: [sg1]}
    Description: !Sub '${AWS::StackName} function'
Resources:
  F:
    Type: AWS::Serverless::Function
    Properties:
      Timeout: 10
      Environment: {Variables: {B: l, C: l}}
      Layers: [l2, l1]
      VpcConfig: {SubnetIds: !Ref Subnets}
      Description: local
`)
	if err != nil {
		t.Fatal(err)
	}
	got := res.Template["Resources"].(map[string]any)["F"].(map[string]any)["Properties"].(map[string]any)
	want := map[string]any{
		"Timeout":     10.0,
		"Environment": map[string]any{"Variables": map[string]any{"A": "g", "B": "l", "C": "l"}},
		"Layers":      []any{"l1", "l2", "l1"},
		"VpcConfig":   map[string]any{"SubnetIds": map[string]any{"Ref": "Subnets"}, "SecurityGroupIds": []any{"sg1"}},
		"Description": "local",
		"Role":        map[string]any{"Fn::GetAtt": []any{"FRole", "Arn"}},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Expand: F properties = %v, want %v", got, want)
	}
}

// TestImplicitAPI checks that the Outputs sam init writes, which refer to
// the API SAM creates for an Api event, still resolve.
func TestImplicitAPI(t *testing.T) {
	res, err := expand(t, `Transform: AWS::Serverless-2016-10-31
Resources:
  Hello:
    Type: AWS::Serverless::Function
    Properties:
      Events:
        Get: {Type: Api, Properties: {Path: /hello, Method: get}}
        Http: {Type: HttpApi}
Outputs:
  Url:
    Value: !Sub https://${ServerlessRestApi}.execute-api.${AWS::Region}.amazonaws.com/Prod/hello/
  Role:
    Value: !GetAtt HelloRole.Arn
`)
	if err != nil {
		t.Fatal(err)
	}
	r := res.Template["Resources"].(map[string]any)
	for id, typ := range map[string]string{"ServerlessRestApi": "AWS::ApiGateway::RestApi", "ServerlessHttpApi": "AWS::ApiGatewayV2::Api"} {
		if got, _ := r[id].(map[string]any); got["Type"] != typ {
			t.Errorf("Expand: %s = %v, want a %s", id, r[id], typ)
		}
	}
	if all := strings.Join(res.Notes, "\n"); !strings.Contains(all, "ServerlessRestApi, the API SAM creates for Api events, stands in") {
		t.Errorf("Expand: notes\n%s\nwant one for ServerlessRestApi", all)
	}
}
