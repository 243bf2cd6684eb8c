package handler

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"net/http"
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
// reported: a subnet without one (a public subnet, an isolated subnet without
// the gateway endpoint) drops the packets rather than refusing them, so
// without bounds the call hangs until the function's deadline. They bound
// only how long it may take to get a connection, never the transfer itself:
//
//   - ConnectTimeout: DNS and TCP connect to the regional S3 endpoint take
//     milliseconds from inside the region. Two seconds still absorbs one lost
//     SYN (Linux resends it after one second). The SDK default is 30 s.
//   - TLSHandshakeTimeout: the handshake is a few round trips and some
//     milliseconds of CPU, even on the smallest Lambda memory size. Two
//     seconds catches a path that answers TCP but nothing else (a middlebox,
//     a wrong endpoint). The SDK default is 10 s, which with three attempts
//     ran into a 30 s deadline.
//   - ConnectBudget: the connection failures of one call, with the pauses
//     between them, never add up past it. A failed connect is retried only if
//     the next attempt, at its own bound, still ends within it, so the worst
//     case is one retry: 2 s + at most 0.25 s + 2 s. It is counted per call
//     and does not depend on MaxAttempts, which AWS_MAX_ATTEMPTS may change.
//   - MaxAttempts: the SDK's standard three, so throttling and 5xx get the
//     SDK's exponential backoff with jitter.
//   - Connection failures retry after at most connectRetryDelay instead of
//     the exponential backoff: a refused or timed-out connect is not load to
//     back off from, and waiting seconds only delays the S3Unreachable
//     answer. A refused port answers in well under a second.
//
// No timeout is set on the request as a whole, on reading the response
// headers (http.Transport.ResponseHeaderTimeout) or on the body: once
// connected, a PutObject of up to 6 MB has to be sent and stored, S3 answers
// only after storing it, and giving up early could turn a write that succeeded
// into a retry that finds the key taken. The function's deadline, less
// DeadlineMargin, bounds that part.
const (
	ConnectTimeout      = 2 * time.Second
	TLSHandshakeTimeout = 2 * time.Second
	ConnectBudget       = 4500 * time.Millisecond
	MaxAttempts         = 3
	connectRetryDelay   = 250 * time.Millisecond
)

// TLS settings, pinned rather than left to Go's and the SDK's defaults so that
// a future default cannot relax them (Go 1.26's defaults already refuse RSA
// key exchange and TLS 1.1, but still offer ECDHE with CBC):
//
//   - tlsMinVersion: TLS 1.2, what S3 requires of clients (S3 User Guide,
//     "Infrastructure security in Amazon S3"; every S3 endpoint also speaks
//     TLS 1.3 except PrivateLink and Multi-Region Access Points: "Protecting
//     data in transit with encryption"). TLS 1.3 is negotiated when offered.
//   - tlsCipherSuites: for TLS 1.2, only ECDHE key exchange (forward secret:
//     the same page asks clients to support "cipher suites with Perfect
//     Forward Secrecy (PFS) such as ... ECDHE") with an AEAD cipher (AES-GCM or
//     ChaCha20-Poly1305). A server offering only RSA key exchange, whose
//     recorded traffic a later leak of its private key would decrypt, or only
//     CBC suites, gets no handshake. TLS 1.3 suites are all ECDHE with AEAD
//     and Go does not let them be configured (crypto/tls, Config.CipherSuites:
//     "TLS 1.3 ciphersuites are not configurable").
//
// Curve preferences are left to the SDK: it keeps Go's defaults (X25519 and
// the hybrid post-quantum X25519MLKEM768) and restricts them in FIPS mode.
const tlsMinVersion = tls.VersionTLS12

var tlsCipherSuites = []uint16{
	tls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
	tls.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
	tls.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
	tls.TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
	tls.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
	tls.TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
}

