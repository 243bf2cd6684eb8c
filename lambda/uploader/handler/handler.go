// Package handler is the uploader function's logic: it validates one event,
// stores it as one S3 object with a single conditional PutObject, and turns
// every failure into one of the contract's error types.
//
// It is separate from package main so it can be tested without the Lambda
// runtime, and it reaches S3 only through the small ObjectPutter interface,
// so unit tests use function fakes and integration tests a real server.
package handler

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/lambdacontext"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/privates3/privates3/lambda/uploader/contract"
)

// ObjectPutter is the one S3 call the handler makes; *s3.Client satisfies it.
type ObjectPutter interface {
	PutObject(ctx context.Context, in *s3.PutObjectInput, optFns ...func(*s3.Options)) (*s3.PutObjectOutput, error)
}

// Config is the handler's configuration, read once at init.
type Config struct {
	Bucket    string
	KeyPrefix string
}

// ConfigFromEnv reads and checks the contract's environment variables.
// lookup is os.LookupEnv in production.
func ConfigFromEnv(lookup func(string) (string, bool)) (Config, error) {
	bucket, _ := lookup(contract.EnvBucketName)
	prefix, _ := lookup(contract.EnvKeyPrefix)
	cfg := Config{Bucket: bucket, KeyPrefix: prefix}
	return cfg, cfg.Validate()
}

// Validate checks the bucket name against S3's naming rules and KEY_PREFIX
// against the key rules, so a typo fails at init, not on every event.
func (c Config) Validate() error {
	if c.Bucket == "" {
		return fmt.Errorf("%s is required and not set", contract.EnvBucketName)
	}
	if err := contract.CheckBucketName(c.Bucket); err != nil {
		return fmt.Errorf("%s=%q: %w", contract.EnvBucketName, c.Bucket, err)
	}
	if err := ValidateKeyPrefix(c.KeyPrefix); err != nil {
		return fmt.Errorf("%s=%q: %w", contract.EnvKeyPrefix, c.KeyPrefix, err)
	}
	return nil
}

// Handler serves invocations. It is safe for concurrent use.
type Handler struct {
	s3     ObjectPutter
	cfg    Config
	log    *slog.Logger
	margin time.Duration
}

// DeadlineMargin is how long before the function's deadline the handler
// stops waiting for S3, so that it can still return a classified error
// instead of being cut off by a "Task timed out".
const DeadlineMargin = 500 * time.Millisecond

// New returns a Handler. cfg must have passed Validate; log may be nil.
func New(cfg Config, s3 ObjectPutter, log *slog.Logger) *Handler {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Handler{s3: s3, cfg: cfg, log: log, margin: DeadlineMargin}
}

// Invoke implements lambda.Handler: the raw payload in, the JSON response out.
// Taking raw bytes lets the handler decode strictly and report bad JSON as
// InvalidInput; every error it returns carries a contract errorType.
func (h *Handler) Invoke(ctx context.Context, payload []byte) ([]byte, error) {
	start := time.Now()
	ev, err := DecodeEvent(payload)
	var resp contract.Response
	if err == nil {
		resp, err = h.upload(ctx, ev)
	}
	if err != nil {
		h.logFailure(ctx, ev, err, start)
		return nil, lambdaError(err)
	}
	out, err := json.Marshal(resp)
	if err != nil {
		err = &Error{Type: contract.ErrInternal, Msg: "encode response", Err: err}
		h.logFailure(ctx, ev, err, start)
		return nil, lambdaError(err)
	}
	h.log.LogAttrs(ctx, slog.LevelInfo, "stored object", requestID(ctx),
		slog.String("bucket", resp.Bucket), slog.String("key", resp.Key),
		slog.Int64("size", resp.Size), slog.Bool("overwrite", ev.Overwrite),
		slog.String("version_id", resp.VersionID),
		slog.Int64("duration_ms", time.Since(start).Milliseconds()))
	return out, nil
}

// Upload stores one event. Errors are *Error. It does not log; Invoke does.
func (h *Handler) Upload(ctx context.Context, ev contract.Event) (contract.Response, error) {
	return h.upload(ctx, ev)
}

func (h *Handler) upload(ctx context.Context, ev contract.Event) (contract.Response, error) {
	req, err := validate(ev, h.cfg.KeyPrefix)
	if err != nil {
		return contract.Response{}, err
	}

	if dl, ok := ctx.Deadline(); ok {
		margin := min(h.margin, time.Until(dl)/2)
		var cancel context.CancelFunc
		ctx, cancel = context.WithDeadline(ctx, dl.Add(-margin))
		defer cancel()
	}

	sum := sha256.Sum256(req.body)
	checksum := base64.StdEncoding.EncodeToString(sum[:])
	in := &s3.PutObjectInput{
		Bucket:         aws.String(h.cfg.Bucket),
		Key:            aws.String(req.key),
		Body:           bytes.NewReader(req.body),
		ContentLength:  aws.Int64(int64(len(req.body))),
		ContentType:    aws.String(req.contentType),
		ChecksumSHA256: aws.String(checksum),
	}
	if req.tagging != "" {
		in.Tagging = aws.String(req.tagging)
	}
	if !req.overwrite {
		// S3 refuses the write with 412 if the key exists, atomically.
		in.IfNoneMatch = aws.String("*")
	}
	var log attemptLog
	out, err := h.s3.PutObject(ctx, in, log.option, presetPayloadHash(hex.EncodeToString(sum[:])))
	if err != nil {
		e := classify(err, ctx.Err() != nil, h.cfg.Bucket, req.key, log.lastErr)
		if e.Type == contract.ErrAlreadyExists && log.attempts > 1 {
			e.Msg += fmt.Sprintf("; note: this invocation sent %d attempts, so an earlier one may have stored it: compare the object's SHA-256 with %s", log.attempts, checksum)
		}
		return contract.Response{}, e
	}
	if got := aws.ToString(out.ChecksumSHA256); got != "" && got != checksum {
		return contract.Response{}, &Error{Type: contract.ErrInternal,
			Msg: fmt.Sprintf("S3 reports SHA-256 %s for s3://%s/%s, but %s was sent", got, h.cfg.Bucket, req.key, checksum)}
	}
	return contract.Response{
		Bucket:         h.cfg.Bucket,
		Key:            req.key,
		VersionID:      aws.ToString(out.VersionId),
		ETag:           strings.Trim(aws.ToString(out.ETag), `"`),
		Size:           int64(len(req.body)),
		ChecksumSHA256: checksum,
	}, nil
}

// logFailure logs one line per failed invocation: the key and the error, never
// the content or the tag values, which may be confidential.
func (h *Handler) logFailure(ctx context.Context, ev contract.Event, err error, start time.Time) {
	typ := ErrorType(err)
	level := slog.LevelWarn // the caller's problem or an expected denial
	switch typ {
	case contract.ErrS3Unreachable, contract.ErrThrottled, contract.ErrInternal:
		level = slog.LevelError
	}
	h.log.LogAttrs(ctx, level, "upload failed", requestID(ctx),
		slog.String("error_type", typ), slog.String("error", err.Error()),
		slog.String("bucket", h.cfg.Bucket), slog.String("key", h.cfg.KeyPrefix+ev.Key),
		slog.Int64("duration_ms", time.Since(start).Milliseconds()))
}

func requestID(ctx context.Context) slog.Attr {
	if lc, ok := lambdacontext.FromContext(ctx); ok {
		return slog.String("requestId", lc.AwsRequestID)
	}
	return slog.Attr{}
}

// Ensure the SDK type matches the interface it is used through.
var _ ObjectPutter = (*s3.Client)(nil)
