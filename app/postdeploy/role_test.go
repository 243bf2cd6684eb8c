package main

import (
	"strings"
	"testing"

	"github.com/privates3/privates3/app/postdeploy/internal/fakeaws"
	"github.com/privates3/privates3/lambda/uploader/contract"
)

const checkRole = "arn:aws:iam::111111111111:role/PrivateS3-dev-postdeploy-check"

// With --role-arn the check assumes the role first, and every call it
// makes (DescribeStacks, both Invokes) is signed with the role's temporary
// credentials, not the caller's: that is how the pipeline's check step
// reaches a stack in another account.
func TestRoleArnSignsEveryCallWithTheRole(t *testing.T) {
	s := deployed(t, "PrivateS3-dev", outputs(true), fakeaws.Stores(bucket, "v1"), fakeaws.Fails(contract.ErrAccessDenied, bucketDenied))
	t.Setenv("AWS_ENDPOINT_URL_STS", s.URL)
	s.Roles[checkRole] = "ASIAASSUMEDCHECKROLE"
	code, out, stderr := runCmd("--region", "eu-west-1", "--role-arn", checkRole)
	if code != 0 {
		t.Fatalf("exit %d, stderr %s, stdout %s", code, stderr, out)
	}
	assumed := s.AssumeRoles()
	if len(assumed) != 1 || assumed[0].Get("RoleArn") != checkRole || assumed[0].Get("RoleSessionName") != "privates3-postdeploy" {
		t.Fatalf("AssumeRole calls = %v, want one for %s, session privates3-postdeploy", assumed, checkRole)
	}
	signed := s.DescribedBy()
	for _, inv := range s.Invocations() {
		signed = append(signed, inv.Authorization)
	}
	if len(signed) != 3 {
		t.Fatalf("got %d DescribeStacks and Invoke calls, want 3", len(signed))
	}
	for _, auth := range signed {
		if !strings.Contains(auth, "Credential=ASIAASSUMEDCHECKROLE/") {
			t.Errorf("call signed with %q, want the assumed role's key ASIAASSUMEDCHECKROLE", auth)
		}
	}
}

// A role the caller may not assume stops the check before it reads or
// invokes anything: it could not run (exit 2), and the reason is STS's.
func TestRoleArnRefusedExitsTwo(t *testing.T) {
	s := deployed(t, "PrivateS3-dev", outputs(true), fakeaws.Stores(bucket, "v1"), fakeaws.Fails(contract.ErrAccessDenied, bucketDenied))
	t.Setenv("AWS_ENDPOINT_URL_STS", s.URL)
	code, out, stderr := runCmd("--region", "eu-west-1", "--role-arn", checkRole)
	if code != 2 || !strings.Contains(stderr, "AccessDenied") || !strings.Contains(stderr, checkRole) {
		t.Errorf("exit %d, stderr %q; want 2 and STS's AccessDenied naming the role", code, stderr)
	}
	if out != "" || len(s.Describes()) != 0 || len(s.Invocations()) != 0 {
		t.Errorf("stdout %q, %d DescribeStacks, %d Invokes; want nothing read or invoked", out, len(s.Describes()), len(s.Invocations()))
	}
}

func TestRoleArnMalformedExitsTwo(t *testing.T) {
	for _, arn := range []string{"PrivateS3-dev-postdeploy-check", "arn:aws:iam::111111111111:user/me", "arn:aws:iam::1111:role/x"} {
		code, out, stderr := runCmd("--region", "eu-west-1", "--role-arn", arn)
		if code != 2 || !strings.Contains(stderr, "--role-arn") || out != "" {
			t.Errorf("run(--role-arn %q) = %d, stderr %q; want 2 naming --role-arn", arn, code, stderr)
		}
	}
}