// NewS3Client builds the S3 client once per container from the standard SDK
// configuration (region, credentials chain, AWS_ENDPOINT_URL_S3, ...). It
// fails when no region is set or no credentials can be found, so a broken
// configuration stops the function at init rather than at the first event.
// optFns are applied after the defaults; tests use them.
func NewS3Client(ctx context.Context, optFns ...func(*s3.Options)) (*s3.Client, error) {
	cfg, err := config.LoadDefaultConfig(ctx,
		config.WithHTTPClient(withTransportSettings(awshttp.NewBuildableClient())),
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
	return s3.NewFromConfig(cfg, append([]func(*s3.Options){connectionBounds}, optFns...)...), nil
}

// withTransportSettings sets ConnectTimeout, TLSHandshakeTimeout and the
// pinned TLS settings.
func withTransportSettings(c *awshttp.BuildableClient) *awshttp.BuildableClient {
	return c.WithDialerOptions(func(d *net.Dialer) { d.Timeout = ConnectTimeout }).
		WithTransportOptions(func(t *http.Transport) {
			t.TLSHandshakeTimeout = TLSHandshakeTimeout
			// GetTransport hands each option a clone, so this config is
			// the client's own.
			if t.TLSClientConfig == nil {
				t.TLSClientConfig = &tls.Config{}
			}
			t.TLSClientConfig.MinVersion = tlsMinVersion
			t.TLSClientConfig.CipherSuites = tlsCipherSuites
		})
}

// connectionBounds applies the transport settings again after the S3 client
// has applied its defaults mode (AWS_DEFAULTS_MODE=standard would otherwise
// replace the timeouts with 3.1 s each), and installs ConnectBudget in every
// call.
func connectionBounds(o *s3.Options) {
	if b, ok := o.HTTPClient.(*awshttp.BuildableClient); ok {
		o.HTTPClient = withTransportSettings(b)
	}
	o.APIOptions = append(o.APIOptions, addConnectBudget)
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

// addConnectBudget runs once per call (the SDK builds a fresh middleware
// stack for each), so the budget's state belongs to that call. It sits inside
// the retry loop and sees every attempt.
func addConnectBudget(st *middleware.Stack) error {
	var b connectBudget
	return st.Deserialize.Add(middleware.DeserializeMiddlewareFunc("UploaderConnectBudget",
		func(ctx context.Context, in middleware.DeserializeInput, next middleware.DeserializeHandler) (middleware.DeserializeOutput, middleware.Metadata, error) {
			start := time.Now()
			out, md, err := next.HandleDeserialize(ctx, in)
			return out, md, b.judge(err, start, time.Now())
		}), middleware.Before)
}

// connectBudget enforces ConnectBudget for one call.
type connectBudget struct {
	spent    time.Duration // failed connects and the pauses after them
	failedAt time.Time     // end of the previous attempt, if it failed to connect
}

// judge returns the error of the attempt that ran from start to end, marked
// as not retryable when another failed connect, after the longest pause,
// could end past ConnectBudget.
func (b *connectBudget) judge(err error, start, end time.Time) error {
	if !b.failedAt.IsZero() {
		b.spent += start.Sub(b.failedAt)
		b.failedAt = time.Time{}
	}
	if err == nil || !isNoConnection(err) {
		return err
	}
	b.spent += end.Sub(start)
	b.failedAt = end
	if b.spent+connectRetryDelay+max(ConnectTimeout, TLSHandshakeTimeout) > ConnectBudget {
		return &connectBudgetSpent{err: err, spent: b.spent}
	}
	return err
}

// connectBudgetSpent stops the SDK's retries (it honours RetryableError on
// any error in the chain) and keeps the connection error for classify.
type connectBudgetSpent struct {
	err   error
	spent time.Duration
}

func (e *connectBudgetSpent) Error() string {
	return fmt.Sprintf("%v (no retry: failed connects took %v of the %v connect budget)", e.err, e.spent.Round(time.Millisecond), ConnectBudget)
}
func (e *connectBudgetSpent) Unwrap() error        { return e.err }
func (e *connectBudgetSpent) RetryableError() bool { return false }

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
				// An attempt the deadline cut short says nothing about S3.
				if err != nil && ctx.Err() == nil {
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
