package pipeline

import (
	"fmt"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/pipelines"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"

	"github.com/privates3/privates3/app/stack"
	"github.com/privates3/privates3/constructs/functions"
	"github.com/privates3/privates3/constructs/nagsuppress"
)

// The check's rights, the only ones its role in the environment's account
// has, are what `postdeploy --drift` calls (app/postdeploy/probe: the
// StackReader, Invoker and DriftDetector it is given): DescribeStacks reads
// the outputs (the function names), InvokeFunction runs the two probes, and
// drift detection is DetectStackDrift, DescribeStackDriftDetectionStatus,
// DescribeStackResourceDrifts and ListStackResources. DetectStackResourceDrift
// too: "In order to successfully perform drift detection on a stack, a user
// must have the following permissions: [...] cloudformation:DetectStackDrift,
// cloudformation:DetectStackResourceDrift" (CloudFormation User Guide,
// "Detect unmanaged configuration changes to stacks and resources with drift
// detection", "Considerations when detecting drift").
//
// Scope, from the Service Authorization Reference, "Actions, resources, and
// condition keys for AWS CloudFormation", Actions table: DetectStackDrift,
// DetectStackResourceDrift, DescribeStackResourceDrifts and
// ListStackResources have resource type stack (so this stack's ARN);
// DescribeStackDriftDetectionStatus has none, and "If there is no value for
// this column, you must specify all resources ("*") to which the policy
// applies in the Resource element of your policy statement" (its request
// names a detection id, not a stack). The rows were read from a copy
// generated from that reference, the sentence from the page itself.
//
// No read rights on the stack's resources: the stack is deployed by the
// pipeline with the CDK bootstrap's CloudFormation execution role as its
// service role, and "When you specify a service role, CloudFormation always
// uses that role for all operations that are performed on that stack"
// (CloudFormation User Guide, "CloudFormation service role"), drift
// detection's reads included.

// whyDriftStatusOnAll is the reason for the check role's one wildcard.
const whyDriftStatusOnAll = "The check's cloudformation:DescribeStackDriftDetectionStatus (postdeploy --drift polls the detection it started): the Service Authorization Reference gives that action no resource type (its request names a detection id, not a stack), so it can only be allowed on *; it is read-only, and every other right of the check role is on this stack or its two functions."

// Check is one environment's post-deploy check in the pipeline.
//
// The check runs in the pipeline's account, the stack is in the
// environment's. The environment's stack makes a role for the check
// (TargetRole, named TargetRoleName) that may describe that one stack,
// detect its drift and invoke its uploader and control, nothing else
// (the rights above), and that only the check
// step's role can assume: its trust names the pipeline's account, with
// aws:PrincipalArn equal to the step role's ARN (a condition rather than
// the role as principal, so a re-created step role is still trusted; IAM
// User Guide, "AWS global condition context keys", aws:PrincipalArn). The
// step's role (StepRole, named StepRoleName, in the pipeline's stack) may
// assume that one role and gets no CloudFormation or Lambda rights of its
// own; the check runs with --role-arn. Both names are fixed because each
// side must name the other before either exists.
type Check struct {
	TargetRole awsiam.Role
	StepRole   awsiam.Role
	// TargetRoleArn is the target role's ARN as the pipeline's stack
	// writes it (the step's CHECK_ROLE_ARN).
	TargetRoleArn *string
}

// TargetRoleName is the name of the check's role in env's account.
func TargetRoleName(env string) string { return "PrivateS3-" + env + "-postdeploy-check" }

// StepRoleName is the name of env's check step role in the pipeline's
// account.
func StepRoleName(env string) string { return StackName + "-check-" + env }

