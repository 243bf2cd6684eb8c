package integration

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/privates3/privates3/lambda/uploader/handler"
)

// The server: versitygw with its posix backend, built from the Go module
// proxy into the repository's git-ignored .cache/ and run as a separate
// process, so its ~114 modules never enter this module's go.mod.
const (
	versitygwModule  = "github.com/versity/versitygw/cmd/versitygw"
	versitygwVersion = "v1.8.0"
	bucket           = "private-bucket"
	region           = "us-east-1"

	rootAccess, rootSecret         = "root", "root-secret-key-0001"
	uploaderAccess, uploaderSecret = "uploader", "uploader-secret-key-01"
	controlAccess, controlSecret   = "control", "control-secret-key-001"
)

// bucketPolicy grants both function identities the same rights, then denies
// the control explicitly: the shape of the real private bucket, where the
// control has the uploader's IAM rights and the bucket policy's explicit
// deny (aws:SourceVpce) wins. versitygw's root bypasses policies, so the
// functions use their own non-root accounts.
var bucketPolicy = fmt.Sprintf(`{
  "Version": "2012-10-17",
  "Statement": [
    {"Effect": "Allow", "Principal": {"AWS": [%[2]q, %[3]q]},
     "Action": ["s3:PutObject", "s3:PutObjectTagging", "s3:GetObject", "s3:GetObjectTagging"],
     "Resource": "arn:aws:s3:::%[1]s/*"},
    {"Effect": "Deny", "Principal": {"AWS": [%[3]q]},
     "Action": "s3:*",
     "Resource": ["arn:aws:s3:::%[1]s", "arn:aws:s3:::%[1]s/*"]}
  ]
}`, bucket, uploaderAccess, controlAccess)

// gw is the running server, set by TestMain.
var gw struct {
	endpoint string // http://127.0.0.1:port
	bin      string // the versitygw binary
}

func TestMain(m *testing.M) {
	flag.Parse()
	if testing.Short() {
		fmt.Println("integration: skipped under -short (needs the versitygw S3 server)")
		os.Exit(0)
	}
	stop, err := startServer()
	if err != nil {
		fmt.Fprintf(os.Stderr, "integration: cannot start the S3 test server (versitygw %s): %v\n"+
			"These tests need it; run with -short to skip them.\n", versitygwVersion, err)
		os.Exit(1)
	}
	code := m.Run()
	stop()
	os.Exit(code)
}

// versitygwBinary returns the cached server binary, building it on first
// use. The first build downloads and compiles about 114 modules (about a
// minute on 2 cores); later runs reuse it.
func versitygwBinary() (string, error) {
	dir, err := cacheDir()
	if err != nil {
		return "", err
	}
	bin := filepath.Join(dir, "versitygw")
	if _, err := os.Stat(bin); err == nil {
		return bin, nil
	}
	fmt.Fprintf(os.Stderr, "integration: building versitygw %s into %s (first run only)\n", versitygwVersion, dir)
	start := time.Now()
	cmd := exec.Command("go", "install", versitygwModule+"@"+versitygwVersion)
	// GOFLAGS and GOWORK are cleared so this module's settings (for example
	// -mod=vendor) cannot leak into the install of another module.
	cmd.Env = append(os.Environ(), "GOBIN="+dir, "GOFLAGS=-buildvcs=false", "GOWORK=off", "CGO_ENABLED=0")
	out, err := cmd.CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("go install %s@%s: %v\n%s", versitygwModule, versitygwVersion, err, out)
	}
	fmt.Fprintf(os.Stderr, "integration: built versitygw in %v\n", time.Since(start).Round(time.Second))
	return bin, nil
}

// cacheDir is <repo>/.cache/versitygw/<version>: .cache/ is git-ignored, and
// keeping it in the repository makes CI caching one path.
func cacheDir() (string, error) {
	out, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil {
		return "", fmt.Errorf("go env GOMOD: %w", err)
	}
	gomod := strings.TrimSpace(string(out))
	if gomod == "" || gomod == os.DevNull {
		return "", errors.New("not inside the module: cannot place the server cache")
	}
	dir := filepath.Join(filepath.Dir(gomod), ".cache", "versitygw", versitygwVersion)
	return dir, os.MkdirAll(dir, 0o755)
}

