package config

import (
	"os"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/aws/jsii-runtime-go"

	"github.com/privates3/privates3/constructs/storage"
)

func ctx(m map[string]any) Context { return func(k string) any { return m[k] } }

func TestParseDefaults(t *testing.T) {
	c, err := Parse(ctx(nil))
	if err != nil {
		t.Fatal(err)
	}
	want := Config{Stage: "dev", IncludeControl: true, DenyMode: storage.DenyAllActions}
	if !reflect.DeepEqual(c, want) {
		t.Errorf("Parse(empty) = %+v, want %+v", c, want)
	}
}

func TestParseValues(t *testing.T) {
	// JSON types (cdk.json) and strings (-c key=value) mean the same.
	for name, in := range map[string]map[string]any{
		"json": {"stage": "prod", "canary": "rate(15 minutes)", "canaryTopicArn": "arn:aws:sns:eu-west-1:123456789012:alerts", "kms": true, "includeControl": true, "extraEndpointIds": []any{"vpce-1", "vpce-2"}, "adminRoleArns": []any{"arn:aws:iam::123456789012:role/Admin"}, "keyPrefix": "in/", "denyMode": "object-actions", "prefixListId": "pl-1", "reservedConcurrency": 5.0},
		"cli":  {"stage": "prod", "canary": "rate(15 minutes)", "canaryTopicArn": "arn:aws:sns:eu-west-1:123456789012:alerts", "kms": "true", "includeControl": "true", "extraEndpointIds": "vpce-1, vpce-2", "adminRoleArns": `["arn:aws:iam::123456789012:role/Admin"]`, "keyPrefix": "in/", "denyMode": "object-actions", "prefixListId": "pl-1", "reservedConcurrency": "5"},
	} {
		t.Run(name, func(t *testing.T) {
			c, err := Parse(ctx(in))
			if err != nil {
				t.Fatal(err)
			}
			want := Config{Stage: "prod", Canary: "rate(15 minutes)", CanaryTopicArn: "arn:aws:sns:eu-west-1:123456789012:alerts", Kms: true, IncludeControl: true, ExtraEndpointIds: []string{"vpce-1", "vpce-2"}, AdminRoleArns: []string{"arn:aws:iam::123456789012:role/Admin"}, KeyPrefix: "in/", DenyMode: storage.DenyObjectActions, PrefixListId: "pl-1", ReservedConcurrency: 5}
			if !reflect.DeepEqual(c, want) {
				t.Errorf("Parse(%v) = %+v, want %+v", in, c, want)
			}
		})
	}
}

