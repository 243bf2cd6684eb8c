package gobuild

import (
	"testing"

	"github.com/privates3/privates3/constructs/internal/cdktest"
)

// This package links the CDK's bindings (Code returns a Lambda asset),
// whose jsii client creates a temporary folder as the packages initialize,
// although these tests never start it: cdktest.Main closes it, as for the
// constructs' own tests.
func TestMain(m *testing.M) { cdktest.Main(m, nil) }
