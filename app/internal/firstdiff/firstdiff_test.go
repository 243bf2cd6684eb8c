package firstdiff

import "testing"

func TestLines(t *testing.T) {
	for _, tt := range []struct {
		got, want, gl, wl string
		n                 int
		ok                bool
	}{
		{"a\nb\n", "a\nb\n", "", "", 0, false},
		{"a\nb\n", "a\nc\n", "b", "c", 2, true},
		{"a\n", "a\nb\n", "", "b", 2, true},
		{"a\nb\nc", "a\nb", "c", "(end of file)", 3, true},
	} {
		n, gl, wl, ok := Lines([]byte(tt.got), []byte(tt.want))
		if n != tt.n || gl != tt.gl || wl != tt.wl || ok != tt.ok {
			t.Errorf("Lines(%q, %q) = %d, %q, %q, %v; want %d, %q, %q, %v", tt.got, tt.want, n, gl, wl, ok, tt.n, tt.gl, tt.wl, tt.ok)
		}
	}
}
