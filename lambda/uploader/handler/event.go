package handler

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/url"
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/privates3/privates3/lambda/uploader/contract"
)

// Default content types, chosen so a reader of the object can tell text from
// bytes without guessing; S3 itself would store binary/octet-stream.
const (
	defaultTextContentType   = "text/plain; charset=utf-8"
	defaultBinaryContentType = "application/octet-stream"
)

// request is a validated event, ready to be sent: every field here has passed
// the checks S3 would make, so a PutObject built from it fails only for
// reasons outside the caller's input.
type request struct {
	key         string // full key, KEY_PREFIX included
	body        []byte
	contentType string
	tagging     string // x-amz-tagging, URL-query encoded; empty without tags
	tagCount    int
	overwrite   bool
}

// DecodeEvent parses an invocation payload strictly: one JSON object, no
// unknown fields (a misspelt "tags" must not silently store an untagged
// object), no trailing data, at most contract.MaxEventBytes. Every failure is
// an *Error of type InvalidInput.
func DecodeEvent(payload []byte) (contract.Event, error) {
	var ev contract.Event
	if len(payload) > contract.MaxEventBytes {
		return ev, invalidInput("event is %d bytes; the limit is %d bytes (6 MB, the synchronous Lambda payload limit)", len(payload), contract.MaxEventBytes)
	}
	if ev, ok := decodeFast(payload); ok {
		return ev, nil
	}
	return decodeReference(payload)
}

// decodeReference decodes with encoding/json: every event the fast path does
// not take, and the source of the precise error messages.
func decodeReference(payload []byte) (contract.Event, error) {
	var ev contract.Event
	trimmed := bytes.TrimLeft(payload, " \t\r\n")
	if len(trimmed) == 0 || trimmed[0] != '{' {
		return ev, invalidInput("event must be a JSON object")
	}
	dec := json.NewDecoder(bytes.NewReader(trimmed))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&ev); err != nil {
		return contract.Event{}, invalidInput("event is not valid: %s", jsonProblem(err))
	}
	if _, err := dec.Token(); err != io.EOF {
		return contract.Event{}, invalidInput("event has data after the JSON object")
	}
	return ev, nil
}

// jsonProblem rewords encoding/json errors so they name the field, not Go
// types the caller has never seen.
func jsonProblem(err error) string {
	var typeErr *json.UnmarshalTypeError
	if errors.As(err, &typeErr) && typeErr.Field != "" {
		return fmt.Sprintf("field %q must be %s, not a JSON %s", typeErr.Field, jsonKind(typeErr.Type.Kind().String()), typeErr.Value)
	}
	return strings.TrimPrefix(err.Error(), "json: ")
}

func jsonKind(goKind string) string {
	switch goKind {
	case "string", "ptr":
		return "a string"
	case "bool":
		return "a boolean"
	case "map":
		return "an object of strings"
	}
	return goKind
}

// validate checks ev against the rules S3 and this function enforce and
// builds the request. keyPrefix was validated at init.
func validate(ev contract.Event, keyPrefix string) (*request, error) {
	if err := validateKey(ev.Key); err != nil {
		return nil, err
	}
	fullKey := keyPrefix + ev.Key
	if len(fullKey) > contract.MaxKeyBytes {
		return nil, invalidInput("key is %d bytes with KEY_PREFIX %q; S3 allows at most %d", len(fullKey), keyPrefix, contract.MaxKeyBytes)
	}

	var body []byte
	contentType := ev.ContentType
	switch {
	case ev.Content != nil && ev.ContentBase64 != nil:
		return nil, invalidInput("set exactly one of content and content_base64, not both")
	case ev.Content != nil:
		body = []byte(*ev.Content)
		if contentType == "" {
			contentType = defaultTextContentType
		}
	case ev.ContentBase64 != nil:
		var err error
		body, err = base64.StdEncoding.Strict().DecodeString(*ev.ContentBase64)
		if err != nil {
			return nil, invalidInput("content_base64 is not standard padded base64 (RFC 4648 section 4): %v", err)
		}
		if contentType == "" {
			contentType = defaultBinaryContentType
		}
	default:
		return nil, invalidInput("set exactly one of content (UTF-8 text) and content_base64 (bytes); neither is set")
	}
	// Unreachable through DecodeEvent, which bounds the whole event, but
	// Upload may be called with an Event built in code.
	if len(body) > contract.MaxEventBytes {
		return nil, invalidInput("content is %d bytes; the limit is %d bytes (6 MB, the synchronous Lambda payload limit)", len(body), contract.MaxEventBytes)
	}
	if err := validateContentType(ev.ContentType); err != nil {
		return nil, err
	}
	tagging, err := encodeTags(ev.Tags)
	if err != nil {
		return nil, err
	}
	return &request{
		key:         fullKey,
		body:        body,
		contentType: contentType,
		tagging:     tagging,
		tagCount:    len(ev.Tags),
		overwrite:   ev.Overwrite,
	}, nil
}

