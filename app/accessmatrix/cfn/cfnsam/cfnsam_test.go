package cfnsam_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/privates3/privates3/app/accessmatrix/cfn"
	_ "github.com/privates3/privates3/app/accessmatrix/cfn/cfnsam"
)

// Imported, the package makes cfn.Parse expand SAM: a function becomes the
// AWS::Lambda::Function SAM deploys, with the role SAM creates for it,
// <LogicalId>Role (AWS SAM Developer Guide, "AWS::Serverless::Function",
// generated AWS CloudFormation resources).
func TestParseExpandsSAM(t *testing.T) {
	tp, err := cfn.Parse("sam.json", []byte(`{"Transform": "AWS::Serverless-2016-10-31", "Resources": {
	  "F": {"Type": "AWS::Serverless::Function", "Properties": {"Policies": ["AmazonS3ReadOnlyAccess"]}}}}`))
	if err != nil {
		t.Fatal(err)
	}
	for id, want := range map[string]string{"F": "AWS::Lambda::Function", "FRole": "AWS::IAM::Role"} {
		if r := tp.Resources[id]; r == nil || r.Type != want {
			t.Errorf("resource %s = %+v, want a %s", id, r, want)
		}
	}
}

// SAM's refusals come back as cfn's errors, located in the file; other
// transforms are refused with the one that is supported named.
func TestErrors(t *testing.T) {
	for _, tc := range []struct{ doc, want string }{
		{`{"Transform": "AWS::Serverless-2016-10-31", "Resources": {"F": {"Type": "AWS::Serverless::Function", "Properties": {"Policies": [{"NoSuchPolicy": {}}]}}}}`,
			"bad.json: resource F: property Policies[0]: not a managed policy"},
		{`{"Transform": "AWS::LanguageExtensions", "Resources": {}}`,
			"bad.json: property Transform: transforms are not supported, except AWS::Serverless-2016-10-31"},
	} {
		_, err := cfn.Parse("bad.json", []byte(tc.doc))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Parse(%s) error = %v, want it to contain %q", tc.doc, err, tc.want)
		}
		var ce *cfn.Error
		if err != nil && !errors.As(err, &ce) {
			t.Errorf("Parse(%s) error %T is not a *cfn.Error", tc.doc, err)
		}
	}
}
