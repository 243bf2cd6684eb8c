// Package nagsuppress is the one way this project writes a cdk-nag
// suppression: a rule id, a reason a reviewer can read, and for rules with
// findings the findings it covers (appliesTo), put on the construct it
// concerns.
package nagsuppress

import (
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"
)

// Rule suppresses rule id for reason, narrowed to the findings that match
// one of appliesTo (cdk-nag regular expressions, written /.../) when given.
func Rule(id, reason string, appliesTo ...string) *cdknag.NagPackSuppression {
	s := &cdknag.NagPackSuppression{Id: jsii.String(id), Reason: jsii.String(reason)}
	if len(appliesTo) > 0 {
		a := make([]interface{}, 0, len(appliesTo))
		for _, x := range appliesTo {
			a = append(a, &cdknag.RegexAppliesTo{Regex: jsii.String(x)})
		}
		s.AppliesTo = &a
	}
	return s
}

// On puts the suppressions on c (a construct or its resource), and with
// children on every resource below it. cdk-nag takes the first suppression
// that applies to a finding (its id, and its appliesTo when given).
func On(c constructs.IConstruct, children bool, s ...*cdknag.NagPackSuppression) {
	cdknag.NagSuppressions_AddResourceSuppressions(c, &s, jsii.Bool(children))
}

// LogGroupNotCMK suppresses the three packs' "log group not encrypted with
// a customer managed key" on logs, for reason.
func LogGroupNotCMK(logs constructs.IConstruct, reason string) {
	On(logs, false,
		Rule("HIPAA.Security-CloudWatchLogGroupEncrypted", reason),
		Rule("NIST.800.53.R5-CloudWatchLogGroupEncrypted", reason),
		Rule("PCI.DSS.321-CloudWatchLogGroupEncrypted", reason),
	)
}
