package stack

import (
	"slices"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"

	"github.com/privates3/privates3/app/config"
	"github.com/privates3/privates3/app/environments"
)

// EnvStage is one environment's stage and its stack.
type EnvStage struct {
	Env    environments.Env
	Config config.Config
	Stage  awscdk.Stage
	Stack  *Stack
}

// NewEnvironments adds one stage per environment to app, in the file's
// order, each with a concrete environment, so VPC and prefix-list lookups
// happen at synth and are cached in cdk.context.json. An environment whose
// new endpoint another environment allows publishes its id to SSM
// (environments.EndpointParameter) for that one to read when it deploys.
func NewEnvironments(app awscdk.App, envs []environments.Env, root string) []EnvStage {
	cfgs := make([]config.Config, len(envs))
	for i, e := range envs {
		cfgs[i] = e.Config(envs)
	}
	for i, e := range envs {
		for _, c := range cfgs {
			if slices.Contains(c.EndpointParameters, environments.EndpointParameter(e.Name)) {
				cfgs[i].PublishEndpoint = environments.EndpointParameter(e.Name)
			}
		}
	}
	out := make([]EnvStage, 0, len(envs))
	for i, e := range envs {
		stage := awscdk.NewStage(app, jsii.String(e.Name), &awscdk.StageProps{
			Env: &awscdk.Environment{Account: jsii.String(e.Account), Region: jsii.String(e.Region)},
		})
		out = append(out, EnvStage{Env: e, Config: cfgs[i], Stage: stage, Stack: New(stage, cfgs[i], root)})
	}
	return out
}
