package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/privates3/privates3/lambda/uploader/contract"
)

// runtimeAPI is a stand-in for the Lambda Runtime API (AWS itself cannot
// run here): it hands out the given events one by one and records what the
// function posts back for each.
type runtimeAPI struct {
	events  chan string
	results chan result
}

type result struct {
	kind string // "response" or "error"
	body []byte
}

func (a *runtimeAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	const base = "/2018-06-01/runtime/invocation/"
	switch {
	case r.Method == http.MethodGet && r.URL.Path == base+"next":
		ev, ok := <-a.events
		if !ok {
			<-r.Context().Done() // no more events: hold the poll until the test ends
			return
		}
		w.Header().Set("Lambda-Runtime-Aws-Request-Id", fmt.Sprintf("req-%d", time.Now().UnixNano()))
		w.Header().Set("Lambda-Runtime-Deadline-Ms", fmt.Sprint(time.Now().Add(10*time.Second).UnixMilli()))
		w.Header().Set("Lambda-Runtime-Invoked-Function-Arn", "arn:aws:lambda:eu-west-1:123456789012:function:uploader")
		io.WriteString(w, ev)
	case r.Method == http.MethodPost && strings.HasPrefix(r.URL.Path, base):
		body, _ := io.ReadAll(r.Body)
		a.results <- result{kind: r.URL.Path[strings.LastIndex(r.URL.Path, "/")+1:], body: body}
		w.WriteHeader(http.StatusAccepted)
	default:
		http.Error(w, "unexpected "+r.Method+" "+r.URL.Path, http.StatusNotFound)
	}
}

// hostBootstrap builds the bootstrap once for both tests below: the
// deployed flags, for this machine's OS and architecture so it runs, less
// -trimpath. -trimpath changes no behaviour (it rewrites file paths in the
// binary, which build_test.go checks for the deployed build) but compiles
// every dependency apart from the test binary's own: a clean run would
// compile the AWS SDK for this machine twice.
var hostBootstrap = sync.OnceValues(func() (string, error) {
	dir, err := os.MkdirTemp("", "uploader-bootstrap-")
	if err != nil {
		return "", err
	}
	hostBootstrapDir = dir
	bin := filepath.Join(dir, "bootstrap")
	var flags []string
	for _, f := range contract.BuildFlags {
		if f != "-trimpath" {
			flags = append(flags, f)
		}
	}
	build := exec.Command("go", append(append([]string{"build"}, flags...), "-o", bin, ".")...)
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build: %v\n%s", err, out)
	}
	return bin, nil
})

// hostBootstrapDir is the folder hostBootstrap made, removed by TestMain.
var hostBootstrapDir string

func TestMain(m *testing.M) {
	code := m.Run()
	if hostBootstrapDir != "" {
		os.RemoveAll(hostBootstrapDir)
	}
	os.Exit(code)
}

func mustHostBootstrap(t *testing.T) string {
	t.Helper()
	bin, err := hostBootstrap()
	if err != nil {
		t.Fatal(err)
	}
	return bin
}

// The built bootstrap, driven through the Runtime API as Lambda drives it:
// the errorType Lambda reports is the contract's, not a Go type name.
func TestBootstrapReportsContractErrorTypes(t *testing.T) {
	bin := mustHostBootstrap(t)
	closed, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s3 := "http://" + closed.Addr().String()
	closed.Close() // nothing listens there: S3 is unreachable

	api := &runtimeAPI{events: make(chan string, 2), results: make(chan result, 2)}
	api.events <- `{"key": "../escape", "content": "x"}`
	api.events <- `{"key": "ok.txt", "content": "x"}`
	close(api.events)
	srv := httptest.NewServer(api)
	defer srv.Close()

	fn := exec.Command(bin)
	fn.Env = []string{
		"AWS_LAMBDA_RUNTIME_API=" + strings.TrimPrefix(srv.URL, "http://"),
		contract.EnvBucketName + "=private-bucket",
		"AWS_REGION=eu-west-1", "AWS_ACCESS_KEY_ID=AKIDEXAMPLE", "AWS_SECRET_ACCESS_KEY=secret",
		"AWS_ENDPOINT_URL_S3=" + s3, "AWS_S3_USE_PATH_STYLE=true",
	}
	if err := fn.Start(); err != nil {
		t.Fatal(err)
	}
	defer fn.Process.Kill()

	for _, want := range []string{contract.ErrInvalidInput, contract.ErrS3Unreachable} {
		select {
		case r := <-api.results:
			var e struct{ ErrorType, ErrorMessage string }
			json.Unmarshal(r.body, &e)
			if r.kind != "error" || e.ErrorType != want {
				t.Errorf("posted %s %s, want an error with errorType %s", r.kind, r.body, want)
			}
		case <-time.After(30 * time.Second): // a hang guard, not a timing assertion
			t.Fatalf("no result for the %s event", want)
		}
	}
}

// Missing configuration stops the function at init with one line, before it
// ever polls for an event.
func TestBootstrapFailsAtInitWithOneLine(t *testing.T) {
	cmd := exec.Command(mustHostBootstrap(t))
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, contract.EnvBucketName+"=") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	out, err := cmd.CombinedOutput()
	if err == nil {
		t.Fatal("the function started without BUCKET_NAME")
	}
	if got := strings.TrimSpace(string(out)); !strings.Contains(got, "uploader: configuration error: BUCKET_NAME is required") {
		t.Errorf("init output = %q, want one line naming BUCKET_NAME", got)
	}
}
