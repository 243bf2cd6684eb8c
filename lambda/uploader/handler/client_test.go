package handler

import (
	"context"
	"errors"
	"fmt"
	"net"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws/retry"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
)

// The budget lets connection failures be retried only while the next one,
// at its own bound, still ends within ConnectBudget; the SDK's own retryer
// must then refuse the retry.
func TestConnectBudget(t *testing.T) {
	timedOut := sendError(&net.OpError{Op: "dial", Net: "tcp", Err: errors.New("i/o timeout")})
	refused := sendError(&net.OpError{Op: "dial", Net: "tcp", Err: syscall.ECONNREFUSED})
	type attempt struct {
		err  error
		took time.Duration
	}
	tests := []struct {
		name      string
		attempts  []attempt
		wantRetry []bool
	}{
		{"dropped SYNs: one retry", []attempt{{timedOut, ConnectTimeout}, {timedOut, ConnectTimeout}}, []bool{true, false}},
		{"silent TLS: one retry", []attempt{{timedOut, TLSHandshakeTimeout}, {timedOut, TLSHandshakeTimeout}}, []bool{true, false}},
		{"refused: retries left to MaxAttempts", []attempt{{refused, time.Millisecond}, {refused, time.Millisecond}, {refused, time.Millisecond}}, []bool{true, true, true}},
		// The next pause counts at its upper bound: after a refusal, a pause
		// and a dropped connect (2.26 s), a pause and another dropped connect
		// could end past 4.5 s.
		{"refused, then dropped", []attempt{{refused, 10 * time.Millisecond}, {timedOut, ConnectTimeout}}, []bool{true, false}},
		{"not a connection failure: untouched", []attempt{{apiError(503, "SlowDown"), 10 * time.Second}, {timedOut, ConnectTimeout}}, []bool{true, true}},
	}
	std := retry.NewStandard()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var b connectBudget
			at := time.Now() // each attempt starts after the longest pause
			for i, a := range tt.attempts {
				got := b.judge(a.err, at, at.Add(a.took))
				at = at.Add(a.took + connectRetryDelay)
				if !errors.Is(got, a.err) {
					t.Fatalf("attempt %d: judge() = %v, does not wrap %v", i+1, got, a.err)
				}
				if retryable := std.IsErrorRetryable(got); retryable != tt.wantRetry[i] {
					t.Errorf("attempt %d: SDK IsErrorRetryable(%v) = %v, want %v", i+1, got, retryable, tt.wantRetry[i])
				}
			}
			if b.spent > ConnectBudget {
				t.Errorf("failed connects and pauses took %v, want at most %v", b.spent, ConnectBudget)
			}
		})
	}
}

// Every attempt that would be admitted fits: the arithmetic behind "one retry
// at most" in the constants' comment.
func TestConnectBudgetArithmetic(t *testing.T) {
	perAttempt := max(ConnectTimeout, TLSHandshakeTimeout)
	if worst := 2*perAttempt + connectRetryDelay; worst > ConnectBudget {
		t.Errorf("two black-holed attempts and a pause take %v, more than ConnectBudget %v", worst, ConnectBudget)
	}
	if ConnectBudget >= 5*time.Second {
		t.Errorf("ConnectBudget = %v, want under the 5 s the README promises", ConnectBudget)
	}
}

// The connection timeouts are the client's, even when AWS_DEFAULTS_MODE asks
// the S3 client for its own (3.1 s each in the standard mode).
func TestNewS3ClientTimeouts(t *testing.T) {
	for _, mode := range []string{"", "standard", "in-region"} {
		t.Run(fmt.Sprintf("AWS_DEFAULTS_MODE=%q", mode), func(t *testing.T) {
			dir := t.TempDir()
			for k, v := range map[string]string{
				"AWS_REGION": "eu-west-1", "AWS_ACCESS_KEY_ID": "AKIDEXAMPLE", "AWS_SECRET_ACCESS_KEY": "secret",
				"AWS_SESSION_TOKEN": "", "AWS_PROFILE": "", "AWS_DEFAULTS_MODE": mode,
				"AWS_CONFIG_FILE": dir + "/none", "AWS_SHARED_CREDENTIALS_FILE": dir + "/none",
			} {
				t.Setenv(k, v)
			}
			c, err := NewS3Client(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			b, ok := c.Options().HTTPClient.(*awshttp.BuildableClient)
			if !ok {
				t.Fatalf("HTTPClient is %T, want *awshttp.BuildableClient", c.Options().HTTPClient)
			}
			if got := b.GetDialer().Timeout; got != ConnectTimeout {
				t.Errorf("dial timeout = %v, want %v", got, ConnectTimeout)
			}
			if got := b.GetTransport().TLSHandshakeTimeout; got != TLSHandshakeTimeout {
				t.Errorf("TLS handshake timeout = %v, want %v", got, TLSHandshakeTimeout)
			}
			if got := b.GetTimeout(); got != 0 {
				t.Errorf("overall request timeout = %v, want none (a large upload must not be cut off)", got)
			}
		})
	}
}
