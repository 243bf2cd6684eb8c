// Package config is the app's one settings model. Config is everything a
// stack can be told; ReadSettings reads and checks the settings of one
// stack (SettingKeys) from any source of key/value pairs: CDK context
// (cdk.json, `cdk synth -c key=value`) through Parse, which adds the keys
// only context has (stage, vpcId, environments), and each environment of
// an environments file through package environments. Both sources match
// keys exactly, take the same values and refuse a bad one with the same
// sentence (a Problem), before any construct exists, so a bad value is one
// line naming the key, or the file, entry and field, never a construct's
// panic.
package config

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/aws/jsii-runtime-go"

	"github.com/privates3/privates3/constructs/canary"
	"github.com/privates3/privates3/constructs/functions"
	"github.com/privates3/privates3/constructs/storage"
	"github.com/privates3/privates3/lambda/uploader/contract"
)

// Config is everything the app can be told. The zero value is not valid; use
// Parse.
type Config struct {
	Stage                 string
	VpcId                 string
	EndpointId            string
	EndpointRouteTableIds []string
	PrefixListId          string
	ExtraEndpointIds      []string
	AdminRoleArns         []string
	// CrossAccountWriterRoleArns are other accounts' roles that may write
	// objects through an allowed endpoint.
	CrossAccountWriterRoleArns []string
	Kms                        bool
	KeyPrefix                  string
	IncludeControl             bool
	DenyMode                   storage.DenyMode
	BucketName                 string
	// ReservedConcurrency of each function: 0 for the construct's default,
	// -1 for no reservation.
	ReservedConcurrency int
	// Canary is the privacy canary's schedule (a rate expression); empty:
	// no canary (constructs/canary).
	Canary string
	// CanaryTopicArn is the SNS topic its alarm notifies; empty: none.
	CanaryTopicArn string
	// EndpointParameters are SSM parameters (in this account and region)
	// holding more endpoint ids the bucket accepts, read at deploy time:
	// another environment's new endpoint (package environments).
	EndpointParameters []string
	// Environments is the path of an environments file (package
	// environments); empty for the single default stack.
	Environments string
	// PublishEndpoint writes this stack's endpoint id to an SSM parameter
	// of that name, for other environments to read. Empty: not written.
	PublishEndpoint string
	// Account and Region make the stack environment-specific; they are
	// needed (and taken from the CLI's CDK_DEFAULT_* variables) only when
	// VpcId asks for a lookup.
	Account, Region string
}

// SettingKeys are the settings that shape one stack. Context sets them for
// the default stack; each environment of an environments file sets them
// under the same names (package environments), read by the same
// ReadSettings, so a value means the same, and is refused with the same
// sentence, in both places.
var SettingKeys = []string{"endpointId", "endpointRouteTableIds", "prefixListId", "extraEndpointIds", "adminRoleArns", "crossAccountWriterRoleArns", "kms", "keyPrefix", "includeControl", "denyMode", "bucketName", "reservedConcurrency", "canary", "canaryTopicArn"}

// contextOnly are the context keys an environment has in another form or
// not at all: its "name" is the stage, its "vpc" the vpcId, and the file is
// what names the environments.
var contextOnly = []string{"stage", "vpcId", "environments"}

// Keys are the context keys the app reads; README's Configuration table
// documents each (a test holds them together).
var Keys = append(slices.Clone(contextOnly), SettingKeys...)

// Problem is one bad setting: the key to fix and what is wrong with it.
// Where the setting was given (a context key, a field of an environment)
// is for the caller to say, through Line.
type Problem struct {
	Key string
	// Value is the value as given, in JSON, or empty when the problem is
	// not one value's (two keys that go together, say).
	Value string
	Msg   string
}

// Line is the problem as one line, after subject, which names where the
// setting was given: `context "kms"`, or `F: environments[0] (dev): field
// kms`.
func (p Problem) Line(subject string) error {
	if p.Value != "" {
		return fmt.Errorf("%s = %s: %s", subject, p.Value, p.Msg)
	}
	return fmt.Errorf("%s: %s", subject, p.Msg)
}

