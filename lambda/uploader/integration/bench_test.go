package integration

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/privates3/privates3/lambda/uploader/contract"
	"github.com/privates3/privates3/lambda/uploader/handler"
)

// BenchmarkPut compares one handler invocation (raw event bytes in, as the
// runtime delivers them: decode, validate, SHA-256, PutObject, encode) with
// the direct SDK call that gives the same guarantees (tags, SHA-256 checksum,
// If-None-Match), on the same client and server.
//
// Each iteration makes one call of each, alternating which goes first, and
// times them separately: the local server's speed drifts (its folder grows,
// the other core is busy), and only calls made side by side see the same
// server. It reports handler-ns/op, sdk-ns/op and overhead-% (the handler's
// extra time over the SDK call); compare medians over several counts:
//
//	go test ./lambda/uploader/integration -run '^$' -bench BenchmarkPut -count 5
//
// seq makes every key new, so If-None-Match never refuses.
var seq atomic.Int64

func BenchmarkPut(b *testing.B) {
	client := mustClient(b, uploaderAccess, uploaderSecret, gw.endpoint)
	h := handler.New(handler.Config{Bucket: bucket}, client, nil)
	ctx := context.Background()
	tags := map[string]string{"team": "data", "source": "bench"}
	for _, size := range []int{1 << 10, 1 << 20} {
		content := strings.Repeat("x", size)
		name := fmt.Sprintf("%dKiB", size>>10)
		b.Run(name, func(b *testing.B) {
			// The key is patched in place: rebuilding a 1 MiB payload would
			// distort what is measured.
			const placeholder = "0000000000000000"
			payload, _ := json.Marshal(contract.Event{Key: "bench/handler/" + name + "/" + placeholder, Content: &content, Tags: tags})
			at := bytes.Index(payload, []byte(placeholder))
			body := []byte(content)
			viaHandler := func() {
				copy(payload[at:], fmt.Sprintf("%016d", seq.Add(1)))
				if _, err := h.Invoke(ctx, payload); err != nil {
					b.Fatal(err)
				}
			}
			viaSDK := func() {
				_, err := client.PutObject(ctx, &s3.PutObjectInput{
					Bucket:            aws.String(bucket),
					Key:               aws.String(fmt.Sprintf("bench/sdk/%s/%016d", name, seq.Add(1))),
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
			timed := func(f func()) time.Duration { start := time.Now(); f(); return time.Since(start) }
			var viaH, viaS time.Duration
			n := 0
			b.SetBytes(int64(2 * size))
			for b.Loop() {
				if n%2 == 0 {
					viaH += timed(viaHandler)
					viaS += timed(viaSDK)
				} else {
					viaS += timed(viaSDK)
					viaH += timed(viaHandler)
				}
				n++
			}
			b.ReportMetric(float64(viaH.Nanoseconds())/float64(n), "handler-ns/op")
			b.ReportMetric(float64(viaS.Nanoseconds())/float64(n), "sdk-ns/op")
			b.ReportMetric(100*float64(viaH-viaS)/float64(viaS), "overhead-%")
		})
	}
}
