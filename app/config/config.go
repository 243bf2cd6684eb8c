// Package config reads the app's settings from CDK context (cdk.json, or
// `cdk synth -c key=value`) and checks them before any construct exists, so
// a bad value is one sentence naming the key, not a jsii stack trace.
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

// Keys are the context keys the app reads; README's Configuration table
// documents each (a test holds them together).
var Keys = []string{"stage", "vpcId", "endpointId", "endpointRouteTableIds", "prefixListId", "extraEndpointIds", "adminRoleArns", "kms", "keyPrefix", "includeControl", "denyMode", "bucketName", "reservedConcurrency", "environments", "crossAccountWriterRoleArns"}

// UnknownKeys returns an error naming each key of all that is neither one
// of Keys nor CDK's own, with the closest known key as a hint: a typo such
// as includecontrol=false would otherwise be ignored and the control
// deployed after all. CDK's own keys hold ":" or "/" or start with "@"
// (feature flags, cached lookups, the CLI's aws:cdk:* settings), or are the
// CLI's acknowledged-issue-numbers (cdk acknowledge). others are keys read
// outside Parse (the pipeline switch), known and suggested as Keys are.
func UnknownKeys(all []string, others ...string) error {
	known := append(slices.Clone(Keys), others...)
	var errs []error
	for _, k := range all {
		if slices.Contains(known, k) || k == "acknowledged-issue-numbers" || strings.HasPrefix(k, "@") || strings.ContainsAny(k, ":/") {
			continue
		}
		msg := fmt.Sprintf("context %q is not a key this app reads", k)
		if near := closest(k, known); near != "" {
			msg += fmt.Sprintf(": did you mean %q?", near)
		} else {
			msg += "; see README, Configuration, for the keys"
		}
		errs = append(errs, errors.New(msg))
	}
	return errors.Join(errs...)
}

