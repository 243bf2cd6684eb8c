package handler

import (
	"encoding/base64"
	"errors"
	"strings"
	"testing"

	"github.com/privates3/privates3/lambda/uploader/contract"
)

func TestDecodeEvent(t *testing.T) {
	tests := []struct {
		name    string
		payload string
		wantErr string // substring of the InvalidInput message; "" for success
	}{
		{"minimal text", `{"key":"a.txt","content":"hi"}`, ""},
		{"all fields", `{"key":"a/b.bin","content_base64":"AAE=","content_type":"application/octet-stream","tags":{"team":"data"},"overwrite":true}`, ""},
		{"surrounding space", " \n{\"key\":\"a\",\"content\":\"\"}\n ", ""},
		{"empty payload", ``, "JSON object"},
		{"null", `null`, "JSON object"},
		{"array", `[{"key":"a"}]`, "JSON object"},
		{"string", `"a"`, "JSON object"},
		{"unknown field", `{"key":"a","content":"x","tag":{"a":"b"}}`, `unknown field "tag"`},
		{"trailing data", `{"key":"a","content":"x"} {}`, "data after the JSON object"},
		{"trailing garbage", `{"key":"a","content":"x"}x`, "data after the JSON object"},
		{"truncated", `{"key":"a","content":"x"`, "not valid"},
		{"key is a number", `{"key":1,"content":"x"}`, `field "key" must be a string`},
		{"overwrite is a string", `{"key":"a","content":"x","overwrite":"yes"}`, `field "overwrite" must be a boolean`},
		{"tags is a list", `{"key":"a","content":"x","tags":["a"]}`, `field "tags" must be an object of strings`},
		{"tag value is a number", `{"key":"a","content":"x","tags":{"a":1}}`, `must be a string`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := DecodeEvent([]byte(tt.payload))
			checkInvalid(t, "DecodeEvent", tt.payload, err, tt.wantErr)
		})
	}
}

func TestDecodeEventTooLarge(t *testing.T) {
	payload := `{"key":"a","content":"` + strings.Repeat("x", contract.MaxEventBytes) + `"}`
	_, err := DecodeEvent([]byte(payload))
	checkInvalid(t, "DecodeEvent", "<6 MB event>", err, "the limit is 6291456 bytes")
}

