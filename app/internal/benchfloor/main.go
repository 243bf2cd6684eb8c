// Command benchfloor is the floor the synth benchmark (.ci/bench) measures
// the app against: the same module and jsii start-up, an App, a synth of
// nothing. Whatever the app takes beyond this is ours to remove.
package main

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"

	"github.com/privates3/privates3/app/config"
)

func main() {
	config.QuietNode()
	defer jsii.Close()
	awscdk.NewApp(nil).Synth(nil)
}
