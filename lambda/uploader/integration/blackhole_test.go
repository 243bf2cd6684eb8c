//go:build unix

package integration

import (
	"context"
	"errors"
	"net"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/privates3/privates3/lambda/uploader/contract"
	"github.com/privates3/privates3/lambda/uploader/handler"
)

// A subnet with no path to S3 drops packets rather than refusing them. Two
// loopback black holes reproduce that: a listener whose accept queue is full,
// so the kernel drops new SYNs and a connect hangs, and a listener that
// accepts and then says nothing, so a TLS handshake hangs (before the
// connection bounds, this one ran into the deadline: three 10 s handshakes).
//
// The 30 s context is a function timeout; the handler must answer
// S3Unreachable from the failed connections themselves, long before it. The
// test asserts that cause, not a duration: the caller's context is still
// live, the message is the one for connections that failed, not the one for
// retries the deadline stopped, and the connect budget (handler.ConnectBudget,
// under 5 s by its own unit test) is what ended the retries. The time taken
// is logged (README figure).
func TestBlackHoledEndpoint(t *testing.T) {
	tests := []struct {
		name     string
		endpoint func(*testing.T) string
	}{
		{"SYN dropped", func(t *testing.T) string { return "http://" + fullBacklog(t) }},
		{"TLS unanswered", func(t *testing.T) string { return "https://" + silentListener(t) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			endpoint := tt.endpoint(t)
			h := newHandler(t, uploaderAccess, uploaderSecret, endpoint)
			t.Parallel() // after newHandler, which sets process-wide environment variables
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			start := time.Now()
			_, err := h.Upload(ctx, contract.Event{Key: uniqueKey(t), Content: aws.String("x")})
			elapsed := time.Since(start)
			if ctx.Err() != nil {
				t.Fatalf("Upload() to %s answered only at the 30 s deadline: %v", endpoint, err)
			}
			if handler.ErrorType(err) != contract.ErrS3Unreachable {
				t.Fatalf("Upload() to %s = %s (%v), want S3Unreachable", endpoint, handler.ErrorType(err), err)
			}
			if msg := err.Error(); !strings.HasPrefix(msg, "cannot connect to S3; ") {
				t.Errorf("Upload() to %s = %q, want the message for failed connections (\"cannot connect to S3; ...\"), not one for the deadline", endpoint, msg)
			}
			if !strings.Contains(err.Error(), "(no retry: failed connects took") {
				t.Errorf("Upload() to %s = %q, want the retries ended by the connect budget (handler.ConnectBudget)", endpoint, err)
			}
			t.Logf("S3Unreachable after %v: %v", elapsed.Round(10*time.Millisecond), err)
		})
	}
}

// fullBacklog returns the address of a listener that never accepts and whose
// accept queue it fills, so that the kernel drops further SYNs. It proves the
// black hole before returning: a fresh dial must time out, not connect.
func fullBacklog(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	raw, err := l.(*net.TCPListener).SyscallConn()
	if err != nil {
		t.Fatal(err)
	}
	// listen(2) again on a listening socket sets its backlog: 0 leaves room
	// for about one connection (Linux queues backlog+1) instead of somaxconn.
	var listenErr error
	if err := raw.Control(func(fd uintptr) { listenErr = syscall.Listen(int(fd), 0) }); err != nil || listenErr != nil {
		t.Fatalf("shrink the backlog of %s: %v %v", l.Addr(), err, listenErr)
	}
	addr := l.Addr().String()
	const tries = 8
	for range tries {
		c, err := net.DialTimeout("tcp", addr, 500*time.Millisecond)
		if err == nil {
			t.Cleanup(func() { c.Close() }) // queued, never accepted: keeps the queue full
			continue
		}
		var ne net.Error
		if errors.As(err, &ne) && ne.Timeout() {
			return addr // the dial hung: new SYNs are dropped
		}
		t.Fatalf("dial %s with a full backlog = %v, want a timeout", addr, err)
	}
	t.Fatalf("the kernel queued %d connections on %s with backlog 0 and still connected: no SYN-dropping black hole here", tries, addr)
	return ""
}

// silentListener returns the address of a listener that accepts every
// connection and never sends or reads a byte.
func silentListener(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var conns []net.Conn
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		l.Close()
		<-done
		for _, c := range conns {
			c.Close()
		}
	})
	return l.Addr().String()
}