func TestValidate(t *testing.T) {
	str := func(s string) *string { return &s }
	tags := func(n int) map[string]string {
		m := map[string]string{}
		for i := range n {
			m[string(rune('a'+i))] = "v"
		}
		return m
	}
	tests := []struct {
		name    string
		ev      contract.Event
		prefix  string
		wantErr string
	}{
		{"text", contract.Event{Key: "a.txt", Content: str("hi")}, "", ""},
		{"empty content is an empty object", contract.Event{Key: "a", Content: str("")}, "", ""},
		{"unicode key", contract.Event{Key: "données/été 2026.csv", Content: str("x")}, "", ""},
		{"key of 1024 bytes", contract.Event{Key: strings.Repeat("k", 1024), Content: str("x")}, "", ""},
		{"ten tags", contract.Event{Key: "a", Content: str("x"), Tags: tags(10)}, "", ""},
		{"tag chars", contract.Event{Key: "a", Content: str("x"), Tags: map[string]string{"Cost Centre_1:/=+-@.": "Zürich 東京 +1", "empty": ""}}, "", ""},
		{"media type with parameter", contract.Event{Key: "a", Content: str("x"), ContentType: "text/csv; charset=utf-8"}, "", ""},

		{"missing key", contract.Event{Content: str("x")}, "", "key is required"},
		{"key too long", contract.Event{Key: strings.Repeat("k", 1025), Content: str("x")}, "", "S3 allows at most 1024"},
		{"key too long with prefix", contract.Event{Key: strings.Repeat("k", 1020), Content: str("x")}, "uploads/", "with KEY_PREFIX"},
		{"key not UTF-8", contract.Event{Key: "a\xff", Content: str("x")}, "", "not valid UTF-8"},
		{"key with newline", contract.Event{Key: "a\nb", Content: str("x")}, "", "control character U+000A"},
		{"key with DEL", contract.Event{Key: "a\x7f", Content: str("x")}, "", "control character U+007F"},
		{"key with C1 control", contract.Event{Key: "a\u0085", Content: str("x")}, "", "control character U+0085"},
		{"leading slash", contract.Event{Key: "/etc/passwd", Content: str("x")}, "", `must not start with "/"`},
		{"dot-dot segment", contract.Event{Key: "a/../b", Content: str("x")}, "", `".." path segment`},
		{"dot-dot alone", contract.Event{Key: "..", Content: str("x")}, "", `".." path segment`},
		{"dot segment", contract.Event{Key: "./a", Content: str("x")}, "", `"." path segment`},
		{"trailing slash", contract.Event{Key: "dir/", Content: str("x")}, "", "folder marker"},
		{"no content", contract.Event{Key: "a"}, "", "neither is set"},
		{"both contents", contract.Event{Key: "a", Content: str("x"), ContentBase64: str("eA==")}, "", "not both"},
		{"bad base64", contract.Event{Key: "a", ContentBase64: str("not base64!")}, "", "content_base64 is not standard"},
		{"unpadded base64", contract.Event{Key: "a", ContentBase64: str("eA")}, "", "content_base64 is not standard"},
		{"url base64", contract.Event{Key: "a", ContentBase64: str("-_-_")}, "", "content_base64 is not standard"},
		{"content too large", contract.Event{Key: "a", Content: str(strings.Repeat("x", contract.MaxEventBytes+1))}, "", "the limit is 6291456"},
		{"eleven tags", contract.Event{Key: "a", Content: str("x"), Tags: tags(11)}, "", "at most 10"},
		{"empty tag key", contract.Event{Key: "a", Content: str("x"), Tags: map[string]string{"": "v"}}, "", "S3 allows 1 to 128"},
		{"tag key 129 chars", contract.Event{Key: "a", Content: str("x"), Tags: map[string]string{strings.Repeat("é", 129): "v"}}, "", "S3 allows 1 to 128"},
		{"tag value 257 chars", contract.Event{Key: "a", Content: str("x"), Tags: map[string]string{"k": strings.Repeat("v", 257)}}, "", "at most 256"},
		{"reserved tag key", contract.Event{Key: "a", Content: str("x"), Tags: map[string]string{"AWS:owner": "me"}}, "", "reserved"},
		{"tag key with star", contract.Event{Key: "a", Content: str("x"), Tags: map[string]string{"a*": "v"}}, "", "S3 allows letters"},
		{"tag value with ampersand", contract.Event{Key: "a", Content: str("x"), Tags: map[string]string{"a": "b&c=d"}}, "", "S3 allows letters"},
		{"tag value with tab", contract.Event{Key: "a", Content: str("x"), Tags: map[string]string{"a": "b\tc"}}, "", "S3 allows letters"},
		{"content type without subtype", contract.Event{Key: "a", Content: str("x"), ContentType: "text"}, "", "needs a type and a subtype"},
		{"content type with newline", contract.Event{Key: "a", Content: str("x"), ContentType: "text/plain\r\nX-Evil: 1"}, "", "printable ASCII"},
		{"content type too long", contract.Event{Key: "a", Content: str("x"), ContentType: "text/" + strings.Repeat("x", 300)}, "", "the limit is 256"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := validate(tt.ev, tt.prefix)
			checkInvalid(t, "validate", tt.ev.Key, err, tt.wantErr)
		})
	}
}

