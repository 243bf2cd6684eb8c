package handler

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/lambda/messages"
	"github.com/aws/aws-lambda-go/lambdacontext"
	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/privates3/privates3/lambda/uploader/contract"
)

// putFunc is a function fake of ObjectPutter.
type putFunc func(ctx context.Context, in *s3.PutObjectInput, optFns ...func(*s3.Options)) (*s3.PutObjectOutput, error)

func (f putFunc) PutObject(ctx context.Context, in *s3.PutObjectInput, optFns ...func(*s3.Options)) (*s3.PutObjectOutput, error) {
	return f(ctx, in, optFns...)
}

// apiError builds the error chain the SDK returns when S3 answers with an
// error status.
func apiError(status int, code string) error {
	return &smithy.OperationError{ServiceID: "S3", OperationName: "PutObject",
		Err: &awshttp.ResponseError{
			ResponseError: &smithyhttp.ResponseError{
				Response: &smithyhttp.Response{Response: &http.Response{StatusCode: status}},
				Err:      &smithy.GenericAPIError{Code: code, Message: "test"},
			},
			RequestID: "req-1",
		}}
}

// sendError builds the error chain the SDK returns when no response came.
func sendError(err error) error {
	return &smithy.OperationError{ServiceID: "S3", OperationName: "PutObject",
		Err: &smithyhttp.RequestSendError{Err: err}}
}

func TestErrorMapping(t *testing.T) {
	refused := &net.OpError{Op: "dial", Net: "tcp", Err: syscall.ECONNREFUSED}
	tests := []struct {
		name     string
		err      error
		wantType string
		wantMsg  string
	}{
		{"denied by policy", apiError(403, "AccessDenied"), contract.ErrAccessDenied, "bucket policy"},
		{"bad credentials", apiError(403, "InvalidAccessKeyId"), contract.ErrAccessDenied, "credentials"},
		{"expired token", apiError(400, "ExpiredToken"), contract.ErrAccessDenied, "ExpiredToken"},
		{"any other 403", apiError(403, "Forbidden"), contract.ErrAccessDenied, "deny it"},
		{"key exists", apiError(412, "PreconditionFailed"), contract.ErrAlreadyExists, `set "overwrite": true`},
		{"concurrent conditional write", apiError(409, "ConditionalRequestConflict"), contract.ErrAlreadyExists, "another write"},
		{"slow down", apiError(503, "SlowDown"), contract.ErrThrottled, "throttling"},
		{"too many requests", apiError(429, "TooManyRequests"), contract.ErrThrottled, "throttling"},
		{"service unavailable", apiError(503, "ServiceUnavailable"), contract.ErrThrottled, "throttling"},
		{"no such bucket", apiError(404, "NoSuchBucket"), contract.ErrInternal, "check the function's BUCKET_NAME"},
		{"invalid tag", apiError(400, "InvalidTag"), contract.ErrInvalidInput, "nothing was written"},
		{"internal error", apiError(500, "InternalError"), contract.ErrInternal, "HTTP 500"},
		{"bad digest", apiError(400, "BadDigest"), contract.ErrInternal, "BadDigest"},
		{"connection refused", sendError(refused), contract.ErrS3Unreachable, "cannot connect to S3"},
		{"connect timeout", sendError(&net.OpError{Op: "dial", Net: "tcp", Err: errors.New("i/o timeout")}), contract.ErrS3Unreachable, "gateway endpoint route"},
		// Since Go 1.23 a dial timeout satisfies errors.Is(err,
		// context.DeadlineExceeded); the function's deadline had not passed.
		{"connect timeout that is a DeadlineExceeded", sendError(&net.OpError{Op: "dial", Net: "tcp", Err: fmt.Errorf("i/o timeout: %w", context.DeadlineExceeded)}), contract.ErrS3Unreachable, "cannot connect to S3; "},
		{"TLS handshake timeout", sendError(&url.Error{Op: "Put", URL: "https://s3.eu-west-1.amazonaws.com/b/k", Err: errors.New("net/http: TLS handshake timeout")}), contract.ErrS3Unreachable, "cannot connect to S3; "},
		{"DNS failure", sendError(&net.DNSError{Err: "no such host", Name: "s3.eu-west-1.amazonaws.com"}), contract.ErrS3Unreachable, "cannot connect"},
		{"reset after connecting", sendError(&net.OpError{Op: "read", Net: "tcp", Err: syscall.ECONNRESET}), contract.ErrInternal, "before S3 answered"},
		{"other", errors.New("boom"), contract.ErrInternal, "boom"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := New(Config{Bucket: "bucket"}, putFunc(func(context.Context, *s3.PutObjectInput, ...func(*s3.Options)) (*s3.PutObjectOutput, error) {
				return nil, tt.err
			}), nil)
			_, err := h.Upload(context.Background(), contract.Event{Key: "k", Content: aws.String("x")})
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("Upload() error = %v (%T), want *Error", err, err)
			}
			if e.Type != tt.wantType || !strings.Contains(e.Error(), tt.wantMsg) {
				t.Errorf("Upload() error = %s %q, want %s containing %q", e.Type, e.Error(), tt.wantType, tt.wantMsg)
			}
			if !errors.Is(err, tt.err) {
				t.Errorf("Upload() error does not wrap the SDK error %v", tt.err)
			}
		})
	}
}

