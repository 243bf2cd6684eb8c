// Package environments reads the committed list of environments an
// organisation deploys the private bucket to (dev and prod accounts, other
// regions, an existing VPC) and turns each into the app's config.Config.
// An environment's settings are the app's context keys under the same
// names, read by the same config.ReadSettings, so a value means the same
// and is refused with the same sentence in cdk.json, on the command line
// and in the file. Every problem is reported, one line each, naming the
// file, the entry and the field.
package environments

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"regexp"
	"slices"
	"strings"

	"github.com/privates3/privates3/app/config"
)

// File is the document: {"environments": [...]}, deployed in that order,
// and optionally {"pipeline": {...}} for the CDK Pipelines variant.
type File struct {
	Environments []Env
	Pipeline     *Pipeline
}

// Env is one environment: one CDK stage and its one stack. Its fields are
// those only an environment has; the settings of its stack are the app's
// context keys under the same names (config.SettingKeys), in Settings.
type Env struct {
	// Name names the stage and the stack (PrivateS3-<name>); as stage.
	Name    string
	Account string
	Region  string
	// Production puts a manual approval before the stage in the pipeline
	// and leaves the control out unless includeControl says otherwise.
	Production bool
	// Vpc is an existing VPC id (vpc-...), or "create": the vpcId of
	// context, which creates one when unset.
	Vpc string
	// AllowEndpointsOf names environments whose S3 endpoint this bucket
	// accepts too (their VPCs' uploaders, or other workloads there).
	AllowEndpointsOf []string
	// DeployedEndpointId pins this environment's own endpoint id, known
	// after its first deploy (stack output EndpointId), for environments
	// in other accounts (of the same region) that allow it.
	DeployedEndpointId string
	// Settings are the entry's settings, read and checked by
	// config.ReadSettings as context is; includeControl defaults to false
	// for a production environment.
	Settings config.Config
}

// envFields are the fields only an environment has.
var envFields = []string{"name", "account", "region", "production", "vpc", "allowEndpointsOf", "deployedEndpointId"}

// otherName says which field of an environment stands for a context key
// that an environment does not take under its own name.
var otherName = map[string]string{"stage": "name", "vpcId": "vpc"}

var (
	accountRE = regexp.MustCompile(`^\d{12}$`)
	regionRE  = regexp.MustCompile(`^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d$`)
)

// Load reads and checks path.
func Load(path string) ([]Env, error) {
	f, err := LoadFile(path)
	return f.Environments, err
}

// LoadFile reads and checks path, and returns the whole document: the
// environments and, when the file has one, the pipeline.
func LoadFile(path string) (File, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return File{}, fmt.Errorf("%s: %w", path, err)
	}
	return ParseFile(path, b)
}

// Parse checks the document data read from path (named in every error)
// and returns its environments.
func Parse(path string, data []byte) ([]Env, error) {
	f, err := ParseFile(path, data)
	return f.Environments, err
}

// ParseFile checks the document data read from path (named in every
// error). Every problem is reported, one line each, naming the file, the
// entry and the field. Field names match exactly, as context keys do.
func ParseFile(path string, data []byte) (File, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	var top map[string]json.RawMessage
	if err := dec.Decode(&top); err != nil {
		return File{}, fmt.Errorf("%s: %s", path, describe(err))
	}
	if _, err := dec.Token(); err != io.EOF {
		return File{}, fmt.Errorf("%s: text after the JSON document", path)
	}
	var errs []error
	for _, k := range slices.Sorted(maps.Keys(top)) {
		if k != "environments" && k != "pipeline" {
			errs = append(errs, fmt.Errorf("%s: %s", path, unknownField(k, []string{"environments", "pipeline"}, "see app/README.md, Environments, for the document")))
		}
	}
	var entries []json.RawMessage
	if raw, ok := top["environments"]; ok {
		if err := json.Unmarshal(raw, &entries); err != nil {
			errs = append(errs, fmt.Errorf(`%s: "environments": want a JSON list of environments`, path))
		}
	}
	if len(entries) == 0 && len(errs) == 0 {
		errs = append(errs, fmt.Errorf(`%s: "environments" is empty: list at least one environment`, path))
	}
	f := File{}
	if raw, ok := top["pipeline"]; ok {
		p, problems := parsePipeline(path, raw)
		f.Pipeline = p
		errs = append(errs, problems...)
	}
	for i, raw := range entries {
		e, problems := parseEnv(path, i, raw)
		f.Environments = append(f.Environments, e)
		errs = append(errs, problems...)
	}
	errs = append(errs, crossChecks(path, f.Environments)...)
	if err := errors.Join(errs...); err != nil {
		return File{}, err
	}
	return f, nil
}

