// Package gobuild turns a Go Lambda handler's directory into the function's
// code: a bootstrap binary built on the synthesizing machine for Lambda's
// arm64 Linux (provided.al2023), once per source hash, and handed to CDK
// as an asset named by that hash. Both packages that deploy handlers, the
// functions (lambda/uploader) and the canary (lambda/prover), use it, so a
// handler is built, cached and hashed one way.
package gobuild

import (
	"fmt"
	"sync"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3assets"
	"github.com/aws/jsii-runtime-go"
)

// Code builds the handler whose main package is in dir (or reuses its
// build) and returns it as the function's code with Handler "bootstrap".
// The error names dir and what failed.
func Code(dir string) (awslambda.Code, error) {
	hash, err := sourceHash(dir)
	if err != nil {
		return nil, fmt.Errorf("Entry %q: cannot read the handler's sources: %w", dir, err)
	}
	// Built here, not by a bundling image: Go is on the machine that
	// synthesizes, and the hash names the build, so an unchanged handler
	// is built once per machine.
	bootstrap, err := bootstrapDir(dir, hash)
	if err != nil {
		return nil, fmt.Errorf("Entry %q: cannot build the handler: %w", dir, err)
	}
	return awslambda.Code_FromAsset(jsii.String(bootstrap), &awss3assets.AssetOptions{
		AssetHashType: awscdk.AssetHashType_CUSTOM,
		AssetHash:     jsii.String(hash),
	}), nil
}

// Default returns the directory of this module's handler lambda/<name>
// (uploader, prover), found once per process: beside this package's source,
// or, when that path is not a file here (-trimpath, another machine),
// through the binary's build information or go list (handlerDir).
func Default(name string) (string, error) {
	f, _ := defaults.LoadOrStore(name, sync.OnceValues(func() (string, error) {
		return handlerDir(callerFile(), name)
	}))
	return f.(func() (string, error))()
}

var defaults sync.Map // name -> func() (string, error)
