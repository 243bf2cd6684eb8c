// Package contract is the uploader function's public interface: the
// environment variables it reads, the event it accepts, the response it
// returns and the error types it reports.
//
// It holds declarations and the rules both sides check (the bucket name),
// and imports nothing beyond the standard library, so the CDK constructs
// (which set the environment) and the post-deploy check (which invokes the
// function) can share them with the handler without pulling the AWS SDK
// into their import graphs.
package contract

// Environment variables read by the handler at init.
const (
	// EnvBucketName names the bucket objects are written to. Required.
	EnvBucketName = "BUCKET_NAME"
	// EnvKeyPrefix, when set, is prepended to every object key. It must match
	// the key prefix the function's IAM policy was granted.
	EnvKeyPrefix = "KEY_PREFIX"
)

// Event is the JSON payload of one invocation: one object to store.
type Event struct {
	Key           string            `json:"key"`
	Content       *string           `json:"content,omitempty"`
	ContentBase64 *string           `json:"content_base64,omitempty"`
	ContentType   string            `json:"content_type,omitempty"`
	Tags          map[string]string `json:"tags,omitempty"`
	Overwrite     bool              `json:"overwrite,omitempty"`
}

// Response describes the object that was stored.
type Response struct {
	Bucket         string `json:"bucket"`
	Key            string `json:"key"`
	VersionID      string `json:"version_id,omitempty"`
	ETag           string `json:"etag"`
	Size           int64  `json:"size"`
	ChecksumSHA256 string `json:"checksum_sha256"`
}

// Error types, reported as the Lambda function error's errorType.
const (
	ErrInvalidInput  = "InvalidInput"
	ErrAlreadyExists = "AlreadyExists"
	ErrAccessDenied  = "AccessDenied"
	ErrS3Unreachable = "S3Unreachable"
	ErrThrottled     = "Throttled"
	ErrInternal      = "Internal"
)

// Limits the handler enforces before any network call.
const (
	// MaxEventBytes is the largest event the handler accepts: the 6 MB
	// (6,291,456-byte) request payload limit of a synchronous Lambda invoke.
	// The object content must fit inside it together with its JSON encoding,
	// so plain text can be a little under 6 MB and base64 content about
	// 4.5 MB once decoded.
	MaxEventBytes = 6 * 1024 * 1024
	// MaxKeyBytes is S3's limit on an object key, KEY_PREFIX included.
	MaxKeyBytes = 1024
	// MaxTags is S3's limit on tags per object.
	MaxTags = 10
	// MaxTagKeyChars and MaxTagValueChars are S3's limits, in Unicode
	// characters, on a tag's key and value.
	MaxTagKeyChars   = 128
	MaxTagValueChars = 256
	// MaxContentTypeBytes bounds content_type; real media types are short,
	// and S3 limits the whole header block to 8 KB.
	MaxContentTypeBytes = 256
)

// BuildFlags are the go build arguments of the deployed bootstrap, built
// with BuildEnv. They make the binary byte-identical across machines and
// checkouts, so the asset changes only when the code does; lambda.norpc
// drops the legacy RPC mode provided.al2023 never uses (about 40% smaller).
var BuildFlags = []string{"-trimpath", "-buildvcs=false", "-ldflags=-s -w", "-tags=lambda.norpc"}

// BuildEnv is the environment of that build: Lambda's arm64 Linux, no cgo.
var BuildEnv = []string{"CGO_ENABLED=0", "GOOS=linux", "GOARCH=arm64"}