// unknownField is the sentence for a field name that is not one of known.
func unknownField(k string, known []string, otherwise string) string {
	if near := config.Closest(k, known); near != "" {
		return fmt.Sprintf("unknown field %q: did you mean %q?", k, near)
	}
	return fmt.Sprintf("unknown field %q; %s", k, otherwise)
}

// who names entry i of path in a problem.
func who(path string, i int, name string) string {
	w := fmt.Sprintf("%s: environments[%d]", path, i)
	if name != "" {
		w += " (" + name + ")"
	}
	return w
}

// parseEnv reads entry i: its own fields, and its settings through
// config.ReadSettings.
func parseEnv(path string, i int, raw json.RawMessage) (Env, []error) {
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		return Env{}, []error{fmt.Errorf("%s: want a JSON object, such as {\"name\": \"dev\", \"account\": \"111111111111\", \"region\": \"eu-west-1\", \"vpc\": \"create\"}", who(path, i, ""))}
	}
	var e Env
	e.Name, _ = m["name"].(string)
	var errs []error
	line := func(p config.Problem) {
		errs = append(errs, p.Line(fmt.Sprintf("%s: field %s", who(path, i, e.Name), p.Key)))
	}
	bad := func(field string, value any, msg string, args ...any) {
		p := config.Problem{Key: field, Msg: fmt.Sprintf(msg, args...)}
		if value != nil {
			p.Value = config.ValueText(value)
		}
		line(p)
	}
	known := append(slices.Clone(envFields), config.SettingKeys...)
	for _, k := range slices.Sorted(maps.Keys(m)) {
		switch {
		case slices.Contains(known, k):
		case otherName[k] != "":
			errs = append(errs, fmt.Errorf("%s: unknown field %q: an environment's %s is its %q", who(path, i, e.Name), k, k, otherName[k]))
		default:
			errs = append(errs, fmt.Errorf("%s: %s", who(path, i, e.Name), unknownField(k, known, "see app/README.md, Environments, for the fields")))
		}
	}
	// A field of the wrong type is one problem: its value is not checked
	// again.
	wrongType := map[string]bool{}
	str := func(field string, dst *string) {
		switch v := m[field].(type) {
		case nil:
		case string:
			*dst = v
		default:
			bad(field, v, "want a string")
			wrongType[field] = true
		}
	}
	str("name", &e.Name)
	str("account", &e.Account)
	str("region", &e.Region)
	str("vpc", &e.Vpc)
	str("deployedEndpointId", &e.DeployedEndpointId)
	switch v := m["production"].(type) {
	case nil:
	case bool:
		e.Production = v
	default:
		bad("production", v, "want true or false")
	}
	switch v := m["allowEndpointsOf"].(type) {
	case nil:
	case []any:
		for _, x := range v {
			s, ok := x.(string)
			if !ok {
				bad("allowEndpointsOf", v, "element %s is not the name of an environment", config.ValueText(x))
				break
			}
			e.AllowEndpointsOf = append(e.AllowEndpointsOf, s)
		}
	default:
		bad("allowEndpointsOf", v, "want a list of environment names")
	}
	check := func(field, value string, ok bool, msg string) {
		if !ok && !wrongType[field] {
			bad(field, value, "%s", msg)
		}
	}
	check("name", e.Name, config.IsStage(e.Name), config.StageRule)
	check("account", e.Account, accountRE.MatchString(e.Account), "want a 12-digit AWS account id")
	check("region", e.Region, regionRE.MatchString(e.Region), "want a region such as eu-west-1")
	check("vpc", e.Vpc, e.Vpc == "create" || strings.HasPrefix(e.Vpc, "vpc-") && e.Vpc != "vpc-", `want an existing VPC id (vpc-...) or "create"`)
	d := e.DeployedEndpointId
	check("deployedEndpointId", d, d == "" || strings.HasPrefix(d, "vpce-") && d != "vpce-", "want the endpoint id of its stack output EndpointId, such as vpce-0123456789abcdef0")
	s, problems := config.ReadSettings(func(k string) any { return m[k] })
	for _, p := range problems {
		line(p)
	}
	if _, set := m["includeControl"]; !set {
		s.IncludeControl = !e.Production
		if p := config.CanaryNeedsControl(s); p != nil {
			bad("canary", nil, "%s (a production environment leaves the control out unless includeControl is set)", p.Msg)
		}
	}
	if s.EndpointId != "" && e.Vpc == "create" {
		bad("endpointId", nil, `a reused endpoint needs an existing vpc, not "create"`)
	}
	for _, a := range s.CrossAccountWriterRoleArns {
		if strings.Split(a, ":")[4] == e.Account {
			bad("crossAccountWriterRoleArns", nil, "%q is in this environment's own account: grant it in IAM instead", a)
		}
	}
	e.Settings = s
	return e, errs
}

