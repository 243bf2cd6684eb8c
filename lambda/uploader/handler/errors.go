package handler

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"

	"github.com/aws/aws-lambda-go/lambda/messages"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/privates3/privates3/lambda/uploader/contract"
)

// Error is every failure the handler returns: Type is one of the contract's
// error types and is what the Lambda runtime reports as errorType.
type Error struct {
	Type string // contract.Err*
	Msg  string // what failed and what to do, for a person
	Err  error  // the underlying cause, if any
}

func (e *Error) Error() string {
	if e.Err != nil {
		return e.Msg + ": " + e.Err.Error()
	}
	return e.Msg
}

func (e *Error) Unwrap() error { return e.Err }

// ErrorType returns the contract error type of err: the Type of the first
// *Error in its chain, or ErrInternal for anything else.
func ErrorType(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Type
	}
	return contract.ErrInternal
}

func invalidInput(format string, args ...any) *Error {
	return &Error{Type: contract.ErrInvalidInput, Msg: fmt.Sprintf(format, args...)}
}

// lambdaError converts err for the Lambda runtime. aws-lambda-go reports the
// Go type name of a returned error as errorType ("Error" for ours), except
// for a messages.InvokeResponse_Error value, whose Type it passes through.
// Converting at this one boundary keeps the contract's names independent of
// Go type names and keeps *Error (with Unwrap) for everything inside.
func lambdaError(err error) error {
	return messages.InvokeResponse_Error{Type: ErrorType(err), Message: err.Error()}
}

// S3 error codes that mean the request reached S3 and was refused for who
// sent it: a bucket policy, an IAM policy, or the credentials themselves.
var deniedCodes = map[string]bool{
	"AccessDenied":          true,
	"AllAccessDisabled":     true,
	"AccountProblem":        true,
	"InvalidAccessKeyId":    true,
	"SignatureDoesNotMatch": true,
	"ExpiredToken":          true,
	"InvalidToken":          true,
	"TokenRefreshRequired":  true,
}

// S3 error codes that mean the caller's input was wrong in a way the
// handler's own validation did not foresee. Nothing was written.
var inputCodes = map[string]bool{
	"InvalidTag":      true,
	"KeyTooLongError": true,
	"EntityTooLarge":  true,
	"InvalidArgument": true,
}

// classify maps a PutObject failure to a contract error. ctxDone says the
// call's context had ended: only then did the deadline (or a cancellation)
// cut the call short. The error alone cannot say so: since Go 1.23 a dial
// timeout also satisfies errors.Is(err, context.DeadlineExceeded). lastAttempt
// is the error of the last attempt made before the context ended, if any:
// the SDK then reports only the cancellation, and lastAttempt says what S3
// was answering until then.
func classify(err error, ctxDone bool, bucket, key string, lastAttempt error) *Error {
	gaveUp := ""
	if ctxDone {
		if lastAttempt == nil {
			return &Error{Type: contract.ErrS3Unreachable, Err: err,
				Msg: "no answer from S3 before the function's deadline; " + unreachableHint}
		}
		err, gaveUp = lastAttempt, " (retries stopped at the function's deadline)"
	}

	var apiErr smithy.APIError
	if errors.As(err, &apiErr) {
		code := apiErr.ErrorCode()
		status := httpStatus(err)
		switch {
		case code == "PreconditionFailed" || status == http.StatusPreconditionFailed:
			return &Error{Type: contract.ErrAlreadyExists, Err: err,
				Msg: fmt.Sprintf("s3://%s/%s already exists and was left unchanged; choose another key, or set \"overwrite\": true to replace it", bucket, key)}
		case code == "ConditionalRequestConflict":
			return &Error{Type: contract.ErrAlreadyExists, Err: err,
				Msg: fmt.Sprintf("another write to s3://%s/%s was in progress and this one was refused; the key is taken unless that write failed, so retry to learn which", bucket, key)}
		case deniedCodes[code] || status == http.StatusForbidden:
			return &Error{Type: contract.ErrAccessDenied, Err: err,
				Msg: fmt.Sprintf("S3 refused to write s3://%s/%s (%s): a bucket policy, the function's IAM role or its credentials deny it; outside the VPC endpoint this is the expected result for a private bucket", bucket, key, code)}
		case isThrottleCode(code) || status == http.StatusTooManyRequests || code == "ServiceUnavailable":
			return &Error{Type: contract.ErrThrottled, Err: err,
				Msg: fmt.Sprintf("S3 is throttling writes (%s) and retries with backoff did not get through%s; retry later with backoff or spread keys across prefixes", code, gaveUp)}
		case code == "NoSuchBucket":
			return &Error{Type: contract.ErrInternal, Err: err,
				Msg: fmt.Sprintf("bucket %q does not exist; check the function's %s", bucket, contract.EnvBucketName)}
		case inputCodes[code]:
			return &Error{Type: contract.ErrInvalidInput, Err: err,
				Msg: fmt.Sprintf("S3 rejected the input (%s); nothing was written", code)}
		}
		return &Error{Type: contract.ErrInternal, Err: err,
			Msg: fmt.Sprintf("S3 failed to store s3://%s/%s (%s, HTTP %d)%s; nothing was written unless a retry succeeds", bucket, key, code, status, gaveUp)}
	}

	if isNoConnection(err) {
		return &Error{Type: contract.ErrS3Unreachable, Err: err,
			Msg: "cannot connect to S3" + gaveUp + "; " + unreachableHint}
	}
	return &Error{Type: contract.ErrInternal, Err: err,
		Msg: fmt.Sprintf("storing s3://%s/%s failed before S3 answered", bucket, key)}
}

// unreachableHint names the usual causes (see shared/domain.md): what to check
// differs from AccessDenied, where the network path worked.
const unreachableHint = "inside a VPC check that the subnet's route table has the S3 gateway endpoint route and the security group allows egress to TCP 443 (a public subnet or an isolated subnet without the endpoint has no path); outside AWS check AWS_ENDPOINT_URL_S3"

func httpStatus(err error) int {
	var respErr *smithyhttp.ResponseError
	if errors.As(err, &respErr) {
		return respErr.HTTPStatusCode()
	}
	return 0
}

// isNoConnection reports errors that happen before any byte of the request
// reaches S3: DNS failure, refused or timed-out connect, no route, a TLS
// handshake that got no answer. Errors after a connection (a reset mid-body)
// are not included: they may follow a successful write.
func isNoConnection(err error) bool {
	var dnsErr *net.DNSError
	if errors.As(err, &dnsErr) {
		return true
	}
	var opErr *net.OpError
	if errors.As(err, &opErr) && opErr.Op == "dial" {
		return true
	}
	// net/http reports Transport.TLSHandshakeTimeout with an unexported type,
	// directly inside the *url.Error of http.Client.Do; its text is the only
	// stable handle. The integration tests' black holes catch a change.
	var urlErr *url.Error
	return errors.As(err, &urlErr) && urlErr.Err != nil && urlErr.Err.Error() == tlsHandshakeTimeout
}

const tlsHandshakeTimeout = "net/http: TLS handshake timeout"

func isThrottleCode(code string) bool {
	_, ok := retry.DefaultThrottleErrorCodes[code]
	return ok
}
