package policy

import (
	"strings"
	"testing"
)

// What the constructs' grant check asks of the evaluator: whether an
// endpoint allows a role every key of a pattern, with a request context
// that knows aws:PrincipalArn only.
func TestEveryKeyAndUnknownContext(t *testing.T) {
	const role = "${ReaderRole.Arn}"
	endpoint := mustParse(t, "endpoint", `{"Statement":[
		{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/reports/*",
		 "Condition":{"ArnEquals":{"aws:PrincipalArn":"${ReaderRole.Arn}"}}},
		{"Effect":"Allow","Principal":"*","Action":"s3:PutObject","Resource":"arn:aws:s3:::b/*",
		 "Condition":{"StringEquals":{"aws:PrincipalTag/team":"data"}}}]}`)
	anyone := mustParse(t, "identity", `{"Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`)
	c := Context{}
	c.Set("aws:PrincipalArn", role)
	c.SetUnknown("*", "known at request time only")
	tests := []struct {
		action, resource string
		every            bool
		want             Decision
	}{
		// The same symbol on both sides of ArnEquals is the same ARN.
		{"s3:GetObject", "arn:aws:s3:::b/reports/*", true, Allowed},
		// Some key of b/* is allowed (a witness under reports/), not every
		// key: EveryKey asks the second.
		{"s3:GetObject", "arn:aws:s3:::b/*", false, Allowed},
		{"s3:GetObject", "arn:aws:s3:::b/*", true, Unknown},
		// aws:PrincipalTag/team is covered by "*": unknown, not absent.
		{"s3:PutObject", "arn:aws:s3:::b/*", true, Unknown},
		{"s3:DeleteObject", "arn:aws:s3:::b/*", true, ImplicitDeny},
	}
	for _, tc := range tests {
		req := Request{PrincipalARN: role, Account: "${AWS::AccountId}", Action: tc.action, Resource: tc.resource, EveryKey: tc.every, Context: c}
		if got := Evaluate(req, Input{Identity: []Policy{anyone}, Endpoint: &endpoint}); got.Decision != tc.want {
			t.Errorf("Evaluate(%s on %s, EveryKey %v) = %s (%s), want %s", tc.action, tc.resource, tc.every, got.Decision, got.Reason, tc.want)
		}
	}
	// Without the "*" entry an unset key is absent: the tag statement
	// certainly does not apply.
	delete(c, "*")
	req := Request{PrincipalARN: role, Account: "${AWS::AccountId}", Action: "s3:PutObject", Resource: "arn:aws:s3:::b/*", EveryKey: true, Context: c}
	if got := Evaluate(req, Input{Identity: []Policy{anyone}, Endpoint: &endpoint}); got.Decision != ImplicitDeny {
		t.Errorf("Evaluate(s3:PutObject, no \"*\" context) = %s (%s), want %s", got.Decision, got.Reason, ImplicitDeny)
	}
}

// A pattern whose stars a backtracking matcher tries in every combination
// (2^n for n stars against a long run of one letter) is matched with one
// backtrack point, in time linear in the value per star. No timing is
// asserted: an exponential matcher would not finish.
func TestPathologicalPatternFinishes(t *testing.T) {
	pattern := strings.Repeat("a*", 20) + "b"
	value := strings.Repeat("a", 20000)
	if got := (*distinct)(nil).glob(pattern, value, true); got != No {
		t.Errorf("(*distinct)(nil).glob(%q, a×20000) = %s, want no", pattern, got)
	}
	// The same through symbols, which take the element-wise path.
	if got := (*distinct)(nil).glob("${X}"+pattern, "${X}"+value, false); got != No {
		t.Errorf("(*distinct)(nil).glob(${X}%q, ${X}a×20000) = %s, want no", pattern, got)
	}
}

func BenchmarkPathologicalPattern(b *testing.B) {
	pattern := strings.Repeat("a*", 20) + "b"
	value := strings.Repeat("a", 20000)
	for b.Loop() {
		(*distinct)(nil).glob(pattern, value, true)
	}
}
