// Package sam expands the AWS Serverless Application Model transform
// (AWS::Serverless-2016-10-31) as far as the access matrix needs: every
// AWS::Serverless::Function becomes the AWS::Lambda::Function SAM deploys,
// with its Role, or the AWS::IAM::Role SAM creates for it (<LogicalId>Role)
// from its Policies, with its VpcConfig, and with the Function section of
// Globals merged in as SAM merges it.
//
// It works on the decoded template tree (maps, lists and scalars, as
// encoding/json produces), as aws-sam-translator does on its dictionaries,
// and follows aws-sam-translator 1.110.0, against which it is tested. What it
// does not model (other AWS::Serverless:: types, event sources, policy
// templates other than the S3 ones, other Globals sections) is listed in
// Result.Notes rather than dropped in silence.
package sam

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
)

// Transform is the name of the SAM transform in a template's Transform
// section.
const Transform = "AWS::Serverless-2016-10-31"

const functionType = "AWS::Serverless::Function"

// Result is an expanded template.
type Result struct {
	// Template is the CloudFormation template, without Transform and
	// Globals. Resources SAM would create that are not modelled are
	// absent; SAM resources other than functions are kept as they are.
	Template map[string]any
	// Notes list what was not modelled, one entry each, in logical id
	// order.
	Notes []string
	// ResourceNotes say, by logical id of a created role, what of its
	// permissions was not modelled, so that rows using it can say so.
	ResourceNotes map[string][]string

	// implicit records the event types whose API SAM creates.
	implicit map[string]bool
}

// Error locates a template that SAM itself would refuse.
type Error struct {
	Resource string
	Property string
	Err      error
}

func (e *Error) Error() string {
	s := e.Err.Error()
	if e.Property != "" {
		s = "property " + e.Property + ": " + s
	}
	if e.Resource != "" {
		s = "resource " + e.Resource + ": " + s
	}
	return s
}

func (e *Error) Unwrap() error { return e.Err }

// Expand applies the SAM transform to a decoded template. The input is not
// modified.
func Expand(template map[string]any) (*Result, error) {
	out, _ := deepCopy(template).(map[string]any)
	delete(out, "Transform")
	res := &Result{Template: out, ResourceNotes: map[string][]string{}, implicit: map[string]bool{}}
	globals, err := res.parseGlobals(out["Globals"])
	if err != nil {
		return nil, err
	}
	delete(out, "Globals")
	resources, ok := out["Resources"].(map[string]any)
	if !ok {
		return res, nil // package cfn reports a malformed Resources section
	}
	// connectors maps a connector to the logical id of its source, whose
	// role it may give permissions.
	connectors := map[string]string{}
	for _, id := range slices.Sorted(maps.Keys(resources)) {
		r, ok := resources[id].(map[string]any)
		if !ok {
			continue // reported by package cfn
		}
		typ, _ := r["Type"].(string)
		if _, ok := r["Connectors"]; ok {
			res.note("%s: embedded Connectors are not modelled; they may grant access, including to S3", id)
			connectors[id+" (embedded Connectors)"] = id
		}
		switch {
		case typ == functionType:
			if err := res.expandFunction(resources, id, r, globals); err != nil {
				return nil, err
			}
		case typ == "AWS::Serverless::Connector":
			res.note("%s %s is not modelled; it may grant access, including to S3", typ, id)
			p, _ := r["Properties"].(map[string]any)
			src, _ := p["Source"].(map[string]any)
			if sid, ok := src["Id"].(string); ok {
				connectors[id] = sid
			}
		case strings.HasPrefix(typ, "AWS::Serverless::"):
			res.note("%s %s is not modelled", typ, id)
		}
	}
	for _, c := range slices.Sorted(maps.Keys(connectors)) {
		if role := roleOf(resources, connectors[c]); role != "" {
			res.ResourceNotes[role] = append(res.ResourceNotes[role], "SAM connector "+c)
		}
	}
	res.implicitAPIs(resources)
	return res, nil
}

