package stack_test

import (
	"fmt"
	"testing"

	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/privates3/privates3/app/config"
	"github.com/privates3/privates3/app/stack"
)

// BenchmarkExtraConfiguration is what each further configuration costs a
// test binary once jsii is up and the handler is bundled: a new app, the
// stack, a synth, the template read back.
func BenchmarkExtraConfiguration(b *testing.B) { benchSynth(b, stack.New) }

// BenchmarkExtraConfigurationWithoutNag is the same without cdk-nag's five
// packs: the difference is what the packs cost each synth.
func BenchmarkExtraConfigurationWithoutNag(b *testing.B) { benchSynth(b, stack.Compose) }

func benchSynth(b *testing.B, build func(constructs.Construct, config.Config, string) *stack.Stack) {
	t := &testing.T{}
	synth(t, nil) // start jsii and bundle the handler outside the timing
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		app := newApp(map[string]any{"stage": fmt.Sprintf("bench%d", i)})
		cfg, err := config.Parse(func(k string) any { return app.Node().TryGetContext(jsii.String(k)) })
		if err != nil {
			b.Fatal(err)
		}
		build(app, cfg, root)
		app.Synth(nil)
	}
}
