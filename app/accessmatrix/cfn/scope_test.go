package cfn

import (
	"testing"
)

func mustParse(t *testing.T, name, doc string) *Template {
	t.Helper()
	tmpl, err := Parse(name, []byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	return tmpl
}

func resolveIn(t *testing.T, r *Resolver, tmpl *Template, v any) any {
	t.Helper()
	got, err := r.Resolve(tmpl, v)
	if err != nil {
		t.Fatal(err)
	}
	return got
}

// A logical id is local to its template: two templates that both define
// Data have two buckets, whose symbols say whose they are; a name only one
// template defines keeps its plain symbol, as a single template does.
func TestLogicalIDsAreLocal(t *testing.T) {
	const doc = `{"Parameters": {"Vpce": {"Type": "String"}}, "Mappings": {"M": {"a": {"k": "1"}, "b": {"k": "2"}}},
	  "Resources": {"Data": {"Type": "AWS::S3::Bucket"}, "Role": {"Type": "AWS::IAM::Role"}}}`
	dev := mustParse(t, "out/assembly-dev/devStack.template.json", doc)
	prod := mustParse(t, "out/assembly-prod/prodStack.template.json", `{"Resources": {"Data": {"Type": "AWS::S3::Bucket"}, "Only": {"Type": "AWS::SNS::Topic"}}}`)
	r, err := NewResolver(Options{}, dev, prod)
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name string
		t    *Template
		expr any
		want any
	}{
		{"a shared id, dev's", dev, map[string]any{"Ref": "Data"}, "${devStack#Data}"},
		{"a shared id, prod's", prod, map[string]any{"Ref": "Data"}, "${prodStack#Data}"},
		{"its ARN", prod, map[string]any{"Fn::GetAtt": []any{"Data", "Arn"}}, "arn:${AWS::Partition}:s3:::${prodStack#Data}"},
		{"an id of one template", prod, map[string]any{"Ref": "Only"}, "${Only}"},
		{"an attribute of one template's", prod, map[string]any{"Fn::GetAtt": []any{"Only", "TopicArn"}}, "${Only.TopicArn}"},
		{"a parameter of one template", dev, map[string]any{"Ref": "Vpce"}, "${Vpce}"},
		{"each has its account", prod, map[string]any{"Ref": "AWS::AccountId"}, "${prodStack#AWS::AccountId}"},
		{"and its region", dev, map[string]any{"Ref": "AWS::Region"}, "${devStack#AWS::Region}"},
		{"the partition is shared", dev, map[string]any{"Ref": "AWS::Partition"}, "${AWS::Partition}"},
		{"each is a stack", dev, map[string]any{"Ref": "AWS::StackName"}, "${devStack#AWS::StackName}"},
	} {
		if got := resolveIn(t, r, tt.t, tt.expr); got != tt.want {
			t.Errorf("%s: Resolve(%v) = %v, want %v", tt.name, tt.expr, got, tt.want)
		}
	}
	checkScopes(t, r, []scopeCase{
		{"${devStack#Data}", dev, "Data"},
		{"${prodStack#Data.Arn}", prod, "Data.Arn"},
		{"${Only}", nil, "Only"},
		{"${AWS::AccountId}", nil, "AWS::AccountId"},
		{"${devStack#AWS::AccountId}", dev, "AWS::AccountId"},
		{"${prodStack#AWS::Region}", prod, "AWS::Region"},
	})
	// Alone, nothing is qualified.
	alone, err := NewResolver(Options{}, dev)
	if err != nil {
		t.Fatal(err)
	}
	if got := resolveIn(t, alone, dev, map[string]any{"Ref": "Data"}); got != "${Data}" {
		t.Errorf("alone: Ref Data = %v, want ${Data}", got)
	}
	if got := resolveIn(t, alone, dev, map[string]any{"Ref": "AWS::StackName"}); got != "${AWS::StackName}" {
		t.Errorf("alone: Ref AWS::StackName = %v, want ${AWS::StackName}", got)
	}
	// Two files of one base name are told apart by their paths.
	a := mustParse(t, "a/stack.template.json", `{"Resources": {"Data": {"Type": "AWS::S3::Bucket"}}}`)
	b := mustParse(t, "b/stack.template.json", `{"Resources": {"Data": {"Type": "AWS::S3::Bucket"}}}`)
	rb, err := NewResolver(Options{}, a, b)
	if err != nil {
		t.Fatal(err)
	}
	if x, y := resolveIn(t, rb, a, map[string]any{"Ref": "Data"}), resolveIn(t, rb, b, map[string]any{"Ref": "Data"}); x == y || x != "${a_stack#Data}" {
		t.Errorf("same base name: Ref Data = %v and %v, want ${a_stack#Data} and another", x, y)
	}
}