// roleOf is the logical id of the role an expanded function runs as, when
// the template creates it; "" otherwise.
func roleOf(resources map[string]any, fnID string) string {
	fn, _ := resources[fnID].(map[string]any)
	if fn["Type"] != "AWS::Lambda::Function" {
		return ""
	}
	p, _ := fn["Properties"].(map[string]any)
	att, _ := p["Role"].(map[string]any)["Fn::GetAtt"].([]any)
	if len(att) == 2 && att[1] == "Arn" {
		if id, ok := att[0].(string); ok {
			return id
		}
	}
	return ""
}

// implicitAPIs adds the APIs SAM creates for Api and HttpApi events that
// name none (ServerlessRestApi, ServerlessHttpApi), as bare resources, so
// that the Outputs that refer to them, as sam init's do, still resolve.
func (res *Result) implicitAPIs(resources map[string]any) {
	for _, api := range []struct{ event, idProp, id, typ string }{
		{"Api", "RestApiId", "ServerlessRestApi", "AWS::ApiGateway::RestApi"},
		{"HttpApi", "ApiId", "ServerlessHttpApi", "AWS::ApiGatewayV2::Api"},
	} {
		if _, exists := resources[api.id]; exists || !res.implicit[api.event] {
			continue
		}
		resources[api.id] = map[string]any{"Type": api.typ}
		res.note("%s, the API SAM creates for %s events, stands in without its routes, stages or deployment", api.id, api.event)
	}
}

func (res *Result) note(format string, args ...any) {
	res.Notes = append(res.Notes, fmt.Sprintf(format, args...))
}

// expandFunction replaces resources[id], an AWS::Serverless::Function, by
// the AWS::Lambda::Function and, when SAM would create one, its role.
func (res *Result) expandFunction(resources map[string]any, id string, r map[string]any, globals map[string]any) error {
	props := map[string]any{}
	if p, ok := r["Properties"]; ok && p != nil {
		if props, ok = p.(map[string]any); !ok {
			return &Error{Resource: id, Property: "Properties", Err: errors.New("must be an object")}
		}
	}
	if globals != nil {
		g, err := withoutIgnored(id, globals, r["IgnoreGlobals"])
		if err != nil {
			return err
		}
		props, _ = merge(g, props).(map[string]any)
	}

	fn := map[string]any{"Type": "AWS::Lambda::Function"}
	for k, v := range r {
		switch k {
		case "Type", "Properties", "IgnoreGlobals", "Connectors":
		default:
			fn[k] = v // Condition, DependsOn, DeletionPolicy, Metadata...
		}
	}
	fprops := map[string]any{}
	for _, k := range functionProperties {
		if v, ok := props[k]; ok && v != nil {
			fprops[k] = v
		}
	}
	fn["Properties"] = fprops
	resources[id] = fn
	res.noteUnmodelled(id, props)

	roleID := id + "Role"
	role, err := res.role(id, roleID, r, props)
	if err != nil {
		return err
	}
	create := false
	switch rv := props["Role"]; {
	case rv == nil:
		fprops["Role"] = roleArn(roleID)
		create = true
	case isIf(rv):
		// SAM creates its role for the branches that say AWS::NoValue
		// (sam_resources.py, _make_lambda_role).
		items, _ := rv.(map[string]any)["Fn::If"].([]any)
		if len(items) != 3 {
			return &Error{Resource: id, Property: "Role", Err: errors.New("Fn::If takes [condition, value if true, value if false]")}
		}
		cond, yes, no := items[0], items[1], items[2]
		cs, _ := cond.(string)
		switch {
		case isNoValue(yes) && isNoValue(no):
			fprops["Role"] = roleArn(roleID)
			create = true
		case isNoValue(yes):
			fprops["Role"] = map[string]any{"Fn::If": []any{cond, roleArn(roleID), no}}
			role["Condition"] = cond
			create = true
		case isNoValue(no):
			fprops["Role"] = map[string]any{"Fn::If": []any{cond, yes, roleArn(roleID)}}
			role["Condition"] = "NOT" + cs
			conds, _ := res.Template["Conditions"].(map[string]any)
			if conds == nil {
				conds = map[string]any{}
				res.Template["Conditions"] = conds
			}
			conds["NOT"+cs] = map[string]any{"Fn::Not": []any{map[string]any{"Condition": cs}}}
			create = true
		}
	}
	if !create {
		if _, ok := props["Policies"]; ok {
			res.note("%s: Policies are ignored, as SAM ignores them, because Role is set", id)
		}
		return nil
	}
	if _, clash := resources[roleID]; clash {
		return &Error{Resource: id, Err: fmt.Errorf("the role SAM creates, %s, clashes with a resource of that name", roleID)}
	}
	resources[roleID] = role
	return nil
}