// UnknownKeys returns an error naming each key of all that is neither one
// of Keys nor CDK's own, with the closest known key as a hint: a typo such
// as includecontrol=false would otherwise be ignored and the control
// deployed after all. Keys match exactly, as they do in an environments
// file. CDK's own keys hold ":" or "/" or start with "@" (feature flags,
// cached lookups, the CLI's aws:cdk:* settings), or are the CLI's
// acknowledged-issue-numbers (cdk acknowledge). others are keys read
// outside Parse (the pipeline switch), known and suggested as Keys are.
func UnknownKeys(all []string, others ...string) error {
	known := append(slices.Clone(Keys), others...)
	var errs []error
	for _, k := range all {
		if slices.Contains(known, k) || k == "acknowledged-issue-numbers" || strings.HasPrefix(k, "@") || strings.ContainsAny(k, ":/") {
			continue
		}
		msg := fmt.Sprintf("context %q is not a key this app reads", k)
		if near := Closest(k, known); near != "" {
			msg += fmt.Sprintf(": did you mean %q?", near)
		} else {
			msg += "; see README, Configuration, for the keys"
		}
		errs = append(errs, errors.New(msg))
	}
	return errors.Join(errs...)
}

// Closest is the known key k most likely misspells (equal ignoring case,
// or within two edits), or "" when none is near.
func Closest(k string, keys []string) string {
	best, bestD := "", 3
	for _, known := range keys {
		if strings.EqualFold(k, known) {
			return known
		}
		if d := editDistance(strings.ToLower(k), strings.ToLower(known)); d < bestD {
			best, bestD = known, d
		}
	}
	return best
}

func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur := make([]int, len(b)+1)
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev = cur
	}
	return prev[len(b)]
}

// Context returns a setting's value by key, or nil when absent. Values
// are JSON types (cdk.json, an environments file) or strings (-c
// key=value): lists as JSON arrays, or strings holding a JSON array or
// comma-separated values; booleans as true/false.
type Context func(key string) any

