package handler

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/smithy-go/middleware"
)

// Network and retry settings. They decide how fast "no path to S3" is
// reported, so they are tuned for that without weakening real use:
//
//   - ConnectTimeout: a TCP connect to the regional S3 endpoint from inside
//     the region takes milliseconds. Two seconds still absorbs one lost SYN
//     (Linux resends it after one second). The SDK default is 30 s, which
//     with retries would outlast any sensible function timeout when a
//     security group or route table silently drops the packets.
//   - MaxAttempts: the SDK's standard three, so throttling and 5xx get the
//     SDK's exponential backoff with jitter.
//   - Connection failures retry after at most connectRetryDelay instead of
//     the exponential backoff: a refused or timed-out connect is not load to
//     back off from, and waiting seconds only delays the S3Unreachable
//     answer. Worst case with every packet dropped: about 3 x 2 s + 0.5 s; a
//     refused port answers in well under a second.
const (
	ConnectTimeout    = 2 * time.Second
	MaxAttempts       = 3
	connectRetryDelay = 250 * time.Millisecond
)

// NewS3Client builds the S3 client once per container from the standard SDK
// configuration (region, credentials chain, AWS_ENDPOINT_URL_S3, ...). It
// fails when no region is set or no credentials can be found, so a broken
// configuration stops the function at init rather than at the first event.
// optFns are applied after the defaults; tests use them.
func NewS3Client(ctx context.Context, optFns ...func(*s3.Options)) (*s3.Client, error) {
	httpClient := awshttp.NewBuildableClient().WithDialerOptions(func(d *net.Dialer) {
		d.Timeout = ConnectTimeout
	})
	cfg, err := config.LoadDefaultConfig(ctx,
		config.WithHTTPClient(httpClient),
		config.WithRetryer(newRetryer),
	)
	if err != nil {
		return nil, fmt.Errorf("load AWS configuration: %w", err)
	}
	if cfg.Region == "" {
		return nil, errors.New("no AWS region: set AWS_REGION (the Lambda runtime sets it)")
	}
	if _, err := cfg.Credentials.Retrieve(ctx); err != nil {
		return nil, fmt.Errorf("no usable AWS credentials: %w", err)
	}
	return s3.NewFromConfig(cfg, optFns...), nil
}

func newRetryer() aws.Retryer {
	return retry.NewStandard(func(o *retry.StandardOptions) {
		o.MaxAttempts = MaxAttempts
		o.Backoff = connectAwareBackoff{next: retry.NewExponentialJitterBackoff(retry.DefaultMaxBackoff)}
	})
}

// connectAwareBackoff retries connection failures quickly (see MaxAttempts)
// and leaves every other retry to the SDK's exponential backoff.
type connectAwareBackoff struct{ next retry.BackoffDelayer }

func (b connectAwareBackoff) BackoffDelay(attempt int, err error) (time.Duration, error) {
	if isNoConnection(err) {
		return time.Duration(rand.Int64N(int64(connectRetryDelay))), nil
	}
	return b.next.BackoffDelay(attempt, err)
}

// attemptLog records, for one PutObject call, how many attempts reached the
// transport and the error of the last one. The SDK's final error loses both
// when the context ends during a backoff, and the classification needs them.
type attemptLog struct {
	attempts int
	lastErr  error
}

// option installs the recorder in the call's middleware stack, after the
// retry loop so that it sees each attempt.
func (l *attemptLog) option(o *s3.Options) {
	o.APIOptions = append(o.APIOptions, func(st *middleware.Stack) error {
		return st.Deserialize.Add(middleware.DeserializeMiddlewareFunc("UploaderAttemptLog",
			func(ctx context.Context, in middleware.DeserializeInput, next middleware.DeserializeHandler) (middleware.DeserializeOutput, middleware.Metadata, error) {
				l.attempts++
				out, md, err := next.HandleDeserialize(ctx, in)
				if err != nil && !errors.Is(err, context.Canceled) && !errors.Is(err, context.DeadlineExceeded) {
					l.lastErr = err
				}
				return out, md, err
			}), middleware.Before)
	})
}

// presetPayloadHash hands the SigV4 signer the SHA-256 the handler already
// computed for the checksum, sparing a second pass over up to 6 MB when the
// payload is signed. It must be set inside the call's middleware stack: the
// SDK clears context values set before the call.
func presetPayloadHash(hexSum string) func(*s3.Options) {
	return func(o *s3.Options) {
		o.APIOptions = append(o.APIOptions, func(st *middleware.Stack) error {
			return st.Finalize.Add(middleware.FinalizeMiddlewareFunc("UploaderPresetPayloadHash",
				func(ctx context.Context, in middleware.FinalizeInput, next middleware.FinalizeHandler) (middleware.FinalizeOutput, middleware.Metadata, error) {
					return next.HandleFinalize(v4.SetPayloadHash(ctx, hexSum), in)
				}), middleware.Before)
		})
	}
}