// functionProperties are the AWS::Serverless::Function properties that SAM
// copies unchanged onto the AWS::Lambda::Function and that bear on who the
// function is and where it runs. Code, tags and the rest are left out: they
// change no access decision.
var functionProperties = []string{
	"FunctionName", "Description", "Handler", "Runtime", "MemorySize", "Timeout",
	"Role", "VpcConfig", "Environment", "KmsKeyArn", "Layers", "Architectures",
	"ReservedConcurrentExecutions", "FileSystemConfigs", "PackageType",
}

// noteUnmodelled lists the parts of a function that create resources or
// permissions the matrix does not model.
func (res *Result) noteUnmodelled(id string, props map[string]any) {
	if ev, ok := props["Events"].(map[string]any); ok && len(ev) > 0 {
		var list []string
		for _, name := range slices.Sorted(maps.Keys(ev)) {
			typ := "?"
			if e, ok := ev[name].(map[string]any); ok {
				if s, ok := e["Type"].(string); ok {
					typ = s
				}
				p, _ := e["Properties"].(map[string]any)
				if _, named := p["RestApiId"]; typ == "Api" && !named {
					res.implicit["Api"] = true
				}
				if _, named := p["ApiId"]; typ == "HttpApi" && !named {
					res.implicit["HttpApi"] = true
				}
			}
			list = append(list, name+" ("+typ+")")
		}
		// No event source of aws-sam-translator 1.110.0 adds an s3:
		// permission to the role (model/eventsources).
		res.note("%s: Events %s are not modelled (triggers, invoke permissions and the event sources' role policies, none of them on S3)", id, strings.Join(list, ", "))
	}
	for _, p := range []string{"AutoPublishAlias", "DeploymentPreference", "FunctionUrlConfig", "ProvisionedConcurrencyConfig"} {
		if v, ok := props[p]; ok && v != nil {
			res.note("%s: %s is not modelled (versions, aliases, URLs and deployments; none of them changes the role)", id, p)
		}
	}
}

// withoutIgnored applies the IgnoreGlobals resource attribute.
func withoutIgnored(id string, globals map[string]any, ignore any) (map[string]any, error) {
	switch x := ignore.(type) {
	case nil:
		return globals, nil
	case string:
		if x == "*" {
			return map[string]any{}, nil
		}
	case []any:
		g := maps.Clone(globals)
		for _, k := range x {
			s, _ := k.(string)
			if _, ok := g[s]; !ok {
				return nil, &Error{Resource: id, Property: "IgnoreGlobals", Err: fmt.Errorf("%v is not a property of Globals.Function", k)}
			}
			delete(g, s)
		}
		return g, nil
	}
	return nil, &Error{Resource: id, Property: "IgnoreGlobals", Err: errors.New(`must be "*" or a list of Globals properties`)}
}

// globalFunctionProperties are the properties Globals.Function accepts in
// aws-sam-translator 1.110.0 (plugins/globals/globals.py): everything of a
// function except Role, Policies, FunctionName and Events.
var globalFunctionProperties = map[string]bool{
	"Handler": true, "Runtime": true, "CodeUri": true, "DeadLetterQueue": true, "Description": true,
	"MemorySize": true, "Timeout": true, "VpcConfig": true, "Environment": true, "Tags": true,
	"PropagateTags": true, "Tracing": true, "KmsKeyArn": true, "AutoPublishAlias": true,
	"AutoPublishAliasAllProperties": true, "Layers": true, "DeploymentPreference": true, "RolePath": true,
	"PermissionsBoundary": true, "ReservedConcurrentExecutions": true, "ProvisionedConcurrencyConfig": true,
	"AssumeRolePolicyDocument": true, "EventInvokeConfig": true, "FileSystemConfigs": true,
	"CodeSigningConfigArn": true, "Architectures": true, "SnapStart": true, "EphemeralStorage": true,
	"FunctionUrlConfig": true, "RuntimeManagementConfig": true, "LoggingConfig": true, "RecursiveLoop": true,
	"SourceKMSKeyArn": true, "TenancyConfig": true, "DurableConfig": true, "CapacityProviderConfig": true,
	"FunctionScalingConfig": true, "PublishToLatestPublished": true, "VersionDeletionPolicy": true,
}

