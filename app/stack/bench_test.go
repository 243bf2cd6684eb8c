package stack_test

import (
	"fmt"
	"testing"

	"github.com/aws/jsii-runtime-go"

	"github.com/privates3/privates3/app/config"
	"github.com/privates3/privates3/app/stack"
)

// BenchmarkExtraConfiguration is what each further configuration costs a
// test binary once jsii is up and the handler is bundled: a new app, the
// stack, a synth, the template read back. cdk-nag's pass over the template
// is BenchmarkNagOverTemplate.
func BenchmarkExtraConfiguration(b *testing.B) {
	t := &testing.T{}
	synth(t, nil) // start jsii and bundle the handler outside the timing
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		app := newApp(map[string]any{"stage": fmt.Sprintf("bench%d", i)})
		cfg, err := config.Parse(func(k string) any { return app.Node().TryGetContext(jsii.String(k)) })
		if err != nil {
			b.Fatal(err)
		}
		stack.New(app, cfg, root)
		app.Synth(nil)
	}
}
