// Package token holds the one check every construct here makes before it
// validates a value: whether it is a CDK token resolved only at deploy time,
// in which case there is nothing to check at synth.
package token

import "github.com/aws/aws-cdk-go/awscdk/v2"

// Unresolved reports whether s is a token (such as a Ref) rather than a
// literal value.
func Unresolved(s *string) bool {
	return s != nil && *awscdk.Token_IsUnresolved(s)
}
