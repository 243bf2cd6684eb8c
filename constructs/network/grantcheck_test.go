package network

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/privates3/privates3/constructs/policy"
	"github.com/privates3/privates3/constructs/s3actions"
)

// Values as the grant check sees them once the template's intrinsics are
// symbols: a bucket created in the stack and a Lambda function's role.
const (
	role   = "${ReaderRole.Arn}"
	bucket = "arn:${AWS::Partition}:s3:::${Bucket}"
)

func parse(t *testing.T, name, doc string) policy.Policy {
	t.Helper()
	var v any
	if err := json.Unmarshal([]byte(doc), &v); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	p, err := policy.Parse(name, v)
	if err != nil {
		t.Fatalf("policy.Parse(%s): %v", name, err)
	}
	return p
}

// readGrant is what GrantRead writes into the endpoint policy.
const readGrant = `{"Statement": [
  {"Effect": "Allow", "Principal": "*", "Action": ["s3:GetObject", "s3:GetObjectTagging"], "Resource": "` + bucket + `/*",
   "Condition": {"ArnEquals": {"aws:PrincipalArn": ["` + role + `"]}}},
  {"Effect": "Allow", "Principal": "*", "Action": "s3:ListBucket", "Resource": "` + bucket + `",
   "Condition": {"ArnEquals": {"aws:PrincipalArn": ["` + role + `"]}}}]}`

// names returns the actions of the finding on resource, nil if none.
func names(fs []finding, resource string) []string {
	for _, f := range fs {
		if f.resource == resource {
			return f.names
		}
	}
	return nil
}

func TestJudgeGrants(t *testing.T) {
	tests := []struct {
		name     string
		role     string // the function's role; default role
		identity string
		endpoint string
		// For each resource, actions that must be (or must not be) in the
		// denied or unknown findings. "-s3:X" means must not.
		denied, unknown map[string][]string
		noFindings      bool
		distinct        [][]string // policy.Input.Distinct
	}{
		{name: "the grant's own statements", noFindings: true, endpoint: readGrant, identity: `{"Statement": [
		  {"Effect": "Allow", "Action": ["s3:GetObject", "s3:GetObjectTagging"], "Resource": "` + bucket + `/*"},
		  {"Effect": "Allow", "Action": "s3:ListBucket", "Resource": "` + bucket + `"},
		  {"Effect": "Allow", "Action": "kms:Decrypt", "Resource": "arn:aws:kms:eu-west-1:123456789012:key/k"},
		  {"Effect": "Allow", "Action": "logs:PutLogEvents", "Resource": "*"}]}`},
		// Action "*": every S3 action on every resource is allowed in IAM;
		// the endpoint allows none of them on "*" for certain: those it
		// names nowhere are denied, those it allows on this bucket only
		// are unknown (the role may only ever touch this bucket).
		{name: `Action "*"`, endpoint: readGrant, identity: `{"Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}`,
			denied:  map[string][]string{"*": {"s3:PutObject", "s3:DeleteBucket", "s3:ListAllMyBuckets", "-s3:GetObject"}},
			unknown: map[string][]string{"*": {"s3:GetObject", "s3:ListBucket", "-s3:PutObject"}}},
		{name: `"s3:*" on the objects`, endpoint: readGrant, identity: `{"Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "` + bucket + `/*"}]}`,
			denied: map[string][]string{bucket + "/*": {"s3:PutObject", "s3:DeleteObject", "s3:GetObjectAcl", "-s3:GetObject", "-s3:GetObjectTagging", "-s3:ListBucket", "-s3:ListAllMyBuckets"}}},
		{name: "a wildcard action on the bucket", endpoint: readGrant, identity: `{"Statement": [{"Effect": "Allow", "Action": "s3:List*", "Resource": "` + bucket + `"}]}`,
			denied: map[string][]string{bucket: {"s3:ListBucketVersions", "s3:ListBucketMultipartUploads", "-s3:ListBucket", "-s3:ListMultipartUploadParts"}}},
		{name: "NotAction", endpoint: readGrant, identity: `{"Statement": [{"Effect": "Allow", "NotAction": "s3:GetObject", "Resource": "` + bucket + `/*"}]}`,
			denied: map[string][]string{bucket + "/*": {"s3:PutObject", "s3:DeleteObject", "-s3:GetObject", "-s3:GetObjectTagging"}}},
		{name: "an identity Deny takes the action out", noFindings: true, endpoint: readGrant, identity: `{"Statement": [
		  {"Effect": "Allow", "Action": ["s3:GetObject", "s3:PutObject"], "Resource": "` + bucket + `/*"},
		  {"Effect": "Deny", "Action": "s3:PutObject", "Resource": "*"}]}`},
		// The endpoint statement names the role by a tag, not by
		// aws:PrincipalArn: whether it applies is known at request time
		// only, so it is neither taken as allowing every role nor as
		// denying.
		{name: "an endpoint statement with another condition", identity: `{"Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "` + bucket + `/*"}]}`,
			endpoint: `{"Statement": [{"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": "` + bucket + `/*",
			  "Condition": {"StringEquals": {"aws:PrincipalTag/team": "data"}}}]}`,
			unknown: map[string][]string{bucket + "/*": {"s3:GetObject"}}},
		// Another role's ARN, both known only at deploy: they may be the
		// same for all the evaluator knows.
		{name: "an endpoint statement for another role of the stack", identity: `{"Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "` + bucket + `/*"}]}`,
			endpoint: `{"Statement": [{"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": "` + bucket + `/*",
			  "Condition": {"ArnEquals": {"aws:PrincipalArn": "${WriterRole.Arn}"}}}]}`,
			unknown: map[string][]string{bucket + "/*": {"s3:GetObject"}}},
		// Two roles of the stack, named by their symbols: two roles of one
		// account have two names, so the endpoint statement for the writer
		// does not let the reader through.
		{name: "an endpoint statement for another role of the stack, by name", role: "arn:${AWS::Partition}:iam::${AWS::AccountId}:role/${ReaderRole}",
			distinct: [][]string{{"${ReaderRole}", "${WriterRole}"}},
			identity: `{"Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "` + bucket + `/*"}]}`,
			endpoint: `{"Statement": [{"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": "` + bucket + `/*",
			  "Condition": {"ArnEquals": {"aws:PrincipalArn": "arn:${AWS::Partition}:iam::${AWS::AccountId}:role/${WriterRole}"}}}]}`,
			denied: map[string][]string{bucket + "/*": {"s3:GetObject"}}},
		{name: "an endpoint statement for another named role", role: "arn:aws:iam::123456789012:role/Reader", identity: `{"Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "` + bucket + `/*"}]}`,
			endpoint: `{"Statement": [{"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": "` + bucket + `/*",
			  "Condition": {"ArnEquals": {"aws:PrincipalArn": "arn:aws:iam::123456789012:role/Writer"}}}]}`,
			denied: map[string][]string{bucket + "/*": {"s3:GetObject"}}},
		{name: "an endpoint that allows some of the keys", identity: `{"Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "` + bucket + `/*"}]}`,
			endpoint: `{"Statement": [{"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": "` + bucket + `/reports/*",
			  "Condition": {"ArnEquals": {"aws:PrincipalArn": "` + role + `"}}}]}`,
			unknown: map[string][]string{bucket + "/*": {"s3:GetObject"}}},
		{name: "an identity statement with a condition", endpoint: readGrant, identity: `{"Statement": [{"Effect": "Allow", "Action": "s3:PutObject", "Resource": "` + bucket + `/*",
		  "Condition": {"StringEquals": {"s3:x-amz-server-side-encryption": "aws:kms"}}}]}`,
			unknown: map[string][]string{bucket + "/*": {"s3:PutObject"}}},
		// A pattern that made the old backtracking matcher exponential:
		// the evaluator's glob is linear in the value per star.
		{name: "a pathological pattern", identity: `{"Statement": [{"Effect": "Allow", "Action": "s3:ListBucket", "Resource": "arn:aws:s3:::` + strings.Repeat("a", 4000) + `"}]}`,
			endpoint: `{"Statement": [{"Effect": "Allow", "Principal": "*", "Action": "s3:ListBucket", "Resource": "arn:aws:s3:::a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*b",
			  "Condition": {"ArnEquals": {"aws:PrincipalArn": "` + role + `"}}}]}`,
			denied: map[string][]string{"arn:aws:s3:::" + strings.Repeat("a", 4000): {"s3:ListBucket"}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := role
			if tc.role != "" {
				r = tc.role
			}
			denied, unknown := judgeGrants([]policy.Policy{parse(t, "identity", tc.identity)}, parse(t, "endpoint", tc.endpoint), r, tc.distinct)
			if tc.noFindings && (len(denied) > 0 || len(unknown) > 0) {
				t.Fatalf("judgeGrants = denied %+v, unknown %+v; want neither", denied, unknown)
			}
			for what, want := range map[string]struct {
				got  []finding
				want map[string][]string
			}{"denied": {denied, tc.denied}, "unknown": {unknown, tc.unknown}} {
				if len(want.want) == 0 && len(want.got) > 0 {
					t.Errorf("%s = %+v, want none", what, want.got)
				}
				for res, actions := range want.want {
					got := names(want.got, res)
					for _, a := range actions {
						if not, ok := strings.CutPrefix(a, "-"); ok {
							if slices.Contains(got, not) {
								t.Errorf("%s on %.60s holds %s, want it not to (all: %v)", what, res, not, got)
							}
						} else if !slices.Contains(got, a) {
							t.Errorf("%s on %.60s = %v, want it to hold %s", what, res, got, a)
						}
					}
				}
			}
		})
	}
}