func TestValidateBuildsRequest(t *testing.T) {
	body := []byte{0, 1, 2, 0xff}
	b64 := base64.StdEncoding.EncodeToString(body)
	text := "héllo"
	tests := []struct {
		name string
		ev   contract.Event
		want request
	}{
		{"text gets a text type", contract.Event{Key: "a", Content: &text},
			request{key: "in/a", body: []byte(text), contentType: "text/plain; charset=utf-8"}},
		{"bytes get a binary type", contract.Event{Key: "a", ContentBase64: &b64, Overwrite: true},
			request{key: "in/a", body: body, contentType: "application/octet-stream", overwrite: true}},
		{"given type is kept", contract.Event{Key: "a", Content: &text, ContentType: "text/csv"},
			request{key: "in/a", body: []byte(text), contentType: "text/csv"}},
		{"tags are sorted and escaped", contract.Event{Key: "a", Content: &text, Tags: map[string]string{"z": "a b+c", "Été": "1/2", "a": ""}},
			request{key: "in/a", body: []byte(text), contentType: "text/plain; charset=utf-8", tagging: "a=&z=a%20b%2Bc&%C3%89t%C3%A9=1%2F2", tagCount: 3}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := validate(tt.ev, "in/")
			if err != nil {
				t.Fatalf("validate(%+v) error: %v", tt.ev, err)
			}
			if got.key != tt.want.key || string(got.body) != string(tt.want.body) || got.contentType != tt.want.contentType ||
				got.tagging != tt.want.tagging || got.tagCount != tt.want.tagCount || got.overwrite != tt.want.overwrite {
				t.Errorf("validate(%+v) = %+v, want %+v", tt.ev, *got, tt.want)
			}
		})
	}
}

func TestConfigValidate(t *testing.T) {
	tests := []struct {
		cfg     Config
		wantErr string
	}{
		{Config{Bucket: "my-bucket.2026"}, ""},
		{Config{Bucket: "abc", KeyPrefix: "uploads/"}, ""},
		{Config{}, "BUCKET_NAME is required"},
		{Config{Bucket: "ab"}, "3 to 63"},
		{Config{Bucket: strings.Repeat("a", 64)}, "3 to 63"},
		{Config{Bucket: "My_Bucket"}, "lower-case"},
		{Config{Bucket: "-abc"}, "start and end"},
		{Config{Bucket: "my..bucket"}, "two dots"},
		{Config{Bucket: "abc", KeyPrefix: "/uploads/"}, `KEY_PREFIX="/uploads/"`},
		{Config{Bucket: "abc", KeyPrefix: "../x/"}, `".." path segment`},
	}
	for _, tt := range tests {
		err := tt.cfg.Validate()
		if tt.wantErr == "" {
			if err != nil {
				t.Errorf("%+v.Validate() = %v, want nil", tt.cfg, err)
			}
			continue
		}
		if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
			t.Errorf("%+v.Validate() = %v, want an error containing %q", tt.cfg, err, tt.wantErr)
		}
	}
}

func TestConfigFromEnv(t *testing.T) {
	env := map[string]string{contract.EnvBucketName: "bucket", contract.EnvKeyPrefix: "p/"}
	cfg, err := ConfigFromEnv(func(k string) (string, bool) { v, ok := env[k]; return v, ok })
	if err != nil || cfg != (Config{Bucket: "bucket", KeyPrefix: "p/"}) {
		t.Errorf("ConfigFromEnv(%v) = %+v, %v; want {bucket p/}, nil", env, cfg, err)
	}
}

// checkInvalid asserts err is nil when want is empty, and otherwise an
// InvalidInput *Error whose message contains want.
func checkInvalid(t *testing.T, fn, in string, err error, want string) {
	t.Helper()
	if want == "" {
		if err != nil {
			t.Errorf("%s(%q) = %v, want no error", fn, in, err)
		}
		return
	}
	var e *Error
	if !errors.As(err, &e) || e.Type != contract.ErrInvalidInput {
		t.Fatalf("%s(%q) = %v (%T), want an InvalidInput *Error", fn, in, err, err)
	}
	if !strings.Contains(e.Error(), want) {
		t.Errorf("%s(%q) = %q, want it to contain %q", fn, in, e.Error(), want)
	}
}
