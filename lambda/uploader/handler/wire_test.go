package handler

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/privates3/privates3/lambda/uploader/contract"
)

// These tests run the real SDK client, as NewS3Client builds it, against a
// scripted HTTP server: they check what goes on the wire and how the retry
// settings and the classification work together. Behaviour against a real S3
// implementation is tested in ../integration.

// clientFor returns NewS3Client's client for endpoint, with the process
// environment set the way Lambda would set it and no shared config files.
func clientFor(t *testing.T, endpoint string, optFns ...func(*s3.Options)) *s3.Client {
	t.Helper()
	dir := t.TempDir()
	for k, v := range map[string]string{
		"AWS_REGION":                  "eu-west-1",
		"AWS_ACCESS_KEY_ID":           "AKIDTEST",
		"AWS_SECRET_ACCESS_KEY":       "secret",
		"AWS_SESSION_TOKEN":           "",
		"AWS_PROFILE":                 "",
		"AWS_CONFIG_FILE":             filepath.Join(dir, "config"),
		"AWS_SHARED_CREDENTIALS_FILE": filepath.Join(dir, "credentials"),
		"AWS_ENDPOINT_URL_S3":         endpoint,
	} {
		t.Setenv(k, v)
	}
	c, err := NewS3Client(context.Background(), optFns...)
	if err != nil {
		t.Fatalf("NewS3Client() error: %v", err)
	}
	return c
}

func s3ErrorBody(code string) string {
	return fmt.Sprintf(`<?xml version="1.0" encoding="UTF-8"?><Error><Code>%s</Code><Message>test</Message><RequestId>r1</RequestId></Error>`, code)
}

func TestWireRequest(t *testing.T) {
	var got *http.Request
	var gotBody []byte
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got = r
		gotBody, _ = io.ReadAll(r.Body)
		w.Header().Set("ETag", `"etag-1"`)
		w.Header().Set("x-amz-version-id", "v-1")
		w.Header().Set("x-amz-checksum-sha256", r.Header.Get("x-amz-checksum-sha256"))
	}))
	defer srv.Close()

	h := New(Config{Bucket: "bucket", KeyPrefix: "in/"}, clientFor(t, srv.URL), nil)
	resp, err := h.Upload(context.Background(), contract.Event{
		Key: "a b/c.txt", Content: aws.String("hello"), Tags: map[string]string{"team": "data eng", "cost": "1+1"},
	})
	if err != nil {
		t.Fatalf("Upload() error: %v", err)
	}
	sum := sha256.Sum256([]byte("hello"))
	wantHeaders := map[string]string{
		"If-None-Match":         "*",
		"X-Amz-Tagging":         "cost=1%2B1&team=data%20eng",
		"X-Amz-Checksum-Sha256": base64.StdEncoding.EncodeToString(sum[:]),
		// The signer used the handler's SHA-256: one pass over the body.
		"X-Amz-Content-Sha256": hex.EncodeToString(sum[:]),
		"Content-Type":         "text/plain; charset=utf-8",
	}
	for k, want := range wantHeaders {
		if v := got.Header.Get(k); v != want {
			t.Errorf("header %s = %q, want %q", k, v, want)
		}
	}
	if got.Method != http.MethodPut || got.URL.Path != "/bucket/in/a b/c.txt" || string(gotBody) != "hello" {
		t.Errorf("request = %s %s body %q, want PUT /bucket/in/a b/c.txt body hello", got.Method, got.URL.Path, gotBody)
	}
	if !strings.Contains(got.Header.Get("Authorization"), "AWS4-HMAC-SHA256") {
		t.Errorf("Authorization = %q, want SigV4", got.Header.Get("Authorization"))
	}
	want := contract.Response{Bucket: "bucket", Key: "in/a b/c.txt", VersionID: "v-1", ETag: "etag-1", Size: 5, ChecksumSHA256: wantHeaders["X-Amz-Checksum-Sha256"]}
	if resp != want {
		t.Errorf("Upload() = %+v, want %+v", resp, want)
	}
}

// scripted answers every request with status and an S3 error code, and
// counts the requests.
func scripted(t *testing.T, status int, code string) (*httptest.Server, *atomic.Int32) {
	var n atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/xml")
		w.WriteHeader(status)
		io.WriteString(w, s3ErrorBody(code))
	}))
	t.Cleanup(srv.Close)
	return srv, &n
}

func TestWireErrors(t *testing.T) {
	noBackoff := func(o *s3.Options) { o.Retryer = retry.AddWithMaxBackoffDelay(o.Retryer, time.Millisecond) }
	tests := []struct {
		status       int
		code         string
		wantType     string
		wantAttempts int32
	}{
		{403, "AccessDenied", contract.ErrAccessDenied, 1},
		{412, "PreconditionFailed", contract.ErrAlreadyExists, 1},
		{503, "SlowDown", contract.ErrThrottled, MaxAttempts},
		{500, "InternalError", contract.ErrInternal, MaxAttempts},
		{404, "NoSuchBucket", contract.ErrInternal, 1},
	}
	for _, tt := range tests {
		t.Run(tt.code, func(t *testing.T) {
			srv, n := scripted(t, tt.status, tt.code)
			h := New(Config{Bucket: "bucket"}, clientFor(t, srv.URL, noBackoff), nil)
			_, err := h.Upload(context.Background(), contract.Event{Key: "k", Content: aws.String("x")})
			if ErrorType(err) != tt.wantType {
				t.Errorf("Upload() against HTTP %d %s = %s (%v), want %s", tt.status, tt.code, ErrorType(err), err, tt.wantType)
			}
			if n.Load() != tt.wantAttempts {
				t.Errorf("HTTP %d %s: %d attempts, want %d", tt.status, tt.code, n.Load(), tt.wantAttempts)
			}
		})
	}
}

// With the SDK's real backoff and a function deadline shorter than the
// retries need, the handler still answers Throttled, not a timeout.
func TestWireThrottledAtDeadline(t *testing.T) {
	srv, n := scripted(t, 503, "SlowDown")
	h := New(Config{Bucket: "bucket"}, clientFor(t, srv.URL), nil)
	ctx, cancel := context.WithTimeout(context.Background(), 1500*time.Millisecond)
	defer cancel()
	_, err := h.Upload(ctx, contract.Event{Key: "k", Content: aws.String("x")})
	if ErrorType(err) != contract.ErrThrottled {
		t.Errorf("Upload() = %s (%v), want Throttled", ErrorType(err), err)
	}
	if ctx.Err() != nil {
		t.Errorf("Upload() returned after the function's deadline")
	}
	t.Logf("%d attempts; %v", n.Load(), err)
}

// A closed port: every attempt is refused, and the answer is S3Unreachable
// after MaxAttempts quick retries. The elapsed time is logged, not asserted
// (no timed tests); ../integration bounds it with the 5 s acceptance limit.
func TestWireConnectionRefused(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	h := New(Config{Bucket: "bucket"}, clientFor(t, "http://"+addr), nil)
	start := time.Now()
	_, err = h.Upload(context.Background(), contract.Event{Key: "k", Content: aws.String("x")})
	if ErrorType(err) != contract.ErrS3Unreachable {
		t.Errorf("Upload() to closed port %s = %s (%v), want S3Unreachable", addr, ErrorType(err), err)
	}
	t.Logf("S3Unreachable after %v: %v", time.Since(start), err)
}
