package storage_test

import (
	"fmt"
	"sort"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/jsii-runtime-go"

	"github.com/privates3/privates3/constructs/storage"
)

// A bucket usable only through an S3 gateway endpoint, encrypted with a
// customer managed key. The endpoint id is usually a PrivateNetwork's
// EndpointId (package network); any S3 gateway endpoint of the region works.
func ExampleNewPrivateBucket() {
	app := awscdk.NewApp(nil)
	stack := awscdk.NewStack(app, jsii.String("Storage"), nil)
	bucket := storage.NewPrivateBucket(stack, jsii.String("Private"), &storage.PrivateBucketProps{
		AllowedEndpointIds: *jsii.Strings("vpce-0123456789abcdef0"),
		KmsEncryption:      true,
	})
	fmt.Println("key created:", bucket.Key != nil)

	// What the template holds.
	template := *assertions.Template_FromStack(stack, nil).ToJSON()
	for _, r := range template["Resources"].(map[string]any) {
		r := r.(map[string]any)
		props, _ := r["Properties"].(map[string]any)
		switch r["Type"] {
		case "AWS::KMS::Key":
			fmt.Println("key rotation:", props["EnableKeyRotation"])
		case "AWS::S3::Bucket":
			if props["LoggingConfiguration"] == nil {
				continue // the access-log bucket
			}
			sse := props["BucketEncryption"].(map[string]any)["ServerSideEncryptionConfiguration"].([]any)[0].(map[string]any)
			fmt.Println("encryption:", sse["ServerSideEncryptionByDefault"].(map[string]any)["SSEAlgorithm"], "with bucket key:", sse["BucketKeyEnabled"])
			var rules []string
			for _, rule := range props["LifecycleConfiguration"].(map[string]any)["Rules"].([]any) {
				rules = append(rules, rule.(map[string]any)["Id"].(string))
			}
			fmt.Println("lifecycle:", rules)
		case "AWS::S3::BucketPolicy":
			var denies []string
			for _, s := range props["PolicyDocument"].(map[string]any)["Statement"].([]any) {
				if s := s.(map[string]any); s["Effect"] == "Deny" && s["Sid"] != nil {
					denies = append(denies, s["Sid"].(string))
				}
			}
			if len(denies) > 2 { // the private bucket's, not the log bucket's
				sort.Strings(denies)
				fmt.Println("denies:", denies)
			}
		}
	}
	// Unordered output:
	// key created: true
	// key rotation: true
	// encryption: aws:kms with bucket key: true
	// lifecycle: [AbortIncompleteUploads ExpireNoncurrentVersions]
	// denies: [DenyBucketOutsideEndpointExceptDeployment DenyInsecureTransport DenyNotSigV4 DenyObjectsOutsideEndpoint DenyTlsBelow1_2]
}
