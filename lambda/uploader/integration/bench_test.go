package integration

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/privates3/privates3/lambda/uploader/contract"
	"github.com/privates3/privates3/lambda/uploader/handler"
)

// BenchmarkPut compares one handler invocation (raw event bytes in, as the
// runtime delivers them: decode, validate, SHA-256, PutObject, encode) with
// the direct SDK call that gives the same guarantees (tags, SHA-256 checksum,
// If-None-Match), on the same client and server. Each iteration writes a new
// key. Compare medians over several runs:
//
//	go test ./lambda/uploader/integration -run '^$' -bench BenchmarkPut -count 10 | tee bench.txt
//
// -count repeats each sub-benchmark back to back; to interleave handler and
// SDK runs (the server slows as its directory grows), loop the command with
// -count 1 instead.
//
// seq makes every benchmark key new, so If-None-Match never refuses.
var seq atomic.Int64

func BenchmarkPut(b *testing.B) {
	client := mustClient(b, uploaderAccess, uploaderSecret, gw.endpoint)
	h := handler.New(handler.Config{Bucket: bucket}, client, nil)
	ctx := context.Background()
	tags := map[string]string{"team": "data", "source": "bench"}
	for _, size := range []int{1 << 10, 1 << 20} {
		content := strings.Repeat("x", size)
		name := fmt.Sprintf("%dKiB", size>>10)

		b.Run("handler/"+name, func(b *testing.B) {
			// The key is patched in place: rebuilding a 1 MiB payload, or
			// pausing the timer (which reads memory stats), would distort
			// what is measured.
			const placeholder = "0000000000000000"
			payload, _ := json.Marshal(contract.Event{Key: "bench/handler/" + name + "/" + placeholder, Content: &content, Tags: tags})
			at := bytes.Index(payload, []byte(placeholder))
			b.SetBytes(int64(size))
			for b.Loop() {
				copy(payload[at:], fmt.Sprintf("%016d", seq.Add(1)))
				if _, err := h.Invoke(ctx, payload); err != nil {
					b.Fatal(err)
				}
			}
		})

		b.Run("sdk/"+name, func(b *testing.B) {
			body := []byte(content)
			b.SetBytes(int64(size))
			for b.Loop() {
				key := fmt.Sprintf("bench/sdk/%s/%016d", name, seq.Add(1))
				_, err := client.PutObject(ctx, &s3.PutObjectInput{
					Bucket:            aws.String(bucket),
					Key:               aws.String(key),
					Body:              bytes.NewReader(body),
					ContentType:       aws.String("text/plain; charset=utf-8"),
					Tagging:           aws.String("source=bench&team=data"),
					IfNoneMatch:       aws.String("*"),
					ChecksumAlgorithm: types.ChecksumAlgorithmSha256,
				})
				if err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
