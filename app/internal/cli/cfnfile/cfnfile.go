// Package cfnfile loads a CloudFormation template named to a review command
// (the access matrix, the diagram) the one way they all load it: parsed by
// package cfn, refused when it is not a CloudFormation template, and given
// the account and region its cloud assembly's manifest says.
package cfnfile

import (
	"fmt"

	"github.com/privates3/privates3/app/accessmatrix/cfn"
	"github.com/privates3/privates3/app/internal/cdkout"
)

// Load reads the template at path. A document with no resources is not a
// template CloudFormation would take ("Working with CloudFormation
// templates": the only required section is Resources, "which must declare
// at least one resource"), so it is refused rather than judged empty: a
// file named by mistake (a manifest, a Guard report, {"foo":1}) fails with
// a sentence instead of printing an empty matrix.
//
// When the manifest.json beside the file lists it as a stack with an
// environment (a stage of an environments file), the template's Env holds
// that account and region; otherwise both stay unknown until the caller's
// values (--set) say them.
func Load(path string) (*cfn.Template, error) {
	t, err := cfn.Load(path)
	if err != nil {
		return nil, err
	}
	if len(t.Resources) == 0 {
		return nil, fmt.Errorf("%s is not a CloudFormation template: it declares no Resources (a template must declare at least one); name a *.template.json that a synth wrote, such as cdk.out/PrivateS3-dev.template.json", path)
	}
	s, ok, err := cdkout.StackFor(path)
	if err != nil || !ok {
		return t, err
	}
	for name, v := range map[string]string{"AWS::AccountId": s.Account, "AWS::Region": s.Region} {
		if v == "" {
			continue
		}
		if t.Env == nil {
			t.Env = map[string]string{}
		}
		t.Env[name] = v
	}
	return t, nil
}