func TestParseRefusals(t *testing.T) {
	t.Setenv("CDK_DEFAULT_ACCOUNT", "")
	t.Setenv("CDK_DEFAULT_REGION", "")
	tests := []struct {
		in   map[string]any
		want []string
	}{
		{map[string]any{"stage": "Prod!"}, []string{`"stage" = "Prod!"`, "lower-case"}},
		{map[string]any{"stage": 3.0}, []string{`"stage" = 3`, "want a string"}},
		{map[string]any{"vpcId": "subnet-1"}, []string{`"vpcId" = "subnet-1"`, "vpc-0123456789abcdef0"}},
		{map[string]any{"vpcId": "vpc-1"}, []string{`context "vpcId": needs a concrete environment`, "CDK_DEFAULT_ACCOUNT"}},
		{map[string]any{"endpointId": "vpce-1"}, []string{`context "endpointRouteTableIds": goes together with "endpointId"`, `context "endpointId": needs "vpcId"`}},
		{map[string]any{"crossAccountWriterRoleArns": "arn:aws:iam::210987654321:role/Writer"}, []string{`context "crossAccountWriterRoleArns": needs "extraEndpointIds"`, "writers' VPC"}},
		{map[string]any{"endpointRouteTableIds": "rtb-1"}, []string{`goes together with "endpointId"`}},
		{map[string]any{"endpointRouteTableIds": "subnet-1"}, []string{`context "endpointRouteTableIds": element "subnet-1": want a route table id`}},
		{map[string]any{"prefixListId": "pl-"}, []string{`"prefixListId" = "pl-"`, "pl-63a5400a"}},
		{map[string]any{"extraEndpointIds": []any{"vpce-1", 2.0}}, []string{`context "extraEndpointIds" = ["vpce-1",2]: element 2 is not a string`}},
		{map[string]any{"extraEndpointIds": "[vpce-1"}, []string{`not a JSON list of strings`}},
		{map[string]any{"extraEndpointIds": true}, []string{`want a list of strings`}},
		{map[string]any{"adminRoleArns": "arn:aws:iam::123:user/bob"}, []string{`"adminRoleArns"`, "IAM role ARN"}},
		{map[string]any{"kms": "yes"}, []string{`"kms" = "yes"`, "true or false"}},
		{map[string]any{"includeControl": 1.0}, []string{`"includeControl" = 1`, "true or false"}},
		{map[string]any{"keyPrefix": "/abs"}, []string{`"keyPrefix" = "/abs"`, "without a leading slash"}},
		{map[string]any{"denyMode": "some"}, []string{`"denyMode" = "some"`, "all-actions or object-actions"}},
		{map[string]any{"bucketName": "Bad_Name"}, []string{`"bucketName" = "Bad_Name"`, "lower-case letters"}},
		{map[string]any{"reservedConcurrency": "0"}, []string{`context "reservedConcurrency" = "0"`, "whole number of 1 or more", "-1 for no reservation"}},
		{map[string]any{"reservedConcurrency": 2.5}, []string{`context "reservedConcurrency" = 2.5`, "whole number of 1 or more"}},
		{map[string]any{"reservedConcurrency": "many"}, []string{`context "reservedConcurrency" = "many"`, "want a number"}},
		{map[string]any{"keyPrefix": "/up"}, []string{`context "keyPrefix" = "/up"`, "without a leading slash"}},
		{map[string]any{"reservedConcurrency": 2.5}, []string{`"reservedConcurrency" = 2.5`, "whole number"}},
		{map[string]any{"reservedConcurrency": true}, []string{`"reservedConcurrency" = true`, "whole number"}},
		{map[string]any{"canary": "hourly"}, []string{`context "canary" = "hourly"`, `"rate(1 hour)"`}},
		{map[string]any{"canary": "rate(1 hours)"}, []string{`context "canary" = "rate(1 hours)"`, "write rate(1 hour)"}},
		{map[string]any{"canary": "cron(0 * * * ? *)"}, []string{`context "canary"`, "cron expressions are not taken"}},
		{map[string]any{"canary": "rate(2 days)"}, []string{`context "canary"`, "less often than daily"}},
		{map[string]any{"canary": true}, []string{`context "canary" = true`, "want a string"}},
		{map[string]any{"canary": "rate(1 hour)", "includeControl": "false"}, []string{`context "canary": needs the control`, "includeControl to true, or remove canary"}},
		{map[string]any{"canaryTopicArn": "arn:aws:sns:eu-west-1:123456789012:alerts"}, []string{`context "canaryTopicArn": needs "canary"`}},
		{map[string]any{"canary": "rate(1 hour)", "canaryTopicArn": "arn:aws:sqs:eu-west-1:123456789012:q"}, []string{`context "canaryTopicArn" = "arn:aws:sqs:eu-west-1:123456789012:q"`, "SNS topic ARN"}},
	}
	for _, tc := range tests {
		_, err := Parse(ctx(tc.in))
		if err == nil {
			t.Errorf("Parse(%v) = nil error, want %q", tc.in, tc.want)
			continue
		}
		for _, w := range tc.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("Parse(%v) = %q, want it to hold %q", tc.in, err, w)
			}
		}
	}
}

func TestParseReportsEveryProblem(t *testing.T) {
	_, err := Parse(ctx(map[string]any{"stage": "X", "kms": "maybe"}))
	if err == nil || !strings.Contains(err.Error(), `"stage"`) || !strings.Contains(err.Error(), `"kms"`) {
		t.Errorf("Parse(two bad keys) = %v, want both named", err)
	}
}

func TestValidateBucketName(t *testing.T) {
	for name, ok := range map[string]bool{
		"my-bucket": true, "a.b.c": true, "abc": true,
		"ab": false, "My-Bucket": false, "my..bucket": false, "192.168.1.1": false,
		"xn--bucket": false, "bucket-s3alias": false, "-bucket": false, strings.Repeat("a", 64): false,
	} {
		if err := storage.ValidateBucketName(name); (err == nil) != ok {
			t.Errorf("ValidateBucketName(%q) = %v, want ok=%v", name, err, ok)
		}
	}
}