// globalSections are the other Globals sections SAM accepts; they apply to
// resource types that are not modelled.
var globalSections = []string{"Api", "CapacityProvider", "HttpApi", "LayerVersion", "SimpleTable", "StateMachine", "WebSocketApi"}

// parseGlobals checks the Globals section as SAM does and returns its
// Function section (nil when there is none).
func (res *Result) parseGlobals(v any) (map[string]any, error) {
	if v == nil {
		return nil, nil
	}
	g, ok := v.(map[string]any)
	if !ok {
		return nil, &Error{Resource: "Globals", Err: errors.New("must be an object")}
	}
	var fn map[string]any
	for _, section := range slices.Sorted(maps.Keys(g)) {
		props, ok := g[section].(map[string]any)
		switch {
		case section == "Function":
			if !ok {
				return nil, &Error{Resource: "Globals", Property: section, Err: errors.New("must be an object")}
			}
			for _, k := range slices.Sorted(maps.Keys(props)) {
				if !globalFunctionProperties[k] {
					return nil, &Error{Resource: "Globals", Property: section + "." + k, Err: fmt.Errorf("%s is not a property SAM accepts in Globals.Function", k)}
				}
			}
			fn = props
		case slices.Contains(globalSections, section):
			res.note("Globals.%s is not modelled", section)
		default:
			return nil, &Error{Resource: "Globals", Property: section, Err: fmt.Errorf("SAM accepts no Globals section %s (only Function, %s)", section, strings.Join(globalSections, ", "))}
		}
	}
	return fn, nil
}

// merge merges a Globals value with a resource's, by the rules of
// aws-sam-translator's GlobalProperties: the local value wins unless both
// are objects (merged key by key) or both lists (globals first, then
// local, duplicates kept). An intrinsic function counts as a scalar.
func merge(global, local any) any {
	tg, tl := token(global), token(local)
	if tg != tl || tg == "scalar" {
		return local
	}
	if tg == "list" {
		return append(append([]any{}, global.([]any)...), local.([]any)...)
	}
	g, l := global.(map[string]any), local.(map[string]any)
	out := maps.Clone(g)
	for k, lv := range l {
		if gv, ok := out[k]; ok {
			out[k] = merge(gv, lv)
		} else {
			out[k] = lv
		}
	}
	return out
}

func token(v any) string {
	switch x := v.(type) {
	case map[string]any:
		if isIntrinsic(x) {
			return "scalar"
		}
		return "object"
	case []any:
		return "list"
	}
	return "scalar"
}

// isIntrinsic is aws-sam-translator's is_intrinsic: an object with one key
// that is Ref, Condition or Fn::*.
func isIntrinsic(v any) bool {
	m, ok := v.(map[string]any)
	if !ok || len(m) != 1 {
		return false
	}
	for k := range m {
		return k == "Ref" || k == "Condition" || strings.HasPrefix(k, "Fn::")
	}
	return false
}

func isIf(v any) bool {
	m, ok := v.(map[string]any)
	if !ok || len(m) != 1 {
		return false
	}
	_, ok = m["Fn::If"]
	return ok
}

func isNoValue(v any) bool {
	m, ok := v.(map[string]any)
	return ok && len(m) == 1 && m["Ref"] == "AWS::NoValue"
}

func roleArn(roleID string) any {
	return map[string]any{"Fn::GetAtt": []any{roleID, "Arn"}}
}

func deepCopy(v any) any {
	switch x := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = deepCopy(e)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = deepCopy(e)
		}
		return out
	}
	return v
}
