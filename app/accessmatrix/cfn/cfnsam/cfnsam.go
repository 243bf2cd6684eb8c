// Package cfnsam makes package cfn expand the AWS Serverless Application
// Model transform (package sam). Importing it for its effect (import _
// ".../cfn/cfnsam") makes cfn.Parse and cfn.Load read SAM templates, as
// the access matrix command does; programs that read only synthesized
// templates, which have no Transform section, leave it out and with it the
// SAM expander and its managed-policy table: the CDK app does.
package cfnsam

import (
	"errors"

	"github.com/privates3/privates3/app/accessmatrix/cfn"
	"github.com/privates3/privates3/app/accessmatrix/sam"
)

func init() { cfn.RegisterTransform(sam.Transform, expand) }

// expand is sam.Expand with its errors located as cfn reports them.
func expand(template map[string]any) (*cfn.Expansion, error) {
	res, err := sam.Expand(template)
	if err != nil {
		var se *sam.Error
		if errors.As(err, &se) {
			return nil, &cfn.Error{Resource: se.Resource, Property: se.Property, Err: se.Err}
		}
		return nil, err
	}
	return &cfn.Expansion{Template: res.Template, Notes: res.Notes, ResourceNotes: res.ResourceNotes}, nil
}
