package environments

import (
	"strings"
	"testing"
)

const good = `{"environments": [
  {"name": "dev", "account": "111111111111", "region": "eu-west-1", "vpc": "create"},
  {"name": "prod", "account": "222222222222", "region": "eu-west-1", "production": true, "vpc": "vpc-0123456789abcdef0",
   "endpointId": "vpce-0aaaaaaaaaaaaaaaa", "endpointRouteTableIds": ["rtb-0aaaaaaaaaaaaaaaa"]},
  {"name": "stage", "account": "111111111111", "region": "eu-west-1", "vpc": "create", "allowEndpointsOf": ["dev", "prod"]}
]}`

// A production environment may run the canary when it keeps the control.
func TestCanaryInProduction(t *testing.T) {
	envs, err := Parse("environments.json", []byte(`{"environments": [{"name": "prod", "account": "222222222222", "region": "eu-west-1", "vpc": "create", "production": true, "includeControl": true, "canary": "rate(1 hour)"}]}`))
	if err != nil {
		t.Fatal(err)
	}
	if c := envs[0].Config(envs); c.Canary != "rate(1 hour)" || !c.IncludeControl {
		t.Errorf("Canary %q, IncludeControl %v; want rate(1 hour) and true", c.Canary, c.IncludeControl)
	}
}

func TestParseAndConfig(t *testing.T) {
	envs, err := Parse("environments.json", []byte(good))
	if err != nil {
		t.Fatal(err)
	}
	dev, prod, stage := envs[0].Config(envs), envs[1].Config(envs), envs[2].Config(envs)
	if !dev.IncludeControl || prod.IncludeControl {
		t.Errorf("IncludeControl dev %v, prod %v; want true, and false for production", dev.IncludeControl, prod.IncludeControl)
	}
	if dev.VpcId != "" || prod.VpcId != "vpc-0123456789abcdef0" {
		t.Errorf("VpcId dev %q, prod %q; want none (create) and the existing one", dev.VpcId, prod.VpcId)
	}
	// prod's endpoint is known (reused): a literal; dev's is new, in the
	// same account and region: read from SSM at deploy time.
	if got := stage.ExtraEndpointIds; len(got) != 1 || got[0] != "vpce-0aaaaaaaaaaaaaaaa" {
		t.Errorf("stage ExtraEndpointIds = %v, want prod's reused endpoint", got)
	}
	if got := stage.EndpointParameters; len(got) != 1 || got[0] != "/privates3/dev/endpoint-id" {
		t.Errorf("stage EndpointParameters = %v, want dev's parameter", got)
	}
	if prod.Account != "222222222222" || prod.Region != "eu-west-1" || prod.Stage != "prod" {
		t.Errorf("prod config = %+v, want its account, region and name", prod)
	}
}

