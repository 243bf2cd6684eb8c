// Package warn adds an acknowledgeable warning to a construct with every
// aws-cdk-go this module supports.
//
// Annotations.AddWarningV2 takes (id, message) in aws-cdk-go v2.257.0 and
// (id, message, options) in v2.277.0 (WarningOptions was added between), so a
// direct call compiles against one side of that change only. A library's
// users get the newest aws-cdk-go any module of theirs asks for (Go's
// minimal version selection), so the call is made by reflection, with the
// options left nil where the method takes them.
package warn

import (
	"reflect"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
)

// Add puts a warning with id (acknowledgeable with
// Annotations.AcknowledgeWarning) and message on c.
func Add(c constructs.IConstruct, id, message string) {
	m := reflect.ValueOf(awscdk.Annotations_Of(c)).MethodByName("AddWarningV2")
	if !m.IsValid() {
		// Not expected in any aws-cdk-go v2 since v2.92: a warning without
		// an id is still a warning.
		awscdk.Annotations_Of(c).AddWarning(jsii.String(message + " [" + id + "]"))
		return
	}
	args := []reflect.Value{reflect.ValueOf(jsii.String(id)), reflect.ValueOf(jsii.String(message))}
	for i := len(args); i < m.Type().NumIn(); i++ {
		args = append(args, reflect.Zero(m.Type().In(i)))
	}
	m.Call(args)
}
