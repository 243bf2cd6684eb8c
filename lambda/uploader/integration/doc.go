// Package integration tests the uploader against a real S3-compatible
// server (versitygw with its posix backend) and the real bootstrap binary
// against a minimal Lambda Runtime API, and benchmarks the handler against a
// direct SDK PutObject.
//
// It holds no production code. The server is built with `go install` into
// the repository's .cache/ and run as its own process, so it stays out of
// this module's dependency graph. `go test -short` skips these tests; a
// normal run fails, never skips, when the server cannot be started.
package integration
