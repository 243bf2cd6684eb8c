package gobuild

import "testing"

// BenchmarkSourceHash is the handler's source hash as a synth pays it (a
// new process: the in-process memo does not apply), with go list's answer
// cached (the common case) and without (a changed import graph, or the
// first synth).
func BenchmarkSourceHash(b *testing.B) {
	b.Setenv("PRIVATES3_BUILD_CACHE", b.TempDir())
	for _, c := range []struct {
		name string
		hash func(string) (string, error)
	}{{"cached", computeSourceHash}, {"golist", func(e string) (string, error) {
		_, _, err := handlerDeps(e)
		return "", err
	}}} {
		b.Run(c.name, func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				if _, err := c.hash("../../../lambda/uploader"); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
