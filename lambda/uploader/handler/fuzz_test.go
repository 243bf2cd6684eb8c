package handler

import (
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/privates3/privates3/lambda/uploader/contract"
)

// FuzzDecodeEvent feeds arbitrary payloads through decoding and validation,
// the part of the handler that sees untrusted input before any network call.
// It checks that nothing panics, that every rejection is an InvalidInput
// *Error, and that whatever is accepted obeys the rules S3 enforces.
// Seeds live in testdata/fuzz/FuzzDecodeEvent. Run briefly in CI with:
//
//	go test ./lambda/uploader/handler -run '^$' -fuzz '^FuzzDecodeEvent$' -fuzztime 10s
func FuzzDecodeEvent(f *testing.F) {
	f.Add([]byte(`{"key":"a.txt","content":"hello"}`), "")
	f.Add([]byte(`{"key":"a/b","content_base64":"AAE=","tags":{"k":"v"},"overwrite":true}`), "uploads/")
	f.Fuzz(func(t *testing.T, payload []byte, prefix string) {
		if ValidateKeyPrefix(prefix) != nil {
			prefix = ""
		}
		// The fast path must agree with encoding/json wherever it decides.
		if fast, ok := decodeFast(payload); ok {
			ref, err := decodeReference(payload)
			if err != nil || !reflect.DeepEqual(fast, ref) {
				t.Fatalf("decodeFast(%q) = %+v, but encoding/json gives %+v, %v", payload, fast, ref, err)
			}
		}
		ev, err := DecodeEvent(payload)
		if err != nil {
			mustBeInvalidInput(t, "DecodeEvent", err)
			return
		}
		req, err := validate(ev, prefix)
		if err != nil {
			mustBeInvalidInput(t, "validate", err)
			return
		}
		if len(req.key) == 0 || len(req.key) > contract.MaxKeyBytes || !utf8.ValidString(req.key) ||
			strings.HasPrefix(req.key, "/") || !strings.HasPrefix(req.key, prefix) {
			t.Fatalf("accepted key %q breaks the key rules", req.key)
		}
		for seg := range strings.SplitSeq(req.key, "/") {
			if seg == ".." {
				t.Fatalf("accepted key %q has a .. segment", req.key)
			}
		}
		if len(ev.Tags) > contract.MaxTags || (req.tagging == "") != (len(ev.Tags) == 0) {
			t.Fatalf("accepted %d tags as tagging %q", len(ev.Tags), req.tagging)
		}
		if strings.ContainsAny(req.contentType, "\r\n") || req.contentType == "" {
			t.Fatalf("accepted content type %q", req.contentType)
		}
		if len(req.body) > contract.MaxEventBytes {
			t.Fatalf("accepted a %d-byte body", len(req.body))
		}
		// An accepted event re-encodes to an event that decodes the same.
		again, err := json.Marshal(ev)
		if err != nil {
			t.Fatalf("re-encode accepted event: %v", err)
		}
		if _, err := DecodeEvent(again); err != nil {
			t.Fatalf("accepted %q, but not its re-encoding %q: %v", payload, again, err)
		}
	})
}

func mustBeInvalidInput(t *testing.T, fn string, err error) {
	t.Helper()
	var e *Error
	if !errors.As(err, &e) || e.Type != contract.ErrInvalidInput || e.Msg == "" {
		t.Fatalf("%s error = %v (%T), want an InvalidInput *Error with a message", fn, err, err)
	}
}