func startServer() (stop func(), err error) {
	bin, err := versitygwBinary()
	if err != nil {
		return nil, err
	}
	work, err := os.MkdirTemp("", "uploader-versitygw-")
	if err != nil {
		return nil, err
	}
	cleanup := func() { os.RemoveAll(work) }
	data, iam := filepath.Join(work, "data"), filepath.Join(work, "iam")
	for _, d := range []string{data, iam} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			cleanup()
			return nil, err
		}
	}
	s3Addr, err := freePort()
	if err != nil {
		cleanup()
		return nil, err
	}
	adminAddr, err := freePort()
	if err != nil {
		cleanup()
		return nil, err
	}
	var logs bytes.Buffer
	cmd := exec.Command(bin,
		"--port", s3Addr, "--admin-port", adminAddr,
		"--access", rootAccess, "--secret", rootSecret, "--region", region,
		"--iam-dir", iam, "--health", "/health", "--quiet",
		"posix", data)
	cmd.Stdout, cmd.Stderr = &logs, &logs
	if err := cmd.Start(); err != nil {
		cleanup()
		return nil, fmt.Errorf("start %s: %w", bin, err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	stop = func() {
		cmd.Process.Kill()
		<-exited
		cleanup()
	}

	gw.endpoint, gw.bin = "http://"+s3Addr, bin
	if err := waitHealthy(gw.endpoint+"/health", exited); err != nil {
		stop()
		return nil, fmt.Errorf("%w; server output:\n%s", err, logs.String())
	}
	if err := setUp(adminAddr); err != nil {
		stop()
		return nil, fmt.Errorf("%w; server output:\n%s", err, logs.String())
	}
	return stop, nil
}

func freePort() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer l.Close()
	return l.Addr().String(), nil
}

// waitHealthy polls the health endpoint; readiness is a condition to wait
// for, not a duration to guess.
func waitHealthy(url string, exited <-chan error) error {
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case err := <-exited:
			return fmt.Errorf("versitygw exited at start: %v", err)
		default:
		}
		if resp, err := http.Get(url); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	return errors.New("versitygw did not become healthy within 30 s")
}

// setUp creates the two function accounts, the bucket and its policy.
func setUp(adminAddr string) error {
	for _, u := range [][2]string{{uploaderAccess, uploaderSecret}, {controlAccess, controlSecret}} {
		out, err := exec.Command(gw.bin, "admin", "--access", rootAccess, "--secret", rootSecret,
			"--endpoint-url", "http://"+adminAddr,
			"create-user", "--access", u[0], "--secret", u[1], "--role", "user").CombinedOutput()
		if err != nil {
			return fmt.Errorf("create user %s: %v: %s", u[0], err, out)
		}
	}
	ctx := context.Background()
	root, err := newClient(rootAccess, rootSecret, gw.endpoint)
	if err != nil {
		return err
	}
	if _, err := root.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(bucket)}); err != nil {
		return fmt.Errorf("create bucket: %w", err)
	}
	if _, err := root.PutBucketPolicy(ctx, &s3.PutBucketPolicyInput{Bucket: aws.String(bucket), Policy: aws.String(bucketPolicy)}); err != nil {
		return fmt.Errorf("put bucket policy: %w", err)
	}
	return nil
}

// newClient builds the client exactly as the function does (NewS3Client,
// driven by the standard environment variables), for one identity. The
// environment is process-wide, so callers must not run in parallel.
func newClient(access, secret, endpoint string) (*s3.Client, error) {
	dir, err := os.MkdirTemp("", "uploader-awsconfig-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	for k, v := range map[string]string{
		"AWS_REGION":                  region,
		"AWS_ACCESS_KEY_ID":           access,
		"AWS_SECRET_ACCESS_KEY":       secret,
		"AWS_SESSION_TOKEN":           "",
		"AWS_PROFILE":                 "",
		"AWS_CONFIG_FILE":             filepath.Join(dir, "none"),
		"AWS_SHARED_CREDENTIALS_FILE": filepath.Join(dir, "none"),
		"AWS_ENDPOINT_URL_S3":         endpoint,
	} {
		if err := os.Setenv(k, v); err != nil {
			return nil, err
		}
	}
	return handler.NewS3Client(context.Background())
}

func mustClient(tb testing.TB, access, secret, endpoint string) *s3.Client {
	tb.Helper()
	c, err := newClient(access, secret, endpoint)
	if err != nil {
		tb.Fatalf("newClient(%s): %v", access, err)
	}
	return c
}
