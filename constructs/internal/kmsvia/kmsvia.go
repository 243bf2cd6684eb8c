// Package kmsvia holds the one spelling of the condition every key grant of
// the constructs carries: the key may be used only in requests Amazon S3
// makes on the caller's behalf, never directly.
package kmsvia

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"
)

// S3 is the kms:ViaService value of requests Amazon S3 makes to KMS in the
// stack's region: s3.<region>.amazonaws.com (AWS KMS Developer Guide,
// "kms:ViaService": "the AWS service name ... for example,
// s3.us-east-1.amazonaws.com").
func S3() *string {
	return awscdk.Fn_Sub(jsii.String("s3.${AWS::Region}.amazonaws.com"), nil)
}