// validateKey applies S3's key rules and ours. Dot segments are refused
// because HTTP clients, proxies and file-system backends normalise them, so
// the object would land under a different key than the caller named, or
// outside KEY_PREFIX. A trailing slash makes a folder marker in every S3
// console, never what an uploader means.
func validateKey(key string) error {
	if key == "" {
		return invalidInput("key is required and must not be empty")
	}
	if err := keyRules("key", key); err != nil {
		return err
	}
	if strings.HasSuffix(key, "/") {
		return invalidInput("key %q must not end with \"/\" (that is a folder marker, not an object)", key)
	}
	return nil
}

// keyRules holds the rules a key and KEY_PREFIX share.
func keyRules(what, s string) error {
	if len(s) > contract.MaxKeyBytes {
		return invalidInput("%s is %d bytes; S3 allows at most %d", what, len(s), contract.MaxKeyBytes)
	}
	if !utf8.ValidString(s) {
		return invalidInput("%s is not valid UTF-8", what)
	}
	for i, r := range s {
		if unicode.IsControl(r) {
			return invalidInput("%s %q has a control character %U at byte %d", what, s, r, i)
		}
	}
	if strings.HasPrefix(s, "/") {
		return invalidInput("%s %q must not start with \"/\"", what, s)
	}
	for seg := range strings.SplitSeq(s, "/") {
		if seg == "." || seg == ".." {
			return invalidInput("%s %q must not contain a %q path segment", what, s, seg)
		}
	}
	return nil
}

// ValidateKeyPrefix checks KEY_PREFIX at init. It may be empty and may end
// with "/"; otherwise it follows the key rules.
func ValidateKeyPrefix(prefix string) error {
	if prefix == "" {
		return nil
	}
	return keyRules(contract.EnvKeyPrefix, prefix)
}

// validateContentType accepts an RFC 2045 media type with parameters, in
// printable ASCII: the value goes into an HTTP header and comes back to
// every reader of the object.
func validateContentType(ct string) error {
	if ct == "" {
		return nil
	}
	if len(ct) > contract.MaxContentTypeBytes {
		return invalidInput("content_type is %d bytes; the limit is %d", len(ct), contract.MaxContentTypeBytes)
	}
	for _, r := range ct {
		if r < 0x20 || r > 0x7e {
			return invalidInput("content_type %q must be printable ASCII", ct)
		}
	}
	mediaType, _, err := mime.ParseMediaType(ct)
	if err != nil {
		return invalidInput("content_type %q is not a media type such as \"text/csv\" or \"application/json; charset=utf-8\": %v", ct, err)
	}
	if !strings.Contains(mediaType, "/") {
		return invalidInput("content_type %q needs a type and a subtype, such as \"text/csv\"", ct)
	}
	return nil
}

// encodeTags checks S3's tag rules and encodes the set as the x-amz-tagging
// header, so the tags are stored atomically with the object.
func encodeTags(tags map[string]string) (string, error) {
	if len(tags) == 0 {
		return "", nil
	}
	if len(tags) > contract.MaxTags {
		return "", invalidInput("tags has %d entries; S3 allows at most %d per object", len(tags), contract.MaxTags)
	}
	keys := make([]string, 0, len(tags))
	for k, v := range tags {
		if n := utf8.RuneCountInString(k); n < 1 || n > contract.MaxTagKeyChars {
			return "", invalidInput("tag key %q is %d characters; S3 allows 1 to %d", k, n, contract.MaxTagKeyChars)
		}
		if n := utf8.RuneCountInString(v); n > contract.MaxTagValueChars {
			return "", invalidInput("value of tag %q is %d characters; S3 allows at most %d", k, n, contract.MaxTagValueChars)
		}
		if strings.HasPrefix(strings.ToLower(k), "aws:") {
			return "", invalidInput("tag key %q uses the prefix \"aws:\", which is reserved for AWS", k)
		}
		if err := tagChars("tag key", k); err != nil {
			return "", err
		}
		if err := tagChars(fmt.Sprintf("value of tag %q", k), v); err != nil {
			return "", err
		}
		keys = append(keys, k)
	}
	// Sorted so the request, and its signature, do not depend on map order.
	sort.Strings(keys)
	var b strings.Builder
	for i, k := range keys {
		if i > 0 {
			b.WriteByte('&')
		}
		b.WriteString(tagEscape(k))
		b.WriteByte('=')
		b.WriteString(tagEscape(tags[k]))
	}
	return b.String(), nil
}

// tagChars applies S3's tag character set, the pattern
// ^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$ from the S3 and Resource Groups Tagging API
// references.
func tagChars(what, s string) error {
	if !utf8.ValidString(s) {
		return invalidInput("%s is not valid UTF-8", what)
	}
	for _, r := range s {
		if unicode.IsLetter(r) || unicode.IsNumber(r) || unicode.Is(unicode.Z, r) || strings.ContainsRune("_.:/=+-@", r) {
			continue
		}
		return invalidInput("%s %q has %q; S3 allows letters, digits, spaces and _ . : / = + - @", what, s, r)
	}
	return nil
}

// tagEscape is query escaping with spaces as %20: S3 reads a "+" in
// x-amz-tagging as a literal plus on some paths, and "+" is a legal tag
// character, so only the unambiguous form is safe.
func tagEscape(s string) string {
	return strings.ReplaceAll(url.QueryEscape(s), "+", "%20")
}