var stagePattern = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,19}$`)

// IsStage reports whether s can name a stage (and its stack,
// PrivateS3-<stage>): 1 to 20 lower-case letters, digits and hyphens,
// starting with a letter or digit.
func IsStage(s string) bool { return stagePattern.MatchString(s) }

// StageRule is what IsStage wants, in words.
const StageRule = "use 1 to 20 lower-case letters, digits and hyphens, starting with a letter or digit"

// Parse reads and checks every context key: the settings (ReadSettings)
// and the stage, vpcId and environments file. All problems are reported
// together, one line each.
func Parse(get Context) (Config, error) {
	c, problems := ReadSettings(get)
	c.Stage = "dev"
	r := reader{get: get, problems: problems}
	r.str("stage", &c.Stage, func(s string) error {
		if !IsStage(s) {
			return errors.New(StageRule)
		}
		return nil
	})
	r.str("vpcId", &c.VpcId, prefixed("vpc-", "a VPC id such as vpc-0123456789abcdef0"))
	r.str("environments", &c.Environments, func(s string) error {
		if s == "" {
			return errors.New("want the path of an environments file, such as examples/environments.json")
		}
		return nil
	})
	if c.EndpointId != "" && c.VpcId == "" {
		r.bad("endpointId", "", `needs "vpcId": an existing endpoint belongs to an existing VPC`)
	}
	if c.VpcId != "" {
		c.Account, c.Region = os.Getenv("CDK_DEFAULT_ACCOUNT"), os.Getenv("CDK_DEFAULT_REGION")
		if c.Account == "" || c.Region == "" {
			r.bad("vpcId", "", `needs a concrete environment to look the VPC up: run through the CDK CLI with AWS credentials (it sets CDK_DEFAULT_ACCOUNT and CDK_DEFAULT_REGION), or leave vpcId unset to create a VPC`)
		}
	}
	errs := make([]error, len(r.problems))
	for i, p := range r.problems {
		errs[i] = p.Line(fmt.Sprintf("context %q", p.Key))
	}
	return c, errors.Join(errs...)
}

// ReadSettings reads and checks the settings of one stack (SettingKeys)
// over their defaults, and returns every problem. The rules that a
// construct also enforces call the construct's own check (storage.IsRoleArn,
// storage.ValidateBucketName through contract.CheckBucketName), so a value
// that passes here cannot make the construct panic.
func ReadSettings(get Context) (Config, []Problem) {
	c := Config{IncludeControl: true, DenyMode: storage.DenyAllActions}
	r := reader{get: get}
	r.str("endpointId", &c.EndpointId, prefixed("vpce-", "a VPC endpoint id such as vpce-0123456789abcdef0"))
	r.list("endpointRouteTableIds", &c.EndpointRouteTableIds, prefixed("rtb-", "a route table id such as rtb-0123456789abcdef0"))
	r.str("prefixListId", &c.PrefixListId, prefixed("pl-", "the S3 managed prefix list id of the region, such as pl-63a5400a"))
	r.list("extraEndpointIds", &c.ExtraEndpointIds, prefixed("vpce-", "a VPC endpoint id such as vpce-0123456789abcdef0"))
	r.list("adminRoleArns", &c.AdminRoleArns, func(s string) error {
		if !storage.IsRoleArn(s) {
			return errors.New("want an IAM role ARN such as arn:aws:iam::123456789012:role/BreakGlass")
		}
		return nil
	})
	r.list("crossAccountWriterRoleArns", &c.CrossAccountWriterRoleArns, func(s string) error {
		if !storage.IsRoleArn(s) {
			return errors.New("want an IAM role ARN of the other account, such as arn:aws:iam::210987654321:role/Writer")
		}
		return nil
	})
	r.boolean("kms", &c.Kms)
	r.str("keyPrefix", &c.KeyPrefix, functions.CheckKeyPrefix)
	r.boolean("includeControl", &c.IncludeControl)
	var mode string
	r.str("denyMode", &mode, func(s string) error {
		if s != string(storage.DenyAllActions) && s != string(storage.DenyObjectActions) {
			return fmt.Errorf("use %s or %s", storage.DenyAllActions, storage.DenyObjectActions)
		}
		return nil
	})
	if mode != "" {
		c.DenyMode = storage.DenyMode(mode)
	}
	r.str("bucketName", &c.BucketName, contract.CheckBucketName)
	switch v := get("reservedConcurrency").(type) {
	case nil:
	case float64, string:
		n, err := strconv.ParseFloat(fmt.Sprint(v), 64)
		if err != nil {
			err = errors.New("want a number: a whole number of 1 or more, or -1 for no reservation")
		} else {
			err = functions.CheckReservedConcurrency(n)
		}
		if err != nil {
			r.bad("reservedConcurrency", ValueText(v), err.Error())
		} else {
			c.ReservedConcurrency = int(n)
		}
	default:
		r.bad("reservedConcurrency", ValueText(v), "want a number: a whole number of 1 or more, or -1 for no reservation")
	}
	r.str("canary", &c.Canary, func(s string) error {
		_, err := canary.CheckSchedule(s)
		return err
	})
	r.str("canaryTopicArn", &c.CanaryTopicArn, func(s string) error {
		if !topicArn.MatchString(s) {
			return errors.New("want an SNS topic ARN such as arn:aws:sns:eu-west-1:123456789012:privacy-alerts")
		}
		return nil
	})
	if c.CanaryTopicArn != "" && get("canary") == nil { // a bad canary has its own line
		r.bad("canaryTopicArn", "", `needs "canary": the topic is notified by the canary's alarm; set canary to a schedule such as "rate(1 hour)"`)
	}
	if get("includeControl") != nil {
		if p := CanaryNeedsControl(c); p != nil {
			r.problems = append(r.problems, *p)
		}
	}
	if (c.EndpointId == "") != (len(c.EndpointRouteTableIds) == 0) {
		r.bad("endpointRouteTableIds", "", `goes together with "endpointId": set both to reuse an endpoint, or neither to create one`)
	}
	if len(c.CrossAccountWriterRoleArns) > 0 && len(c.ExtraEndpointIds) == 0 {
		// Every endpoint this app creates lets only its own stack's
		// functions through, so another environment's endpoint is no way
		// in for them either.
		r.bad("crossAccountWriterRoleArns", "", `needs "extraEndpointIds": the bucket accepts writes only through an allowed endpoint, and the endpoints this app creates let only their own stack's functions through; add the S3 gateway endpoint id of the writers' VPC`)
	}
	return c, r.problems
}

// topicArn is an SNS topic's ARN (SNS API Reference, CreateTopic: a name of
// up to 256 letters, digits, hyphens and underscores, ".fifo" for a FIFO
// topic).
var topicArn = regexp.MustCompile(`^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,256}(\.fifo)?$`)

