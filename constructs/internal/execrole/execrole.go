// Package execrole makes the execution role of this module's Lambda
// functions (the uploader, the control, the canary's prover) one way: a
// role only Lambda can assume, whose rights are one customer managed
// policy that lets the function write its own log group's streams and
// do what the caller adds. Least privilege (AWS's Lambda managed policies
// grant logs:CreateLogGroup and PutLogEvents on every log group), and not
// inline, as the HIPAA, NIST and PCI packs of cdk-nag ask.
package execrole

import (
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
)

// New creates the role (construct id roleID) and its rights (id "Rights")
// in scope: the statement WriteItsLogs on logs, then statements.
func New(scope constructs.Construct, roleID, description string, logs awslogs.ILogGroup, statements ...awsiam.PolicyStatement) (awsiam.Role, awsiam.ManagedPolicy) {
	role := awsiam.NewRole(scope, jsii.String(roleID), &awsiam.RoleProps{
		AssumedBy:   awsiam.NewServicePrincipal(jsii.String("lambda.amazonaws.com"), nil),
		Description: jsii.String(description),
	})
	all := append([]awsiam.PolicyStatement{awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:       jsii.String("WriteItsLogs"),
		Actions:   jsii.Strings("logs:CreateLogStream", "logs:PutLogEvents"),
		Resources: &[]*string{logs.LogGroupArn()},
	})}, statements...)
	rights := awsiam.NewManagedPolicy(scope, jsii.String("Rights"), &awsiam.ManagedPolicyProps{
		Roles:      &[]awsiam.IRole{role},
		Statements: &all,
	})
	return role, rights
}