// crossChecks are the problems between environments: names, references,
// bucket names.
func crossChecks(path string, envs []Env) []error {
	var errs []error
	bad := func(i int, e Env, field, msg string, args ...any) {
		errs = append(errs, fmt.Errorf("%s: field %s: %s", who(path, i, e.Name), field, fmt.Sprintf(msg, args...)))
	}
	byName := map[string]int{}
	for i, e := range envs {
		if !config.IsStage(e.Name) {
			continue
		}
		if j, dup := byName[e.Name]; dup {
			bad(i, e, "name", "%q is also environments[%d]: names must be unique", e.Name, j)
			continue
		}
		byName[e.Name] = i
	}
	for i, e := range envs {
		for _, ref := range e.AllowEndpointsOf {
			j, ok := byName[ref]
			switch {
			case !ok:
				bad(i, e, "allowEndpointsOf", "%q is not an environment of this file", ref)
			case ref == e.Name:
				bad(i, e, "allowEndpointsOf", "%q is this environment: its own endpoint is always allowed", ref)
			default:
				o := envs[j]
				switch {
				case o.Region != e.Region:
					// "A gateway endpoint is available only in the Region
					// where you created it. Be sure to create your gateway
					// endpoint in the same Region as your S3 buckets" (AWS
					// PrivateLink guide, "Gateway endpoints for Amazon S3",
					// Considerations).
					bad(i, e, "allowEndpointsOf", "%q is in %s, not %s: an S3 gateway endpoint reaches only buckets of its own region; reach this bucket from there through an S3 interface endpoint in %s (over peering or a transit gateway) and list its id in extraEndpointIds", ref, o.Region, e.Region, e.Region)
				case o.Settings.EndpointId == "" && o.DeployedEndpointId == "" && o.Account != e.Account:
					bad(i, e, "allowEndpointsOf", "%q is in another account, and its endpoint id is known only after its first deploy: deploy %s, then set its deployedEndpointId from its stack output EndpointId", ref, ref)
				}
			}
		}
		for _, o := range envs[:i] {
			if b := e.Settings.BucketName; b != "" && b == o.Settings.BucketName && e.Account == o.Account && e.Region == o.Region {
				bad(i, e, "bucketName", "%q is also %s's, in the same account and region: bucket names are unique", b, o.Name)
			}
		}
	}
	return errs
}

// describe turns the decoder's error into a sentence naming the field.
func describe(err error) string {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF):
		return "not valid JSON: the document ends early"
	case errors.As(err, &syn):
		return fmt.Sprintf("not valid JSON at byte %d: %v", syn.Offset, err)
	case errors.As(err, &typ):
		if typ.Field == "" {
			return fmt.Sprintf("want a JSON object, not a JSON %s", typ.Value)
		}
		return fmt.Sprintf("field %s: want a %s, not a JSON %s", typ.Field, typ.Type, typ.Value)
	}
	return err.Error()
}

// Config is env's app configuration: its Settings, with its name, account,
// region and VPC, and the endpoints of the environments it allows. all are
// the file's environments: another's endpoint id is written literally when
// known (reused or pinned); the others are read at deploy time from SSM
// (EndpointParameter), which works in one account and region only, as
// ParseFile checks.
func (e Env) Config(all []Env) config.Config {
	c := e.Settings
	c.Stage, c.Account, c.Region = e.Name, e.Account, e.Region
	c.ExtraEndpointIds = slices.Clone(c.ExtraEndpointIds)
	if e.Vpc != "create" {
		c.VpcId = e.Vpc
	}
	for _, ref := range e.AllowEndpointsOf {
		for _, o := range all {
			switch {
			case o.Name != ref:
			case o.Settings.EndpointId != "":
				c.ExtraEndpointIds = append(c.ExtraEndpointIds, o.Settings.EndpointId)
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
