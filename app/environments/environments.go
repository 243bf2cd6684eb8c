// Package environments reads the committed list of environments an
// organisation deploys the private bucket to (dev and prod accounts, other
// regions, an existing VPC) and turns each into the app's config.Config.
// Every problem is reported, one line each, naming the file, the entry and
// the field.
package environments

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
	"slices"
	"strings"

	"github.com/privates3/privates3/app/config"
	"github.com/privates3/privates3/constructs/storage"
	"github.com/privates3/privates3/lambda/uploader/contract"
)

// File is the document: {"environments": [...]}, deployed in that order,
// and optionally {"pipeline": {...}} for the CDK Pipelines variant.
type File struct {
	Environments []Env     `json:"environments"`
	Pipeline     *Pipeline `json:"pipeline,omitempty"`
}

// Env is one environment: one CDK stage and its one stack.
type Env struct {
	// Name names the stage and the stack (PrivateS3-<name>); as stage.
	Name    string `json:"name"`
	Account string `json:"account"`
	Region  string `json:"region"`
	// Production puts a manual approval before the stage in the pipeline
	// and leaves the control out unless IncludeControl says otherwise.
	Production bool `json:"production,omitempty"`
	// Vpc is an existing VPC id (vpc-...), or "create".
	Vpc string `json:"vpc"`
	// EndpointId and EndpointRouteTableIds reuse an existing S3 gateway
	// endpoint of that VPC.
	EndpointId            string   `json:"endpointId,omitempty"`
	EndpointRouteTableIds []string `json:"endpointRouteTableIds,omitempty"`
	PrefixListId          string   `json:"prefixListId,omitempty"`
	// ExtraEndpointIds are other endpoints the bucket accepts.
	ExtraEndpointIds []string `json:"extraEndpointIds,omitempty"`
	// AllowEndpointsOf names environments whose S3 endpoint this bucket
	// accepts too (their VPCs' uploaders, or other workloads there).
	AllowEndpointsOf []string `json:"allowEndpointsOf,omitempty"`
	// DeployedEndpointId pins this environment's own endpoint id, known
	// after its first deploy (stack output EndpointId), for environments
	// in other accounts (of the same region) that allow it.
	DeployedEndpointId string   `json:"deployedEndpointId,omitempty"`
	AdminRoleArns      []string `json:"adminRoleArns,omitempty"`
	// CrossAccountWriterRoleArns are roles of other accounts that may
	// write objects, through an endpoint this bucket allows.
	CrossAccountWriterRoleArns []string `json:"crossAccountWriterRoleArns,omitempty"`
	Kms                        bool     `json:"kms,omitempty"`
	// IncludeControl deploys the control. Default: true, false when
	// Production.
	IncludeControl *bool  `json:"includeControl,omitempty"`
	BucketName     string `json:"bucketName,omitempty"`
	KeyPrefix      string `json:"keyPrefix,omitempty"`
}

var (
	accountRE = regexp.MustCompile(`^\d{12}$`)
	regionRE  = regexp.MustCompile(`^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d$`)
)

// Load reads and checks path.
func Load(path string) ([]Env, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return Parse(path, b)
}

