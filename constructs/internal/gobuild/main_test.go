package gobuild

import (
	"os"
	"testing"

	"github.com/aws/jsii-runtime-go"
)

func TestMain(m *testing.M) {
	code := m.Run()
	// This package links the CDK's bindings (Code returns a Lambda asset),
	// whose jsii client creates a temporary folder as the packages
	// initialize, although these tests never start it: closing removes it.
	jsii.Close()
	os.Exit(code)
}