// When the deadline cuts retries short, the SDK reports only the
// cancellation; the last attempt decides the type.
func TestClassifyAtDeadline(t *testing.T) {
	canceled := fmt.Errorf("operation error S3: PutObject: %w", context.DeadlineExceeded)
	tests := []struct {
		name     string
		last     error
		wantType string
		wantMsg  string
	}{
		{"no attempt answered", nil, contract.ErrS3Unreachable, "no answer from S3 before the function's deadline"},
		{"throttled until the deadline", apiError(503, "SlowDown"), contract.ErrThrottled, "retries stopped at the function's deadline"},
		{"refused until the deadline", sendError(&net.OpError{Op: "dial", Err: syscall.ECONNREFUSED}), contract.ErrS3Unreachable, "cannot connect to S3 (retries stopped at the function's deadline)"},
		{"server errors until the deadline", apiError(500, "InternalError"), contract.ErrInternal, "retries stopped"},
	}
	for _, tt := range tests {
		got := classify(canceled, true, "b", "k", tt.last)
		if got.Type != tt.wantType || !strings.Contains(got.Error(), tt.wantMsg) {
			t.Errorf("%s: classify() = %s %q, want %s containing %q", tt.name, got.Type, got.Error(), tt.wantType, tt.wantMsg)
		}
	}
}

func TestUploadRequest(t *testing.T) {
	body := "hello, world"
	sum := sha256.Sum256([]byte(body))
	wantSum := base64.StdEncoding.EncodeToString(sum[:])
	tests := []struct {
		name            string
		ev              contract.Event
		wantIfNoneMatch string
		wantTagging     string
	}{
		{"default refuses to overwrite", contract.Event{Key: "k", Content: &body, Tags: map[string]string{"team": "data"}}, "*", "team=data"},
		{"overwrite sends no condition", contract.Event{Key: "k", Content: &body, Overwrite: true}, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got *s3.PutObjectInput
			var gotBody []byte
			h := New(Config{Bucket: "bucket", KeyPrefix: "in/"}, putFunc(func(_ context.Context, in *s3.PutObjectInput, _ ...func(*s3.Options)) (*s3.PutObjectOutput, error) {
				got = in
				gotBody, _ = io.ReadAll(in.Body)
				return &s3.PutObjectOutput{ETag: aws.String(`"abc"`), VersionId: aws.String("v1"), ChecksumSHA256: aws.String(wantSum)}, nil
			}), nil)
			resp, err := h.Upload(context.Background(), tt.ev)
			if err != nil {
				t.Fatalf("Upload() error: %v", err)
			}
			want := contract.Response{Bucket: "bucket", Key: "in/k", VersionID: "v1", ETag: "abc", Size: int64(len(body)), ChecksumSHA256: wantSum}
			if resp != want {
				t.Errorf("Upload() = %+v, want %+v", resp, want)
			}
			if aws.ToString(got.Bucket) != "bucket" || aws.ToString(got.Key) != "in/k" || string(gotBody) != body ||
				aws.ToInt64(got.ContentLength) != int64(len(body)) || aws.ToString(got.ChecksumSHA256) != wantSum ||
				aws.ToString(got.ContentType) != "text/plain; charset=utf-8" {
				t.Errorf("PutObject input = %+v (body %q), want bucket, key in/k, body, length, SHA-256 and text type", got, gotBody)
			}
			if aws.ToString(got.IfNoneMatch) != tt.wantIfNoneMatch {
				t.Errorf("IfNoneMatch = %q, want %q", aws.ToString(got.IfNoneMatch), tt.wantIfNoneMatch)
			}
			if aws.ToString(got.Tagging) != tt.wantTagging {
				t.Errorf("Tagging = %q, want %q", aws.ToString(got.Tagging), tt.wantTagging)
			}
		})
	}
}

func TestUploadChecksumMismatch(t *testing.T) {
	h := New(Config{Bucket: "bucket"}, putFunc(func(context.Context, *s3.PutObjectInput, ...func(*s3.Options)) (*s3.PutObjectOutput, error) {
		return &s3.PutObjectOutput{ChecksumSHA256: aws.String("AAAA")}, nil
	}), nil)
	_, err := h.Upload(context.Background(), contract.Event{Key: "k", Content: aws.String("x")})
	if ErrorType(err) != contract.ErrInternal || !strings.Contains(err.Error(), "S3 reports SHA-256 AAAA") {
		t.Errorf("Upload() = %v, want Internal naming the mismatch", err)
	}
}

