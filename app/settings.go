package main

import (
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"path/filepath"
	"slices"

	"github.com/privates3/privates3/app/config"
	"github.com/privates3/privates3/app/environments"
	"github.com/privates3/privates3/app/pipeline"
)

// settings is what the context asks the app to build: the default stack
// (cfg), or the environments of a file, with or without their pipeline.
type settings struct {
	cfg config.Config
	// file is the environments file's content, nil without one; given
	// is its name as the context gives it, path the same file made
	// absolute.
	file        *environments.File
	given, path string
	pipeline    bool
}

// load reads and checks every setting, from the context all (cdk.json's
// and the command line's) and from the environments file it names, before
// any construct exists: each problem is one line, and no bad value reaches
// a construct, whose invalid props panic.
func load(root string, all map[string]any) (settings, error) {
	get := func(key string) any { return all[key] }
	cfg, err := config.Parse(get)
	// The pipeline switch is read here, not by config.Parse.
	withPipeline, perr := pipeline.Enabled(get(pipeline.ContextKey))
	if err = errors.Join(err, perr, config.UnknownKeys(slices.Sorted(maps.Keys(all)), pipeline.ContextKey)); err != nil {
		return settings{}, err
	}
	s := settings{cfg: cfg, pipeline: withPipeline}
	if cfg.Environments == "" {
		if withPipeline {
			return settings{}, fmt.Errorf("context %q needs \"environments\": the pipeline deploys the environments of a file, and reads its own account, region and source from the file's \"pipeline\" object (see app/README.md, Pipeline)", pipeline.ContextKey)
		}
		return s, nil
	}
	s.given, s.path = cfg.Environments, cfg.Environments
	if !filepath.IsAbs(s.path) {
		s.path = filepath.Join(root, s.path)
	}
	var errs []error
	for _, k := range config.Keys {
		if _, set := all[k]; set && k != "environments" {
			errs = append(errs, fmt.Errorf("context %q is set together with \"environments\": set it per environment in %s instead", k, s.given))
		}
	}
	f, err := environments.LoadFile(s.path)
	if errors.Is(err, fs.ErrNotExist) {
		err = fmt.Errorf("context \"environments\" = %q: no such file (%s): give the path of an environments file, relative to the project folder, such as examples/environments.json", s.given, s.path)
	}
	if err == nil && withPipeline && f.Pipeline == nil {
		err = fmt.Errorf("%s: no \"pipeline\" object: give the pipeline's account, region, repository, branch and connectionArn (see app/README.md, Pipeline)", s.given)
	}
	if err = errors.Join(append(errs, err)...); err != nil {
		return settings{}, err
	}
	s.file = &f
	return s, nil
}
