package integration

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/lambda/messages"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/privates3/privates3/lambda/uploader/contract"
	"github.com/privates3/privates3/lambda/uploader/handler"
)

// uniqueKey keeps tests independent on the shared bucket.
func uniqueKey(t *testing.T) string {
	return fmt.Sprintf("%s/%d.txt", strings.ReplaceAll(t.Name(), "/", "-"), time.Now().UnixNano())
}

func newHandler(t testing.TB, access, secret, endpoint string) *handler.Handler {
	return handler.New(handler.Config{Bucket: bucket, KeyPrefix: "uploads/"}, mustClient(t, access, secret, endpoint), nil)
}

// readBack returns the object's body, content type and tags, read as root.
func readBack(t *testing.T, key string) (string, string, map[string]string) {
	t.Helper()
	root := mustClient(t, rootAccess, rootSecret, gw.endpoint)
	ctx := context.Background()
	obj, err := root.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)})
	if err != nil {
		t.Fatalf("GetObject(%s): %v", key, err)
	}
	defer obj.Body.Close()
	body, err := io.ReadAll(obj.Body)
	if err != nil {
		t.Fatal(err)
	}
	tagOut, err := root.GetObjectTagging(ctx, &s3.GetObjectTaggingInput{Bucket: aws.String(bucket), Key: aws.String(key)})
	if err != nil {
		t.Fatalf("GetObjectTagging(%s): %v", key, err)
	}
	tags := map[string]string{}
	for _, tag := range tagOut.TagSet {
		tags[aws.ToString(tag.Key)] = aws.ToString(tag.Value)
	}
	return string(body), aws.ToString(obj.ContentType), tags
}

func sha256B64(b []byte) string {
	s := sha256.Sum256(b)
	return base64.StdEncoding.EncodeToString(s[:])
}

func TestPutWithTagsReadBack(t *testing.T) {
	h := newHandler(t, uploaderAccess, uploaderSecret, gw.endpoint)
	key := uniqueKey(t)
	content := "id,amount\n1,9.99\n"
	tags := map[string]string{"team": "data eng", "cost-centre": "1+1=2", "région": "Zürich/東京", "empty": ""}
	resp, err := h.Upload(context.Background(), contract.Event{Key: key, Content: &content, ContentType: "text/csv", Tags: tags})
	if err != nil {
		t.Fatalf("Upload() error: %v", err)
	}
	if resp.Bucket != bucket || resp.Key != "uploads/"+key || resp.Size != int64(len(content)) ||
		resp.ChecksumSHA256 != sha256B64([]byte(content)) || resp.ETag == "" {
		t.Errorf("Upload() = %+v, want bucket, prefixed key, size, SHA-256 and an ETag", resp)
	}
	body, ctype, gotTags := readBack(t, resp.Key)
	if body != content || ctype != "text/csv" {
		t.Errorf("read back body %q type %q, want %q text/csv", body, ctype, content)
	}
	if fmt.Sprint(gotTags) != fmt.Sprint(tags) {
		t.Errorf("read back tags %v, want %v", gotTags, tags)
	}
}

func TestConditionalWriteConflict(t *testing.T) {
	h := newHandler(t, uploaderAccess, uploaderSecret, gw.endpoint)
	key := uniqueKey(t)
	first, second := "first", "second"
	if _, err := h.Upload(context.Background(), contract.Event{Key: key, Content: &first}); err != nil {
		t.Fatalf("first Upload() error: %v", err)
	}
	_, err := h.Upload(context.Background(), contract.Event{Key: key, Content: &second, Tags: map[string]string{"v": "2"}})
	if handler.ErrorType(err) != contract.ErrAlreadyExists {
		t.Fatalf("second Upload() = %s (%v), want AlreadyExists", handler.ErrorType(err), err)
	}
	body, _, tags := readBack(t, "uploads/"+key)
	if body != first || len(tags) != 0 {
		t.Errorf("after refused write: body %q tags %v, want %q and no tags", body, tags, first)
	}
}