// closest is the known key k most likely misspells: equal ignoring case,
// or within two edits.
func closest(k string, keys []string) string {
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

// Context returns a context value by key, or nil when absent.
type Context func(key string) any

var stagePattern = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,19}$`)

// IsStage reports whether s can name a stage (and its stack,
// PrivateS3-<stage>): 1 to 20 lower-case letters, digits and hyphens,
// starting with a letter or digit.
func IsStage(s string) bool { return stagePattern.MatchString(s) }

// Parse reads and checks every key. Values may be JSON types (from
// cdk.json) or strings (from -c): lists as JSON arrays or comma-separated,
// booleans as true/false. All problems are reported together.
func Parse(get Context) (Config, error) {
	c := Config{Stage: "dev", IncludeControl: true, DenyMode: storage.DenyAllActions}
	var errs []error
	str := func(key string, dst *string, check func(string) error) {
		v := get(key)
		if v == nil {
			return
		}
		s, ok := v.(string)
		if !ok {
			errs = append(errs, fmt.Errorf("context %q = %v: want a string", key, v))
			return
		}
		if check != nil {
			if err := check(s); err != nil {
				errs = append(errs, fmt.Errorf("context %q = %q: %w", key, s, err))
				return
			}
		}
		*dst = s
	}
	list := func(key string, dst *[]string, check func(string) error) {
		v := get(key)
		var items []string
		switch v := v.(type) {
		case nil:
			return
		case string:
			if strings.HasPrefix(strings.TrimSpace(v), "[") {
				if err := json.Unmarshal([]byte(v), &items); err != nil {
					errs = append(errs, fmt.Errorf("context %q = %q: not a JSON list of strings: %v", key, v, err))
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
					errs = append(errs, fmt.Errorf("context %q: element %v is not a string", key, e))
					return
				}
				items = append(items, s)
			}
		default:
			errs = append(errs, fmt.Errorf("context %q = %v: want a list of strings (JSON array or comma-separated)", key, v))
			return
		}
		for _, s := range items {
			if err := check(s); err != nil {
				errs = append(errs, fmt.Errorf("context %q: %q: %w", key, s, err))
				return
			}
		}
		*dst = items
	}
	boolean := func(key string, dst *bool) {
		switch v := get(key).(type) {
		case nil:
		case bool:
			*dst = v
		case string:
			b, err := strconv.ParseBool(v)
			if err != nil {
				errs = append(errs, fmt.Errorf("context %q = %q: want true or false", key, v))
				return
			}
			*dst = b
		default:
			errs = append(errs, fmt.Errorf("context %q = %v: want true or false", key, v))
		}
	}

	str("stage", &c.Stage, func(s string) error {
		if !IsStage(s) {
			return errors.New("use 1 to 20 lower-case letters, digits and hyphens, starting with a letter or digit")
		}
		return nil
	})
	str("vpcId", &c.VpcId, prefixed("vpc-", "a VPC id such as vpc-0123456789abcdef0"))
	str("endpointId", &c.EndpointId, prefixed("vpce-", "a VPC endpoint id such as vpce-0123456789abcdef0"))
	list("endpointRouteTableIds", &c.EndpointRouteTableIds, prefixed("rtb-", "a route table id such as rtb-0123456789abcdef0"))
	str("prefixListId", &c.PrefixListId, prefixed("pl-", "the S3 managed prefix list id of the region, such as pl-63a5400a"))
	list("extraEndpointIds", &c.ExtraEndpointIds, prefixed("vpce-", "a VPC endpoint id such as vpce-0123456789abcdef0"))
	list("adminRoleArns", &c.AdminRoleArns, func(s string) error {
		if !storage.IsRoleArn(s) {
			return errors.New("want an IAM role ARN such as arn:aws:iam::123456789012:role/BreakGlass")
		}
		return nil
	})
	list("crossAccountWriterRoleArns", &c.CrossAccountWriterRoleArns, func(s string) error {
		if !storage.IsRoleArn(s) {
			return errors.New("want an IAM role ARN of the other account, such as arn:aws:iam::210987654321:role/Writer")
		}
		return nil
	})
	boolean("kms", &c.Kms)
	str("keyPrefix", &c.KeyPrefix, func(s string) error {
		if s == "" || strings.HasPrefix(s, "/") || strings.Contains(s, "*") || strings.Contains(s, "..") {
			return errors.New("use a non-empty prefix such as uploads/ without a leading slash, * or ..")
		}
		return nil
	})
	boolean("includeControl", &c.IncludeControl)
	var mode string
	str("denyMode", &mode, func(s string) error {
		if s != string(storage.DenyAllActions) && s != string(storage.DenyObjectActions) {
			return fmt.Errorf("use %s or %s", storage.DenyAllActions, storage.DenyObjectActions)
		}
		return nil
	})
	if mode != "" {
		c.DenyMode = storage.DenyMode(mode)
	}
	str("bucketName", &c.BucketName, contract.CheckBucketName)
	str("environments", &c.Environments, func(s string) error {
		if s == "" {
			return errors.New("want the path of an environments file, such as examples/environments.json")
		}
		return nil
	})
	switch v := get("reservedConcurrency").(type) {
	case nil:
	case float64, string:
		n, err := strconv.Atoi(fmt.Sprint(v))
		if err != nil || (n < 1 && n != -1) || n > 1000 {
			errs = append(errs, fmt.Errorf(`context "reservedConcurrency" = %v: want a whole number from 1 to 1000, or -1 for no reservation (an account at the minimum concurrency quota of 10 cannot reserve any)`, v))
		} else {
			c.ReservedConcurrency = n
		}
	default:
		errs = append(errs, fmt.Errorf(`context "reservedConcurrency" = %v: want a whole number, or -1`, v))
	}
	if (c.EndpointId == "") != (len(c.EndpointRouteTableIds) == 0) {
		errs = append(errs, errors.New(`context "endpointId" and "endpointRouteTableIds" go together: set both to reuse an endpoint, or neither to create one`))
	}
	if err := CheckWritersHaveEndpoint(c.CrossAccountWriterRoleArns, c.ExtraEndpointIds); err != nil {
		errs = append(errs, fmt.Errorf(`context "crossAccountWriterRoleArns" %w`, err))
	}
	if c.EndpointId != "" && c.VpcId == "" {
		errs = append(errs, errors.New(`context "endpointId" needs "vpcId": an existing endpoint belongs to an existing VPC`))
	}
	if c.VpcId != "" {
		c.Account, c.Region = os.Getenv("CDK_DEFAULT_ACCOUNT"), os.Getenv("CDK_DEFAULT_REGION")
		if c.Account == "" || c.Region == "" {
			errs = append(errs, errors.New(`context "vpcId" needs a concrete environment to look the VPC up: run through the CDK CLI with AWS credentials (it sets CDK_DEFAULT_ACCOUNT and CDK_DEFAULT_REGION), or leave vpcId unset to create a VPC`))
		}
	}
	return c, errors.Join(errs...)
}

// CheckWritersHaveEndpoint refuses cross-account writers without an extra
// endpoint (one of their VPC): the bucket accepts writes only through an
// allowed endpoint, and every endpoint this app creates lets only its own
// stack's functions through, so another environment's endpoint is no way
// in for them either.
func CheckWritersHaveEndpoint(writers, extraEndpointIds []string) error {
	if len(writers) > 0 && len(extraEndpointIds) == 0 {
		return errors.New(`needs "extraEndpointIds": the bucket accepts writes only through an allowed endpoint, and the endpoints this app creates let only their own stack's functions through; add the S3 gateway endpoint id of the writers' VPC`)
	}
	return nil
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