// Every key Parse reads is in Keys, and README documents every key.
func TestKeysAreDocumented(t *testing.T) {
	asked := map[string]bool{}
	Parse(func(k string) any { asked[k] = true; return nil })
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range Keys {
		if !asked[k] {
			t.Errorf("Keys lists %q, which Parse never reads", k)
		}
		delete(asked, k)
		if !strings.Contains(string(readme), "| `"+k+"` |") {
			t.Errorf("README's Configuration table has no row for %q", k)
		}
	}
	for k := range asked {
		t.Errorf("Parse reads %q, which Keys does not list", k)
	}
}

func TestMain(m *testing.M) {
	code := m.Run()
	// The constructs this package checks against load the CDK, whose jsii
	// client creates a temporary folder as the package initializes.
	jsii.Close()
	os.Exit(code)
}

func TestUnknownKeys(t *testing.T) {
	if err := UnknownKeys([]string{"stage", "kms", "@aws-cdk/core:newStyleStackSynthesis", "aws:cdk:bundling-stacks", "vpc-provider:account=1:filter.vpc-id=vpc-1", "acknowledged-issue-numbers"}); err != nil {
		t.Errorf("UnknownKeys(known and CDK's own) = %v, want nil", err)
	}
	for _, tc := range []struct {
		key  string
		want string
	}{
		{"includecontrol", `context "includecontrol" is not a key this app reads: did you mean "includeControl"?`},
		{"bucketNmae", `did you mean "bucketName"?`},
		{"flavour", `context "flavour" is not a key this app reads; see README, Configuration`},
	} {
		err := UnknownKeys([]string{"stage", tc.key})
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("UnknownKeys(%q) = %v, want it to say %q", tc.key, err, tc.want)
		}
	}
	// A key read outside Parse is known, and suggested.
	if err := UnknownKeys([]string{"pipeline"}, "pipeline"); err != nil {
		t.Errorf("UnknownKeys(pipeline, known) = %v, want nil", err)
	}
	if err := UnknownKeys([]string{"pipline"}, "pipeline"); err == nil || !strings.Contains(err.Error(), `did you mean "pipeline"?`) {
		t.Errorf("UnknownKeys(pipline) = %v, want the pipeline switch suggested", err)
	}
	err := UnknownKeys([]string{"a1", "b2"})
	if err == nil || strings.Count(err.Error(), "is not a key") != 2 {
		t.Errorf("UnknownKeys(two unknown) = %v, want both named", err)
	}
}

// An environment takes exactly the settings ReadSettings reads; the keys
// only context has are the three of README's Configuration table that an
// environment has in another form (name, vpc) or not at all.
func TestSettingKeysAreWhatReadSettingsReads(t *testing.T) {
	asked := map[string]bool{}
	ReadSettings(func(k string) any { asked[k] = true; return nil })
	for _, k := range SettingKeys {
		if !asked[k] {
			t.Errorf("SettingKeys lists %q, which ReadSettings never reads", k)
		}
		delete(asked, k)
	}
	for k := range asked {
		t.Errorf("ReadSettings reads %q, which SettingKeys does not list", k)
	}
	var contextOnly []string
	for _, k := range Keys {
		if !slices.Contains(SettingKeys, k) {
			contextOnly = append(contextOnly, k)
		}
	}
	if want := []string{"stage", "vpcId", "environments"}; !slices.Equal(contextOnly, want) {
		t.Errorf("context-only keys = %q, want %q", contextOnly, want)
	}
}

// A bad canary with a good topic is one line: the topic does not also say
// that canary is missing.
func TestBadCanaryWithATopicIsOneLine(t *testing.T) {
	_, err := Parse(ctx(map[string]any{"canary": "rate(1 hours)", "canaryTopicArn": "arn:aws:sns:eu-west-1:123456789012:alerts"}))
	if err == nil || strings.Count(err.Error(), "\n") != 0 || !strings.Contains(err.Error(), `context "canary" = "rate(1 hours)"`) {
		t.Errorf("Parse = %v, want one line about canary", err)
	}
}