func TestOverwrite(t *testing.T) {
	h := newHandler(t, uploaderAccess, uploaderSecret, gw.endpoint)
	key := uniqueKey(t)
	first, second := "first", "second"
	if _, err := h.Upload(context.Background(), contract.Event{Key: key, Content: &first, Tags: map[string]string{"v": "1"}}); err != nil {
		t.Fatalf("first Upload() error: %v", err)
	}
	if _, err := h.Upload(context.Background(), contract.Event{Key: key, Content: &second, Tags: map[string]string{"v": "2"}, Overwrite: true}); err != nil {
		t.Fatalf("overwriting Upload() error: %v", err)
	}
	body, _, tags := readBack(t, "uploads/"+key)
	if body != second || tags["v"] != "2" {
		t.Errorf("after overwrite: body %q tags %v, want %q and v=2", body, tags, second)
	}
}

// The control: same code and same granted rights, explicitly denied by the
// bucket policy. It must get AccessDenied, and nothing may be written.
func TestControlAccessDenied(t *testing.T) {
	h := newHandler(t, controlAccess, controlSecret, gw.endpoint)
	key := uniqueKey(t)
	_, err := h.Upload(context.Background(), contract.Event{Key: key, Content: aws.String("x")})
	if handler.ErrorType(err) != contract.ErrAccessDenied {
		t.Fatalf("control Upload() = %s (%v), want AccessDenied", handler.ErrorType(err), err)
	}
	root := mustClient(t, rootAccess, rootSecret, gw.endpoint)
	_, err = root.HeadObject(context.Background(), &s3.HeadObjectInput{Bucket: aws.String(bucket), Key: aws.String("uploads/" + key)})
	var notFound *types.NotFound
	if !errors.As(err, &notFound) {
		t.Errorf("HeadObject after denied write = %v, want NotFound", err)
	}
}

// A closed port is the loopback stand-in for a subnet with no path to S3.
// The 5 s context is the acceptance bound, not a measurement: the
// handler must answer S3Unreachable from the refused connections themselves,
// well before it, and never by running into the deadline.
func TestUnreachableEndpoint(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := "http://" + l.Addr().String()
	l.Close()
	h := newHandler(t, uploaderAccess, uploaderSecret, closed)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	start := time.Now()
	_, err = h.Upload(ctx, contract.Event{Key: uniqueKey(t), Content: aws.String("x")})
	elapsed := time.Since(start)
	if handler.ErrorType(err) != contract.ErrS3Unreachable {
		t.Fatalf("Upload() to %s = %s (%v), want S3Unreachable", closed, handler.ErrorType(err), err)
	}
	if errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Upload() to %s ran into the 5 s bound: %v", closed, err)
	}
	t.Logf("S3Unreachable after %v", elapsed)
}

// An event just under the 6 MB payload limit goes through Invoke (the path
// the runtime uses) and is stored intact; one just over is refused before
// any network call.
func TestLargePayload(t *testing.T) {
	h := newHandler(t, uploaderAccess, uploaderSecret, gw.endpoint)
	key := uniqueKey(t)
	envelope := fmt.Sprintf(`{"key":%q,"content":""}`, key)
	content := strings.Repeat("0123456789abcdef", (contract.MaxEventBytes-len(envelope))/16)
	payload, _ := json.Marshal(contract.Event{Key: key, Content: &content})
	if len(payload) > contract.MaxEventBytes || len(payload) < contract.MaxEventBytes-64 {
		t.Fatalf("test payload is %d bytes, want just under %d", len(payload), contract.MaxEventBytes)
	}
	out, err := h.Invoke(context.Background(), payload)
	if err != nil {
		t.Fatalf("Invoke(%d-byte event) error: %v", len(payload), err)
	}
	var resp contract.Response
	if err := json.Unmarshal(out, &resp); err != nil {
		t.Fatal(err)
	}
	if resp.Size != int64(len(content)) || resp.ChecksumSHA256 != sha256B64([]byte(content)) {
		t.Errorf("Invoke() = %+v, want size %d and its SHA-256", resp, len(content))
	}
	body, _, _ := readBack(t, resp.Key)
	if body != content {
		t.Errorf("read back %d bytes, want the %d sent", len(body), len(content))
	}

	over := append(payload[:len(payload)-2:len(payload)-2], []byte(strings.Repeat("x", contract.MaxEventBytes-len(payload)+1)+`"}`)...)
	_, err = h.Invoke(context.Background(), over)
	var ive messages.InvokeResponse_Error
	if !errors.As(err, &ive) || ive.Type != contract.ErrInvalidInput || !strings.Contains(ive.Message, "6291456") {
		t.Errorf("Invoke(%d-byte event) = %v, want InvalidInput naming the limit", len(over), err)
	}
}
