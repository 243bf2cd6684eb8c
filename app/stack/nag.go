package stack

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"
)

// ApplyNagPacks runs cdk-nag's AwsSolutions, HIPAA Security, NIST 800-53
// R5, PCI DSS 3.2.1 and Serverless rule packs over scope at synth. A
// finding is an error or warning annotation on the resource; a suppression
// sits next to the construct it concerns, with its reason.
func ApplyNagPacks(scope constructs.IConstruct) {
	props := &cdknag.NagPackProps{Verbose: jsii.Bool(true)}
	for _, pack := range []awscdk.IAspect{
		cdknag.NewAwsSolutionsChecks(props),
		cdknag.NewHIPAASecurityChecks(props),
		cdknag.NewNIST80053R5Checks(props),
		cdknag.NewPCIDSS321Checks(props),
		cdknag.NewServerlessChecks(props),
	} {
		awscdk.Aspects_Of(scope).Add(pack, nil)
	}
}
