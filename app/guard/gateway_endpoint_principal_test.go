package guard_test

import (
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/privates3/privates3/app/guard"
)

// TestProjectRules sees the failing template fail as a whole. Here each of
// its statements must fail PRIVATES3.VPCE.2 on its own, and the passing
// template's endpoints must pass for the right reason: the Interface
// endpoint because it is an Interface endpoint, not because its policy is
// fine.
func TestGatewayEndpointPolicyPrincipal(t *testing.T) {
	const name = "gateway_endpoint_policy_principal"
	dir := filepath.Join("testdata", "rules", name)
	endpoint := func(t *testing.T, file, id string) (map[string]any, map[string]any) {
		tmpl := readJSON(t, filepath.Join(dir, file))
		props := tmpl["Resources"].(map[string]any)[id].(map[string]any)["Properties"].(map[string]any)
		return tmpl, props
	}
	// message is a part of the finding's message: a NotPrincipal statement
	// is told about NotPrincipal, not about a missing Principal.
	type tc struct{ name, path, failsOn, message string }
	const principal, notPrincipal = `must have Principal "*"`, "must not use NotPrincipal"
	var tests []tc

	// One template per statement of fail.json, each alone on the endpoint.
	_, props := endpoint(t, "fail.json", "Endpoint")
	for _, s := range props["PolicyDocument"].(map[string]any)["Statement"].([]any) {
		tmpl, props := endpoint(t, "fail.json", "Endpoint")
		props["PolicyDocument"].(map[string]any)["Statement"] = []any{s}
		sid := s.(map[string]any)["Sid"].(string)
		message := principal
		if sid == "NotPrincipal" {
			message = notPrincipal
		}
		tests = append(tests, tc{"fail.json statement " + sid, writeJSON(t, tmpl), "Endpoint", message})
	}
	// VpcEndpointType absent means Gateway.
	tmpl, props := endpoint(t, "fail.json", "Endpoint")
	delete(props, "VpcEndpointType")
	tests = append(tests, tc{"fail.json without VpcEndpointType", writeJSON(t, tmpl), "Endpoint", principal})
	// An unresolved type may be Gateway.
	tmpl, props = endpoint(t, "fail.json", "Endpoint")
	props["VpcEndpointType"] = map[string]any{"Ref": "EndpointType"}
	tests = append(tests, tc{"fail.json with VpcEndpointType a Ref", writeJSON(t, tmpl), "Endpoint", principal})
	// pass.json's Interface endpoint, made a Gateway endpoint, is refused.
	tmpl, props = endpoint(t, "pass.json", "InterfaceEndpoint")
	props["VpcEndpointType"] = "Gateway"
	tests = append(tests, tc{"pass.json InterfaceEndpoint as Gateway", writeJSON(t, tmpl), "InterfaceEndpoint", principal})

	paths := make([]string, len(tests))
	for i, tt := range tests {
		paths[i] = tt.path
	}
	opts := guard.Options{NoExemptions: true, Rules: []string{filepath.Join("rules", name+".guard")}}
	r, err := guard.Check(opts, paths...)
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []string
			for _, f := range r.Failures() {
				if f.Template != tt.path {
					continue
				}
				got = append(got, f.Resource)
				if f.Control != "PRIVATES3.VPCE.2" || !strings.Contains(f.Message, tt.message) || f.Fix == "" {
					t.Errorf("finding %+v, want control PRIVATES3.VPCE.2, a message with %q and a [FIX]", f, tt.message)
				}
			}
			if !slices.Equal(got, []string{tt.failsOn}) {
				t.Errorf("privates3_gateway_endpoint_policy_principal fails on %v, want [%s]", got, tt.failsOn)
			}
		})
	}
}
