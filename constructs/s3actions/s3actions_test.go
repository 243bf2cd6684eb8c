package s3actions

import (
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/privates3/privates3/constructs/s3actions/internal/gen"
)

// TestGenerated regenerates the table from the pinned npm package and
// compares it with the committed table.go byte for byte. CI runs npm ci
// before go test, so it runs there.
func TestGenerated(t *testing.T) {
	root, err := gen.Root(".")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(root, gen.PackageDir)); err != nil {
		t.Skipf("%s is absent: run npm ci first", gen.PackageDir)
	}
	want, err := gen.Generate(root)
	if err != nil {
		t.Fatalf("Generate(%q): %v", root, err)
	}
	got, err := os.ReadFile("table.go")
	if err != nil {
		t.Fatal(err)
	}
	// The module's own first-line finder (app/internal/firstdiff) is not
	// importable from constructs/; git diff shows the difference instead.
	if !bytes.Equal(got, want) {
		t.Fatalf("table.go is not what %s yields: run go generate ./constructs/s3actions and read git diff", gen.Package)
	}
}

// The Service Authorization Reference, "Actions, resources, and condition
// keys for Amazon S3"
// (https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazons3.html),
// table "Actions defined by Amazon S3": the access level and the resource
// types of each action. These rows are the ones this project's policies
// rest on, checked against that page rather than against the generator.
func TestReferenceRows(t *testing.T) {
	tests := []struct {
		action      string
		accessLevel string
		bucket      bool // the bucket resource type: arn:${Partition}:s3:::${BucketName}
		object      bool // the object resource type: arn:${Partition}:s3:::${BucketName}/${ObjectName}
		none        bool // no resource type: the action takes only "*"
	}{
		// GetObject: resource types object and accesspointobject.
		{action: "s3:GetObject", accessLevel: "Read", object: true},
		// PutObject: resource types object and accesspointobject.
		{action: "s3:PutObject", accessLevel: "Write", object: true},
		// ListBucket: resource types bucket and accesspoint; it lists
		// the objects but is granted on the bucket, not on bucket/*.
		{action: "s3:ListBucket", accessLevel: "List", bucket: true},
		// PutBucketPolicy, DeleteBucketPolicy, GetBucketPolicy: bucket.
		{action: "s3:PutBucketPolicy", bucket: true},
		{action: "s3:DeleteBucketPolicy", bucket: true},
		{action: "s3:GetBucketPolicy", accessLevel: "Read", bucket: true},
		// ListAllMyBuckets: no resource type; only "*".
		{action: "s3:ListAllMyBuckets", accessLevel: "List", none: true},
	}
	for _, tt := range tests {
		t.Run(tt.action, func(t *testing.T) {
			a, ok := Lookup(tt.action)
			if !ok {
				t.Fatalf("Lookup(%q) found nothing", tt.action)
			}
			if a.Name != tt.action {
				t.Errorf("Lookup(%q).Name = %q, want %q", tt.action, a.Name, tt.action)
			}
			if tt.accessLevel != "" && a.AccessLevel != tt.accessLevel {
				t.Errorf("Lookup(%q).AccessLevel = %q, want %q", tt.action, a.AccessLevel, tt.accessLevel)
			}
			if got := a.Takes("bucket"); got != tt.bucket {
				t.Errorf("Lookup(%q).Takes(bucket) = %v, want %v (resource types %v)", tt.action, got, tt.bucket, a.ResourceTypes)
			}
			if got := a.Takes("object"); got != tt.object {
				t.Errorf("Lookup(%q).Takes(object) = %v, want %v (resource types %v)", tt.action, got, tt.object, a.ResourceTypes)
			}
			if got := len(a.ResourceTypes) == 0; got != tt.none {
				t.Errorf("Lookup(%q) takes only \"*\" = %v, want %v (resource types %v)", tt.action, got, tt.none, a.ResourceTypes)
			}
			if got := contains(BucketLevel(), tt.action); got != tt.bucket {
				t.Errorf("BucketLevel() has %s = %v, want %v", tt.action, got, tt.bucket)
			}
			if got := contains(ObjectLevel(), tt.action); got != tt.object {
				t.Errorf("ObjectLevel() has %s = %v, want %v", tt.action, got, tt.object)
			}
		})
	}
}

// The same page, table "Resource types defined by Amazon S3".
func TestResourceARNs(t *testing.T) {
	arns := ResourceARNs()
	for rt, want := range map[string]string{
		"bucket": "arn:${Partition}:s3:::${BucketName}",
		"object": "arn:${Partition}:s3:::${BucketName}/${ObjectName}",
	} {
		if got := arns[rt]; got != want {
			t.Errorf("ResourceARNs()[%q] = %q, want %q", rt, got, want)
		}
	}
}

// IAM matches action names case-insensitively; CloudFormation's own
// AWS::S3::Bucket schema spells one "S3:GetBucketWebsite".
func TestLookupIgnoresCase(t *testing.T) {
	for _, name := range []string{"S3:GetBucketWebsite", "s3:getbucketwebsite"} {
		a, ok := Lookup(name)
		if !ok || a.Name != "s3:GetBucketWebsite" {
			t.Errorf("Lookup(%q) = %q, %v, want s3:GetBucketWebsite, true", name, a.Name, ok)
		}
	}
	for _, name := range []string{"s3:DeleteBucketCors", "s3tables:GetTable", "GetObject", ""} {
		if a, ok := Lookup(name); ok {
			t.Errorf("Lookup(%q) = %q, true, want not found", name, a.Name)
		}
	}
}

// What the package doc promises of the table as a whole.
func TestTableShape(t *testing.T) {
	all := All()
	if len(all) < 100 {
		t.Fatalf("len(All()) = %d, want the whole S3 table", len(all))
	}
	if !slices.IsSortedFunc(all, func(a, b Action) int { return strings.Compare(strings.ToLower(a.Name), strings.ToLower(b.Name)) }) {
		t.Error("All() is not sorted by name")
	}
	arns := ResourceARNs()
	seen := map[string]bool{}
	for _, a := range all {
		if !strings.HasPrefix(a.Name, "s3:") || seen[strings.ToLower(a.Name)] {
			t.Errorf("All() has %q: want unique names with the prefix s3:", a.Name)
		}
		seen[strings.ToLower(a.Name)] = true
		if a.Takes("bucket") && a.Takes("object") {
			t.Errorf("%s takes both bucket and object; the package doc says no action does", a.Name)
		}
		if !slices.IsSorted(a.ResourceTypes) {
			t.Errorf("%s: resource types %v are not sorted", a.Name, a.ResourceTypes)
		}
		for _, rt := range a.ResourceTypes {
			if _, ok := arns[rt]; !ok {
				t.Errorf("%s: resource type %q has no ARN format", a.Name, rt)
			}
		}
	}
	if n, b, o := len(all), len(BucketLevel()), len(ObjectLevel()); b == 0 || o == 0 || b+o >= n {
		t.Errorf("All, BucketLevel, ObjectLevel have %d, %d, %d actions, want some of each and others besides", n, b, o)
	}
	// The helpers hand out copies: a caller cannot change the table.
	all[0].ResourceTypes = append(all[0].ResourceTypes[:0:0], "changed")
	BucketLevel()[0].ResourceTypes[0] = "changed"
	if a := All(); slices.Contains(a[0].ResourceTypes, "changed") || slices.Contains(BucketLevel()[0].ResourceTypes, "changed") {
		t.Error("changing a returned Action changed the table")
	}
}

func contains(actions []Action, name string) bool {
	return slices.ContainsFunc(actions, func(a Action) bool { return a.Name == name })
}