// An SSM parameter-typed parameter takes the value one other template
// writes to that parameter name; otherwise it stays a symbol.
func TestSSMParameterAcrossTemplates(t *testing.T) {
	const reader = `{"Parameters": {"DevVpce": {"Type": "AWS::SSM::Parameter::Value<String>", "Default": "/app/dev/endpoint-id"}},
	  "Resources": {"Data": {"Type": "AWS::S3::Bucket"}}}`
	const writer = `{"Resources": {"Endpoint": {"Type": "AWS::EC2::VPCEndpoint", "Properties": {"VpcId": "vpc-1", "ServiceName": "com.amazonaws.eu-west-1.s3"}},
	  "Param": {"Type": "AWS::SSM::Parameter", "Properties": {"Name": "/app/dev/endpoint-id", "Type": "String", "Value": {"Ref": "Endpoint"}}}}}`
	const other = `{"Resources": {"Param": {"Type": "AWS::SSM::Parameter", "Properties": {"Name": {"Fn::Sub": "/other/${AWS::Region}/endpoint-id"}, "Type": "String", "Value": "x"}}}}`
	const second = `{"Resources": {"P2": {"Type": "AWS::SSM::Parameter", "Properties": {"Name": "/app/dev/endpoint-id", "Type": "String", "Value": "vpce-0other"}}}}`
	ref := map[string]any{"Ref": "DevVpce"}
	for _, tt := range []struct {
		name  string
		docs  []string
		want  any
		given map[string]string
	}{
		{"written by another template", []string{reader, writer}, "${Endpoint}", nil},
		{"with an unrelated writer too", []string{reader, writer, other}, "${Endpoint}", nil},
		{"read alone", []string{reader}, "${DevVpce}", nil},
		{"written twice", []string{reader, writer, second}, "${DevVpce}", nil},
		{"a writer whose name may be it", []string{reader, writer, `{"Resources": {"P": {"Type": "AWS::SSM::Parameter", "Properties": {"Name": {"Fn::Sub": "/app/${AWS::Region}"}, "Type": "String", "Value": "y"}}}}`}, "${DevVpce}", nil},
		{"given", []string{reader, writer}, "vpce-0given", map[string]string{"DevVpce": "vpce-0given"}},
		{"written and read by one template", []string{`{"Parameters": {"DevVpce": {"Type": "AWS::SSM::Parameter::Value<String>", "Default": "/app/dev/endpoint-id"}},
		  "Resources": {"Param": {"Type": "AWS::SSM::Parameter", "Properties": {"Name": "/app/dev/endpoint-id", "Type": "String", "Value": "new"}}}}`, `{"Resources": {"X": {"Type": "AWS::SNS::Topic"}}}`}, "${DevVpce}", nil},
	} {
		var ts []*Template
		for i, d := range tt.docs {
			ts = append(ts, mustParse(t, string(rune('a'+i))+".json", d))
		}
		r, err := NewResolver(Options{Values: tt.given}, ts...)
		if err != nil {
			t.Fatal(err)
		}
		if got := resolveIn(t, r, ts[0], ref); got != tt.want {
			t.Errorf("%s: Ref DevVpce = %v, want %v", tt.name, got, tt.want)
		}
	}
}

// scopeCase is a symbol and the template and name Resolver.Scope must
// split it into.
type scopeCase struct {
	symbol string
	t      *Template
	name   string
}

func checkScopes(t *testing.T, r *Resolver, cases []scopeCase) {
	t.Helper()
	for _, tt := range cases {
		if got, name := r.Scope(tt.symbol); got != tt.t || name != tt.name {
			t.Errorf("Scope(%s) = %v, %q, want %v, %q", tt.symbol, got, name, tt.t, tt.name)
		}
	}
}