// Parse checks the document data read from path (named in every error).
func Parse(path string, data []byte) ([]Env, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var f File
	if err := dec.Decode(&f); err != nil {
		return nil, fmt.Errorf("%s: %s", path, describe(err))
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, fmt.Errorf("%s: text after the JSON document", path)
	}
	if len(f.Environments) == 0 {
		return nil, fmt.Errorf(`%s: "environments" is empty: list at least one environment`, path)
	}
	var errs []error
	bad := func(i int, e Env, field, msg string, args ...any) {
		who := fmt.Sprintf("environments[%d]", i)
		if e.Name != "" {
			who += " (" + e.Name + ")"
		}
		errs = append(errs, fmt.Errorf("%s: %s: field %s: %s", path, who, field, fmt.Sprintf(msg, args...)))
	}
	byName := map[string]int{}
	for i, e := range f.Environments {
		switch {
		case !config.IsStage(e.Name):
			bad(i, e, "name", "%q: use 1 to 20 lower-case letters, digits and hyphens", e.Name)
		case byName[e.Name] > 0:
			bad(i, e, "name", "%q is also environments[%d]: names must be unique", e.Name, byName[e.Name]-1)
		default:
			byName[e.Name] = i + 1
		}
		if !accountRE.MatchString(e.Account) {
			bad(i, e, "account", "%q: want a 12-digit AWS account id", e.Account)
		}
		if !regionRE.MatchString(e.Region) {
			bad(i, e, "region", "%q: want a region such as eu-west-1", e.Region)
		}
		if e.Vpc != "create" && !strings.HasPrefix(e.Vpc, "vpc-") {
			bad(i, e, "vpc", "%q: want an existing VPC id (vpc-...) or \"create\"", e.Vpc)
		}
		if e.EndpointId != "" && e.Vpc == "create" {
			bad(i, e, "endpointId", "a reused endpoint needs an existing vpc, not \"create\"")
		}
		if (e.EndpointId == "") != (len(e.EndpointRouteTableIds) == 0) {
			bad(i, e, "endpointRouteTableIds", "endpointId and endpointRouteTableIds go together")
		}
		for _, check := range []struct {
			field, prefix string
			values        []string
		}{
			{"endpointId", "vpce-", nonEmpty(e.EndpointId)},
			{"deployedEndpointId", "vpce-", nonEmpty(e.DeployedEndpointId)},
			{"endpointRouteTableIds", "rtb-", e.EndpointRouteTableIds},
			{"prefixListId", "pl-", nonEmpty(e.PrefixListId)},
			{"extraEndpointIds", "vpce-", e.ExtraEndpointIds},
		} {
			for _, v := range check.values {
				if !strings.HasPrefix(v, check.prefix) || len(v) == len(check.prefix) {
					bad(i, e, check.field, "%q: want an id starting %s", v, check.prefix)
				}
			}
		}
		for _, a := range e.AdminRoleArns {
			if !storage.IsRoleArn(a) {
				bad(i, e, "adminRoleArns", "%q: want an IAM role ARN such as arn:aws:iam::123456789012:role/BreakGlass", a)
			}
		}
		for _, a := range e.CrossAccountWriterRoleArns {
			switch {
			case !storage.IsRoleArn(a):
				bad(i, e, "crossAccountWriterRoleArns", "%q: want an IAM role ARN such as arn:aws:iam::210987654321:role/Writer", a)
			case strings.Split(a, ":")[4] == e.Account:
				bad(i, e, "crossAccountWriterRoleArns", "%q is in this environment's own account: grant it in IAM instead", a)
			}
		}
		if err := config.CheckWritersHaveEndpoint(e.CrossAccountWriterRoleArns, e.ExtraEndpointIds); err != nil {
			bad(i, e, "crossAccountWriterRoleArns", "%v", err)
		}
		if e.BucketName != "" {
			if err := contract.CheckBucketName(e.BucketName); err != nil {
				bad(i, e, "bucketName", "%q: %v", e.BucketName, err)
			}
		}
	}
	for i, e := range f.Environments {
		for _, ref := range e.AllowEndpointsOf {
			j, ok := byName[ref]
			switch {
			case !ok:
				bad(i, e, "allowEndpointsOf", "%q is not an environment of this file", ref)
			case ref == e.Name:
				bad(i, e, "allowEndpointsOf", "%q is this environment: its own endpoint is always allowed", ref)
			default:
				o := f.Environments[j-1]
				switch {
				case o.Region != e.Region:
					// "A gateway endpoint is available only in the Region
					// where you created it. Be sure to create your gateway
					// endpoint in the same Region as your S3 buckets" (AWS
					// PrivateLink guide, "Gateway endpoints for Amazon S3",
					// Considerations).
					bad(i, e, "allowEndpointsOf", "%q is in %s, not %s: an S3 gateway endpoint reaches only buckets of its own region; reach this bucket from there through an S3 interface endpoint in %s (over peering or a transit gateway) and list its id in extraEndpointIds", ref, o.Region, e.Region, e.Region)
				case o.EndpointId == "" && o.DeployedEndpointId == "" && o.Account != e.Account:
					bad(i, e, "allowEndpointsOf", "%q is in another account, and its endpoint id is known only after its first deploy: deploy %s, then set its deployedEndpointId from its stack output EndpointId", ref, ref)
				}
			}
		}
		for _, o := range f.Environments[:i] {
			if e.BucketName != "" && e.BucketName == o.BucketName && e.Account == o.Account && e.Region == o.Region {
				bad(i, e, "bucketName", "%q is also %s's, in the same account and region: bucket names are unique", e.BucketName, o.Name)
			}
		}
	}
	errs = append(errs, f.Pipeline.problems(path)...)
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return f.Environments, nil
}

func nonEmpty(s string) []string {
	if s == "" {
		return nil
	}
	return []string{s}
}

// describe turns the decoder's error into a sentence naming the field.
func describe(err error) string {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.Is(err, io.ErrUnexpectedEOF):
		return "not valid JSON: the document ends early"
	case errors.As(err, &syn):
		return fmt.Sprintf("not valid JSON at byte %d: %v", syn.Offset, err)
	case errors.As(err, &typ):
		return fmt.Sprintf("field %s: want a %s, not a JSON %s", typ.Field, typ.Type, typ.Value)
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		return fmt.Sprintf("unknown field %s: see README, Environments, for the fields", strings.TrimPrefix(err.Error(), "json: unknown field "))
	}
	return err.Error()
}

// Config is env's app configuration. endpointOf gives the literal endpoint
// id of another environment when known (reused or pinned); the others it
// allows are read at deploy time (SSMEndpointsOf), which works in one
// account and region only, as Parse checks.
func (e Env) Config(all []Env) config.Config {
	c := config.Config{
		Stage:                      e.Name,
		Account:                    e.Account,
		Region:                     e.Region,
		EndpointId:                 e.EndpointId,
		EndpointRouteTableIds:      e.EndpointRouteTableIds,
		PrefixListId:               e.PrefixListId,
		ExtraEndpointIds:           slices.Clone(e.ExtraEndpointIds),
		AdminRoleArns:              e.AdminRoleArns,
		CrossAccountWriterRoleArns: e.CrossAccountWriterRoleArns,
		Kms:                        e.Kms,
		KeyPrefix:                  e.KeyPrefix,
		IncludeControl:             !e.Production,
		DenyMode:                   storage.DenyAllActions,
		BucketName:                 e.BucketName,
	}
	if e.Vpc != "create" {
		c.VpcId = e.Vpc
	}
	if e.IncludeControl != nil {
		c.IncludeControl = *e.IncludeControl
	}
	for _, ref := range e.AllowEndpointsOf {
		for _, o := range all {
			switch {
			case o.Name != ref:
			case o.EndpointId != "":
				c.ExtraEndpointIds = append(c.ExtraEndpointIds, o.EndpointId)
			case o.DeployedEndpointId != "":
				c.ExtraEndpointIds = append(c.ExtraEndpointIds, o.DeployedEndpointId)
			default:
				c.EndpointParameters = append(c.EndpointParameters, EndpointParameter(o.Name))
			}
		}
	}
	return c
}

// EndpointParameter is the SSM parameter an environment's stack writes its
// S3 endpoint id to, for the environments of its account and region that
// allow it.
func EndpointParameter(name string) string { return "/privates3/" + name + "/endpoint-id" }