// Each bad config: one line naming the file, the entry and the field.
func TestParseRefusals(t *testing.T) {
	base := `{"name": "dev", "account": "111111111111", "region": "eu-west-1", "vpc": "create"`
	for _, tc := range []struct {
		name, doc string
		want      []string
	}{
		{"unknown key", `{"environments": [` + base + `, "kmss": true}]}`, []string{`environments.json: environments[0] (dev): unknown field "kmss": did you mean "kms"?`}},
		{"unknown top-level key", `{"envs": []}`, []string{`unknown field "envs"`}},
		{"malformed account", `{"environments": [{"name": "dev", "account": "1234", "region": "eu-west-1", "vpc": "create"}]}`, []string{"environments[0] (dev): field account", `"1234"`, "12-digit"}},
		{"malformed region", `{"environments": [{"name": "dev", "account": "111111111111", "region": "Ireland", "vpc": "create"}]}`, []string{"field region", `"Ireland"`}},
		{"malformed ARN", `{"environments": [` + base + `, "adminRoleArns": ["arn:aws:iam::1:user/x"]}]}`, []string{"field adminRoleArns", "IAM role ARN"}},
		{"duplicate name", `{"environments": [` + base + `}, ` + base + `}]}`, []string{"environments[1] (dev): field name", "also environments[0]"}},
		{"reference to no environment", `{"environments": [` + base + `, "allowEndpointsOf": ["qa"]}]}`, []string{"field allowEndpointsOf", `"qa" is not an environment`}},
		{"same bucket name in one account and region", `{"environments": [` + base + `, "bucketName": "acme-data"}, {"name": "qa", "account": "111111111111", "region": "eu-west-1", "vpc": "create", "bucketName": "acme-data"}]}`, []string{"environments[1] (qa): field bucketName", `"acme-data" is also dev's`}},
		// "A gateway endpoint is available only in the Region where you
		// created it" (AWS PrivateLink guide, "Gateway endpoints for
		// Amazon S3", Considerations).
		{"another region's endpoint", `{"environments": [{"name": "us", "account": "111111111111", "region": "us-east-1", "vpc": "create", "deployedEndpointId": "vpce-0123456789abcdef0"}, {"name": "prod", "account": "111111111111", "region": "eu-west-1", "vpc": "create", "allowEndpointsOf": ["us"]}]}`, []string{"environments[1] (prod): field allowEndpointsOf", `"us" is in us-east-1, not eu-west-1`, "gateway endpoint reaches only buckets of its own region", "interface endpoint"}},
		{"other account's new endpoint, not pinned", `{"environments": [` + base + `}, {"name": "prod", "account": "222222222222", "region": "eu-west-1", "vpc": "create", "allowEndpointsOf": ["dev"]}]}`, []string{"environments[1] (prod): field allowEndpointsOf", "deployedEndpointId", "EndpointId"}},
		{"cross-account writer in the own account", `{"environments": [` + base + `, "crossAccountWriterRoleArns": ["arn:aws:iam::111111111111:role/W"]}]}`, []string{"field crossAccountWriterRoleArns", "own account"}},
		{"cross-account writer without a way in", `{"environments": [` + base + `, "crossAccountWriterRoleArns": ["arn:aws:iam::210987654321:role/W"]}]}`, []string{"environments[0] (dev): field crossAccountWriterRoleArns", `needs "extraEndpointIds"`}},
		{"cross-account writer through another environment's endpoint", `{"environments": [` + base + `}, {"name": "qa", "account": "111111111111", "region": "eu-west-1", "vpc": "create", "allowEndpointsOf": ["dev"], "crossAccountWriterRoleArns": ["arn:aws:iam::210987654321:role/W"]}]}`, []string{"environments[1] (qa): field crossAccountWriterRoleArns", "let only their own stack's functions through"}},
		{"vpc neither id nor create", `{"environments": [{"name": "dev", "account": "111111111111", "region": "eu-west-1", "vpc": "new"}]}`, []string{"field vpc", `"create"`}},
		{"reused endpoint without route tables", `{"environments": [{"name": "dev", "account": "111111111111", "region": "eu-west-1", "vpc": "vpc-1", "endpointId": "vpce-1"}]}`, []string{"field endpointRouteTableIds", `goes together with "endpointId"`}},
		{"wrong type", `{"environments": [` + base + `, "kms": "yes"}]}`, []string{`environments.json: environments[0] (dev): field kms = "yes": want true or false`}},
		{"wrong type of an environment's own field", `{"environments": [{"name": "dev", "account": 111111111111, "region": "eu-west-1", "vpc": "create"}]}`, []string{`environments[0] (dev): field account = 111111111111: want a string`}},
		{"key of another case", `{"environments": [` + base + `, "KMS": true}]}`, []string{`environments.json: environments[0] (dev): unknown field "KMS": did you mean "kms"?`}},
		{"context's name for name", `{"environments": [` + base + `, "stage": "dev"}]}`, []string{`environments[0] (dev): unknown field "stage": an environment's stage is its "name"`}},
		{"entry not an object", `{"environments": ["dev"]}`, []string{`environments.json: environments[0]: want a JSON object`}},
		// A production environment leaves the control out by default, and
		// the canary has nothing to prove without it.
		{"canary in production without the control", `{"environments": [{"name": "prod", "account": "222222222222", "region": "eu-west-1", "vpc": "create", "production": true, "canary": "rate(1 hour)"}]}`, []string{"environments[0] (prod): field canary", "needs the control", "production environment leaves the control out"}},
		{"canary with includeControl false", `{"environments": [` + base + `, "includeControl": false, "canary": "rate(1 hour)"}]}`, []string{"environments[0] (dev): field canary", "needs the control"}},
		{"bad canary", `{"environments": [` + base + `, "canary": "rate(5 hour)"}]}`, []string{`environments[0] (dev): field canary = "rate(5 hour)"`, "write rate(5 hours)"}},
		{"bad keyPrefix", `{"environments": [` + base + `, "keyPrefix": "/abs"}]}`, []string{`environments[0] (dev): field keyPrefix = "/abs": use a non-empty prefix`}},
		{"empty", `{"environments": []}`, []string{`"environments" is empty`}},
		{"not JSON", `{"environments": [`, []string{"environments.json", "JSON"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse("environments.json", []byte(tc.doc))
			if err == nil {
				t.Fatalf("Parse accepted %s", tc.doc)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not hold %q", err, w)
				}
			}
		})
	}
}

// All problems are reported, one line each.
func TestParseReportsEveryProblem(t *testing.T) {
	_, err := Parse("e.json", []byte(`{"environments": [{"name": "Dev", "account": "1", "region": "x", "vpc": "y"}]}`))
	if err == nil {
		t.Fatal("accepted")
	}
	if n := strings.Count(err.Error(), "\n") + 1; n != 4 {
		t.Errorf("got %d lines, want 4 (name, account, region, vpc):\n%v", n, err)
	}
}

func TestLoadNamesTheFile(t *testing.T) {
	if _, err := Load("no/such/file.json"); err == nil || !strings.Contains(err.Error(), "no/such/file.json") {
		t.Errorf("Load(missing) = %v, want the path named", err)
	}
}