// CanaryNeedsControl is the problem of a canary without the control,
// whose denied write is what the canary proves; nil when there is none.
// Environments call it once includeControl has its per-environment
// default.
func CanaryNeedsControl(c Config) *Problem {
	if c.Canary == "" || c.IncludeControl {
		return nil
	}
	return &Problem{Key: "canary", Msg: `needs the control, which includeControl=false leaves out: the canary proves privacy by the control's denied write, so without it there is nothing to prove; set includeControl to true, or remove canary`}
}

// reader reads settings from get and collects their problems.
type reader struct {
	get      Context
	problems []Problem
}

func (r *reader) bad(key, value, msg string) {
	r.problems = append(r.problems, Problem{Key: key, Value: value, Msg: msg})
}

// ValueText is a value as the user wrote it, in JSON, for a Problem.
func ValueText(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}

func (r *reader) str(key string, dst *string, check func(string) error) {
	v := r.get(key)
	if v == nil {
		return
	}
	s, ok := v.(string)
	if !ok {
		r.bad(key, ValueText(v), "want a string")
		return
	}
	if err := check(s); err != nil {
		r.bad(key, ValueText(s), err.Error())
		return
	}
	*dst = s
}

func (r *reader) list(key string, dst *[]string, check func(string) error) {
	var items []string
	switch v := r.get(key).(type) {
	case nil:
		return
	case string:
		if strings.HasPrefix(strings.TrimSpace(v), "[") {
			if err := json.Unmarshal([]byte(v), &items); err != nil {
				r.bad(key, ValueText(v), fmt.Sprintf("not a JSON list of strings: %v", err))
				return
			}
		} else {
			for _, s := range strings.Split(v, ",") {
				if s = strings.TrimSpace(s); s != "" {
					items = append(items, s)
				}
			}
		}
	case []any:
		for _, e := range v {
			s, ok := e.(string)
			if !ok {
				r.bad(key, ValueText(v), fmt.Sprintf("element %s is not a string", ValueText(e)))
				return
			}
			items = append(items, s)
		}
	default:
		r.bad(key, ValueText(v), "want a list of strings (JSON array or comma-separated)")
		return
	}
	for _, s := range items {
		if err := check(s); err != nil {
			r.bad(key, "", fmt.Sprintf("element %s: %v", ValueText(s), err))
			return
		}
	}
	*dst = items
}

func (r *reader) boolean(key string, dst *bool) {
	switch v := r.get(key).(type) {
	case nil:
	case bool:
		*dst = v
	case string:
		b, err := strconv.ParseBool(v)
		if err != nil {
			r.bad(key, ValueText(v), "want true or false")
			return
		}
		*dst = b
	default:
		r.bad(key, ValueText(v), "want true or false")
	}
}

func prefixed(prefix, want string) func(string) error {
	return func(s string) error {
		if !strings.HasPrefix(s, prefix) || len(s) == len(prefix) {
			return fmt.Errorf("want %s", want)
		}
		return nil
	}
}

// ProjectRoot walks up from the working directory to the folder holding
// cdk.json: `cdk synth` runs the app there, `go test` in a package folder.
func ProjectRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "cdk.json")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("cdk.json not found in the working directory or above: run from the project")
		}
		dir = parent
	}
}

// CdkJSONContext returns the "context" object of root/cdk.json: the feature
// flags the CLI passes to the app. Tests pass the same map, because neither
// go test nor Template_FromStack reads cdk.json.
func CdkJSONContext(root string) (map[string]any, error) {
	b, err := os.ReadFile(filepath.Join(root, "cdk.json"))
	if err != nil {
		return nil, err
	}
	var f struct {
		Context map[string]any `json:"context"`
	}
	if err := json.Unmarshal(b, &f); err != nil {
		return nil, fmt.Errorf("cdk.json: %w", err)
	}
	return f.Context, nil
}

// QuietNode silences the jsii runtime's Node end-of-life banner, printed on
// every start otherwise; a value the user set is kept. Call it first thing:
// the jsii client is created (and the child's environment captured) while
// the CDK packages initialize, so after setting the variable the unstarted
// client is closed and the next call creates one that sees it.
func QuietNode() {
	const key = "JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION"
	if os.Getenv(key) == "" {
		os.Setenv(key, "14,16,18,19,20,21,23")
		jsii.Close()
	}
}