func newCheck(pipelineStack awscdk.Stack, e stack.EnvStage, pipelineAccount string) *Check {
	name := e.Env.Name
	envStack := e.Stack.Stack

	// In the environment's stack.
	stepArn := awscdk.Arn_Format(&awscdk.ArnComponents{
		Service: jsii.String("iam"), Region: jsii.String(""), Account: jsii.String(pipelineAccount),
		Resource: jsii.String("role"), ResourceName: jsii.String(StepRoleName(name)),
	}, envStack)
	c := constructs.NewConstruct(envStack, jsii.String("PostDeployCheck"))
	target := awsiam.NewRole(c, jsii.String("Role"), &awsiam.RoleProps{
		RoleName: jsii.String(TargetRoleName(name)),
		AssumedBy: awsiam.NewPrincipalWithConditions(awsiam.NewAccountPrincipal(jsii.String(pipelineAccount)), &map[string]interface{}{
			"ArnEquals": map[string]interface{}{"aws:PrincipalArn": stepArn},
		}),
		Description: jsii.String("The pipeline's post-deploy check (" + StepRoleName(name) + " in " + pipelineAccount + "): describe this stack, invoke its uploader and control, detect the stack's drift"),
	})
	var probes []*string
	for _, f := range []*functions.Function{e.Stack.Uploader, e.Stack.Control} {
		if f != nil {
			probes = append(probes, f.Function.FunctionArn())
		}
	}
	statements := []awsiam.PolicyStatement{
		awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Sid:       jsii.String("DescribeThisStack"),
			Actions:   jsii.Strings("cloudformation:DescribeStacks"),
			Resources: &[]*string{envStack.StackId()},
		}),
		awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Sid: jsii.String("DetectDriftOfThisStack"),
			Actions: jsii.Strings("cloudformation:DetectStackDrift", "cloudformation:DetectStackResourceDrift",
				"cloudformation:DescribeStackResourceDrifts", "cloudformation:ListStackResources"),
			Resources: &[]*string{envStack.StackId()},
		}),
		awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Sid:       jsii.String("ReadDriftDetectionStatus"),
			Actions:   jsii.Strings("cloudformation:DescribeStackDriftDetectionStatus"),
			Resources: jsii.Strings("*"),
		}),
	}
	// No function: the environment's VPC lookup is pending (stack.New
	// adds nothing until the CLI has answered it and runs the app again,
	// and that run writes this statement); the synth cannot end here.
	if len(probes) > 0 {
		statements = append(statements, awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Sid:       jsii.String("InvokeTheProbes"),
			Actions:   jsii.Strings("lambda:InvokeFunction"),
			Resources: &probes,
		}))
	}
	// A customer managed policy, as the functions' rights are: not inline
	// (the HIPAA, NIST and PCI packs ask it), and one place to read them.
	rights := awsiam.NewManagedPolicy(c, jsii.String("Rights"), &awsiam.ManagedPolicyProps{
		Roles:      &[]awsiam.IRole{target},
		Statements: &statements,
	})
	nagsuppress.On(rights, true, &cdknag.NagPackSuppression{
		Id: jsii.String("AwsSolutions-IAM5"), Reason: jsii.String(whyDriftStatusOnAll), AppliesTo: &[]interface{}{"Resource::*"},
	})

	// In the pipeline's stack.
	targetArn := awscdk.Arn_Format(&awscdk.ArnComponents{
		Service: jsii.String("iam"), Region: jsii.String(""), Account: jsii.String(e.Env.Account),
		Resource: jsii.String("role"), ResourceName: jsii.String(TargetRoleName(name)),
	}, pipelineStack)
	sc := constructs.NewConstruct(pipelineStack, jsii.String("PostDeployCheck-"+name))
	step := awsiam.NewRole(sc, jsii.String("Role"), &awsiam.RoleProps{
		RoleName:    jsii.String(StepRoleName(name)),
		AssumedBy:   awsiam.NewServicePrincipal(jsii.String("codebuild.amazonaws.com"), nil),
		Description: jsii.String("The post-deploy check step of " + name + ": assumes " + TargetRoleName(name) + " in " + e.Env.Account + " and nothing else of its own"),
	})
	awsiam.NewManagedPolicy(sc, jsii.String("AssumeCheckRole"), &awsiam.ManagedPolicyProps{
		Roles: &[]awsiam.IRole{step},
		Statements: &[]awsiam.PolicyStatement{awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Sid:       jsii.String("AssumeTheCheckRole"),
			Actions:   jsii.Strings("sts:AssumeRole"),
			Resources: &[]*string{targetArn},
		})},
	})
	return &Check{TargetRole: target, StepRole: step, TargetRoleArn: targetArn}
}

// step is the check as a pipeline step after env's stage: the check built
// by the synth step (bin), run with the target role.
func (c *Check) step(e stack.EnvStage, bin pipelines.FileSet) pipelines.Step {
	return pipelines.NewCodeBuildStep(jsii.String("PostDeployCheck"), &pipelines.CodeBuildStepProps{
		Input: bin,
		Commands: jsii.Strings(
			// CodePipeline's artifacts may not keep the executable bit.
			"chmod +x postdeploy",
			fmt.Sprintf(`./postdeploy --stack %s --region %s --role-arn "$CHECK_ROLE_ARN" --drift`, stackName(e), e.Env.Region),
		),
		Env:  &map[string]*string{"CHECK_ROLE_ARN": c.TargetRoleArn},
		Role: c.StepRole,
	})
}
