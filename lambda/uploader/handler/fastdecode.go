package handler

import (
	"encoding/binary"
	"unicode/utf8"

	"github.com/privates3/privates3/lambda/uploader/contract"
)

// decodeFast decodes the common shape of an event several times faster than
// encoding/json, whose byte-at-a-time scanner costs about 4 ms per MiB of
// content: more than the handler's whole overhead budget against a direct
// PutObject. It accepts only a plain subset: exact field names, each at most
// once; string values without escapes, control characters or invalid UTF-8;
// true/false for overwrite. For anything else it reports ok=false and
// DecodeEvent falls back to encoding/json, which gives the same result or
// the precise error. FuzzDecodeEvent checks that both agree.
func decodeFast(p []byte) (ev contract.Event, ok bool) {
	d := fastDecoder{p: p}
	d.ws()
	if !d.byte('{') {
		return ev, false
	}
	var seen [6]bool
	d.ws()
	if !d.byte('}') {
		for {
			d.ws()
			name, ok := d.str()
			if !ok {
				return ev, false
			}
			d.ws()
			if !d.byte(':') {
				return ev, false
			}
			d.ws()
			var field int
			switch name {
			case "key":
				field = 0
				ev.Key, ok = d.str()
			case "content":
				field = 1
				var s string
				s, ok = d.str()
				ev.Content = &s
			case "content_base64":
				field = 2
				var s string
				s, ok = d.str()
				ev.ContentBase64 = &s
			case "content_type":
				field = 3
				ev.ContentType, ok = d.str()
			case "tags":
				field = 4
				ev.Tags, ok = d.tags()
			case "overwrite":
				field = 5
				ev.Overwrite, ok = d.boolean()
			default:
				return ev, false
			}
			if !ok || seen[field] {
				return ev, false
			}
			seen[field] = true
			d.ws()
			if d.byte('}') {
				break
			}
			if !d.byte(',') {
				return ev, false
			}
		}
	}
	d.ws()
	return ev, d.i == len(d.p)
}

type fastDecoder struct {
	p []byte
	i int
}

// ws skips JSON whitespace.
func (d *fastDecoder) ws() {
	for d.i < len(d.p) {
		switch d.p[d.i] {
		case ' ', '\t', '\n', '\r':
			d.i++
		default:
			return
		}
	}
}

func (d *fastDecoder) byte(c byte) bool {
	if d.i < len(d.p) && d.p[d.i] == c {
		d.i++
		return true
	}
	return false
}

// str reads a string that needs no unescaping.
func (d *fastDecoder) str() (string, bool) {
	if !d.byte('"') {
		return "", false
	}
	start := d.i
	end := start + plainPrefix(d.p[start:])
	if end >= len(d.p) || d.p[end] != '"' || !utf8.Valid(d.p[start:end]) {
		return "", false
	}
	d.i = end + 1
	return string(d.p[start:end]), true
}

func (d *fastDecoder) boolean() (bool, bool) {
	rest := d.p[d.i:]
	switch {
	case len(rest) >= 4 && string(rest[:4]) == "true":
		d.i += 4
		return true, true
	case len(rest) >= 5 && string(rest[:5]) == "false":
		d.i += 5
		return false, true
	}
	return false, false
}

func (d *fastDecoder) tags() (map[string]string, bool) {
	if !d.byte('{') {
		return nil, false
	}
	m := map[string]string{}
	d.ws()
	if d.byte('}') {
		return m, true
	}
	for {
		d.ws()
		k, ok := d.str()
		if !ok {
			return nil, false
		}
		d.ws()
		if !d.byte(':') {
			return nil, false
		}
		d.ws()
		v, ok := d.str()
		if !ok {
			return nil, false
		}
		if _, dup := m[k]; dup {
			return nil, false
		}
		m[k] = v
		d.ws()
		if d.byte('}') {
			return m, true
		}
		if !d.byte(',') {
			return nil, false
		}
	}
}

// plainPrefix returns the length of the longest prefix of b without '"',
// '\\' or a control character (< 0x20), eight bytes at a time.
func plainPrefix(b []byte) int {
	const (
		ones  = 0x0101010101010101
		highs = 0x8080808080808080
	)
	i := 0
	for ; i+8 <= len(b); i += 8 {
		x := binary.LittleEndian.Uint64(b[i:])
		q := x ^ (ones * '"')
		s := x ^ (ones * '\\')
		// The high bit of a byte is set where it is < 0x20, or zero after
		// the XORs (a quote or backslash). Bytes >= 0x80 cannot produce a
		// false match because ^x masks them out.
		hit := ((x - ones*0x20) & ^x) | ((q - ones) & ^q) | ((s - ones) & ^s)
		if hit&highs != 0 {
			break
		}
	}
	for ; i < len(b); i++ {
		if c := b[i]; c < 0x20 || c == '"' || c == '\\' {
			return i
		}
	}
	return i
}
