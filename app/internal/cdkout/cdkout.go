// Package cdkout finds the templates the project's review commands read
// when none are named: the ones `npm run synth` wrote to cdk.out.
package cdkout

import (
	"errors"
	"path/filepath"
)

// Templates returns args, or cdk.out/*.template.json when args is empty.
func Templates(args []string) ([]string, error) {
	if len(args) > 0 {
		return args, nil
	}
	files, _ := filepath.Glob(filepath.Join("cdk.out", "*.template.json"))
	if len(files) == 0 {
		return nil, errors.New("no templates given and none in cdk.out/: run `npm run synth` first, or name the templates")
	}
	return files, nil
}