func TestInvalidInputMakesNoCall(t *testing.T) {
	h := New(Config{Bucket: "bucket"}, putFunc(func(context.Context, *s3.PutObjectInput, ...func(*s3.Options)) (*s3.PutObjectOutput, error) {
		t.Fatal("PutObject called for invalid input")
		return nil, nil
	}), nil)
	for _, payload := range []string{`{"key":"../x","content":"a"}`, `{"key":"a"}`, `nope`} {
		if _, err := h.Invoke(context.Background(), []byte(payload)); err == nil {
			t.Errorf("Invoke(%q) = nil error, want InvalidInput", payload)
		}
	}
}

// The deadline the handler gives S3 ends DeadlineMargin before the
// function's, so it can still answer with a classified error.
func TestUploadStopsBeforeDeadline(t *testing.T) {
	deadline := time.Now().Add(time.Hour)
	ctx, cancel := context.WithDeadline(context.Background(), deadline)
	defer cancel()
	var got time.Time
	h := New(Config{Bucket: "bucket"}, putFunc(func(ctx context.Context, _ *s3.PutObjectInput, _ ...func(*s3.Options)) (*s3.PutObjectOutput, error) {
		got, _ = ctx.Deadline()
		return &s3.PutObjectOutput{}, nil
	}), nil)
	if _, err := h.Upload(ctx, contract.Event{Key: "k", Content: aws.String("x")}); err != nil {
		t.Fatal(err)
	}
	if want := deadline.Add(-DeadlineMargin); !got.Equal(want) {
		t.Errorf("S3 call deadline = %v, want %v", got, want)
	}
}

// Invoke is what lambda.Start calls: its errors must be the value type the
// runtime passes through unchanged, carrying the contract type.
func TestInvokeErrorType(t *testing.T) {
	tests := []struct {
		payload  string
		err      error
		wantType string
	}{
		{`{"key":"a","content":"x"}`, apiError(403, "AccessDenied"), contract.ErrAccessDenied},
		{`{"key":"a","content":"x"}`, apiError(412, "PreconditionFailed"), contract.ErrAlreadyExists},
		{`{"key":"a","content":"x"}`, sendError(&net.OpError{Op: "dial", Err: syscall.ECONNREFUSED}), contract.ErrS3Unreachable},
		{`{"key":"a","content":"x"}`, apiError(503, "SlowDown"), contract.ErrThrottled},
		{`{"key":"a","content":"x"}`, errors.New("boom"), contract.ErrInternal},
		{`{"key":"a","content":"x","tag":{}}`, nil, contract.ErrInvalidInput},
	}
	for _, tt := range tests {
		var logs bytes.Buffer
		h := New(Config{Bucket: "bucket"}, putFunc(func(context.Context, *s3.PutObjectInput, ...func(*s3.Options)) (*s3.PutObjectOutput, error) {
			return nil, tt.err
		}), slog.New(slog.NewJSONHandler(&logs, nil)))
		ctx := lambdacontext.NewContext(context.Background(), &lambdacontext.LambdaContext{AwsRequestID: "req-42"})
		_, err := h.Invoke(ctx, []byte(tt.payload))
		ive, ok := err.(messages.InvokeResponse_Error)
		if !ok {
			t.Fatalf("Invoke(%s) error is %T, want messages.InvokeResponse_Error", tt.payload, err)
		}
		if ive.Type != tt.wantType || ive.Message == "" {
			t.Errorf("Invoke(%s) = {Type: %q, Message: %q}, want Type %q and a message", tt.payload, ive.Type, ive.Message, tt.wantType)
		}
		var line map[string]any
		if err := json.Unmarshal(logs.Bytes(), &line); err != nil {
			t.Fatalf("log is not one JSON line: %q", logs.String())
		}
		if line["requestId"] != "req-42" || line["error_type"] != tt.wantType {
			t.Errorf("log line = %v, want requestId req-42 and error_type %s", line, tt.wantType)
		}
	}
}

// Logs carry the key and the outcome, never the content or tag values.
func TestInvokeLogsNoContent(t *testing.T) {
	var logs bytes.Buffer
	h := New(Config{Bucket: "bucket"}, putFunc(func(context.Context, *s3.PutObjectInput, ...func(*s3.Options)) (*s3.PutObjectOutput, error) {
		return &s3.PutObjectOutput{ETag: aws.String(`"e"`)}, nil
	}), slog.New(slog.NewJSONHandler(&logs, nil)))
	out, err := h.Invoke(context.Background(), []byte(`{"key":"k","content":"SECRET-CONTENT","tags":{"t":"SECRET-TAG"}}`))
	if err != nil {
		t.Fatal(err)
	}
	var resp contract.Response
	if err := json.Unmarshal(out, &resp); err != nil || resp.Key != "k" || resp.ETag != "e" || resp.Size != 14 {
		t.Errorf("Invoke() response = %s (%v), want key k, etag e, size 14", out, err)
	}
	if strings.Contains(logs.String(), "SECRET") || !strings.Contains(logs.String(), `"key":"k"`) {
		t.Errorf("log = %s, want the key and no content or tag values", logs.String())
	}
}