// Object actions act on object ARNs, bucket actions on bucket ARNs
// (Service Authorization Reference, "Actions, resources, and condition keys
// for Amazon S3"): the check does not ask the endpoint about s3:PutObject on
// a bucket's ARN, which no request is.
func TestMayActOn(t *testing.T) {
	get := s3action(t, "s3:GetObject")
	list := s3action(t, "s3:ListBucket")
	all := s3action(t, "s3:ListAllMyBuckets")
	tests := []struct {
		pattern         string
		get, list, none bool
	}{
		{"*", true, true, true},
		{bucket, false, true, false},
		{bucket + "/*", true, false, false},
		{"arn:aws:s3:::b*", true, true, false},
		{"${Imported.Arn}", true, true, true},
		{"arn:aws:logs:eu-west-1:123456789012:log-group:x:*", false, false, false},
	}
	for _, tc := range tests {
		for _, c := range []struct {
			name string
			got  bool
			want bool
		}{{"s3:GetObject", mayActOn(get, tc.pattern), tc.get}, {"s3:ListBucket", mayActOn(list, tc.pattern), tc.list}, {"s3:ListAllMyBuckets", mayActOn(all, tc.pattern), tc.none}} {
			if c.got != c.want {
				t.Errorf("mayActOn(%s, %q) = %v, want %v", c.name, tc.pattern, c.got, c.want)
			}
		}
	}
}

func s3action(t *testing.T, name string) s3actions.Action {
	t.Helper()
	a, ok := s3actions.Lookup(name)
	if !ok {
		t.Fatalf("s3actions.Lookup(%q): not found", name)
	}
	return a
}
