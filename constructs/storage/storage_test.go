package storage_test

// One jsii start-up for the package (about a second): every test reads the
// templates synthesized once in TestMain, and the refusals panic before
// they create anything, so they share one stack too. The example runs in
// the same process.

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3notifications"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssns"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/privates3/privates3/constructs/internal/cdktest"
	"github.com/privates3/privates3/constructs/storage"
)

const endpoint = "vpce-0123456789abcdef0"

var (
	// Templates of stacks holding one PrivateBucket each.
	bare    template // default props, in an app with no context at all
	withCdk template // default props, in an app with cdk.json's context
	kms     template // KMS, a cross-account writer, versions kept 30 days
	forever template // noncurrent versions kept forever
	objects template // Mode DenyObjectActions
)

const writer = "arn:aws:iam::210987654321:role/Writer"

func TestMain(m *testing.M) { cdktest.Main(m, setup) }

func setup() error {
	cdkJSON, err := cdktest.CdkJSONContext()
	if err != nil {
		return err
	}

	app := cdktest.NewApp(nil)
	bareStack := bucketStack(app, "Bare", &storage.PrivateBucketProps{AllowedEndpointIds: *jsii.Strings(endpoint)})
	kmsStack := bucketStack(app, "Kms", &storage.PrivateBucketProps{AllowedEndpointIds: *jsii.Strings(endpoint),
		KmsEncryption: true, CrossAccountWriterRoleArns: *jsii.Strings(writer), NoncurrentVersionExpiration: awscdk.Duration_Days(jsii.Number(30))})
	foreverStack := bucketStack(app, "Forever", &storage.PrivateBucketProps{AllowedEndpointIds: *jsii.Strings(endpoint), KeepNoncurrentVersions: true})
	objectsStack := bucketStack(app, "Objects", &storage.PrivateBucketProps{AllowedEndpointIds: *jsii.Strings(endpoint), Mode: storage.DenyObjectActions})
	bare, kms, forever, objects = synth(bareStack), synth(kmsStack), synth(foreverStack), synth(objectsStack)
	refusals = awscdk.NewStack(cdktest.NewApp(nil), jsii.String("Refusals"), nil)

	app = cdktest.NewApp(cdkJSON)
	withCdk = synth(bucketStack(app, "CdkJson", &storage.PrivateBucketProps{AllowedEndpointIds: *jsii.Strings(endpoint)}))
	return nil
}

func bucketStack(app awscdk.App, id string, props *storage.PrivateBucketProps) awscdk.Stack {
	st := awscdk.NewStack(app, jsii.String(id), nil)
	storage.NewPrivateBucket(st, jsii.String("Storage"), props)
	return st
}

// template is a synthesized stack of one PrivateBucket.
type template struct{ cdktest.Template }

func synth(st awscdk.Stack) template { return template{cdktest.Synth(st)} }

func (tp template) logBucketID(t *testing.T) string {
	t.Helper()
	id, _ := tp.One(t, "AWS::S3::Bucket", "StorageAccessLogs")
	return id
}

// statements returns a policy document's statements by Sid; CDK's log
// delivery statement has none and is keyed by its principal.
func statements(doc any) map[string]map[string]any {
	out := map[string]map[string]any{}
	for _, s := range doc.(map[string]any)["Statement"].([]any) {
		s := s.(map[string]any)
		key, _ := s["Sid"].(string)
		if key == "" {
			b, _ := json.Marshal(s["Principal"])
			key = s["Effect"].(string) + " " + string(b)
		}
		out[key] = s
	}
	return out
}

func TestSameSecurityWithoutContext(t *testing.T) {
	for name, tp := range map[string]template{"no context": bare, "cdk.json context": withCdk} {
		t.Run(name, func(t *testing.T) {
			for _, id := range []string{tp.BucketID(t), tp.logBucketID(t)} {
				b := tp.Resources("AWS::S3::Bucket")[id]["Properties"].(map[string]any)
				cdktest.Equal(t, id+" AccessControl", b["AccessControl"], nil)
				cdktest.Equal(t, id+" OwnershipControls", b["OwnershipControls"], map[string]any{"Rules": []any{map[string]any{"ObjectOwnership": "BucketOwnerEnforced"}}})
				cdktest.Equal(t, id+" PublicAccessBlockConfiguration", b["PublicAccessBlockConfiguration"], map[string]any{
					"BlockPublicAcls": true, "BlockPublicPolicy": true, "IgnorePublicAcls": true, "RestrictPublicBuckets": true})
				cdktest.Equal(t, id+" VersioningConfiguration", b["VersioningConfiguration"], map[string]any{"Status": "Enabled"})
			}
			bucketID := tp.BucketID(t)
			_, logs := tp.One(t, "AWS::S3::BucketPolicy", "StorageAccessLogsPolicy")
			delivery := statements(logs["PolicyDocument"])[`Allow {"Service":"logging.s3.amazonaws.com"}`]
			cdktest.Equal(t, "log delivery Action", delivery["Action"], "s3:PutObject")
			cdktest.Equal(t, "log delivery source", delivery["Condition"].(map[string]any)["ArnLike"], map[string]any{
				"aws:SourceArn": map[string]any{"Fn::GetAtt": []any{bucketID, "Arn"}}})
		})
	}
	// Beyond the properties above: the buckets, keys and policies are the
	// same resources whatever the app's flags.
	for _, typ := range []string{"AWS::S3::Bucket", "AWS::S3::BucketPolicy", "AWS::KMS::Key"} {
		cdktest.Equal(t, typ+" resources, no context vs cdk.json", bare.Resources(typ), withCdk.Resources(typ))
	}
}

// The bucket cleans up after itself whoever uses it: incomplete multipart
// uploads after 7 days, noncurrent versions after 90 days by default (and
// then the lone delete markers), or
// the days given, or never when asked. (With a lifecycle configuration
// the bucket passes Control Tower's CT.S3.PR.3 and CT.S3.PR.6.)
func TestLifecycle(t *testing.T) {
	abort := map[string]any{"Id": "AbortIncompleteUploads", "AbortIncompleteMultipartUpload": map[string]any{"DaysAfterInitiation": 7.0}, "Status": "Enabled"}
	expire := func(days float64) map[string]any {
		return map[string]any{"Id": "ExpireNoncurrentVersions", "NoncurrentVersionExpiration": map[string]any{"NoncurrentDays": days}, "ExpiredObjectDeleteMarker": true, "Status": "Enabled"}
	}
	for name, c := range map[string]struct {
		tp   template
		want []any
	}{
		"default":                      {bare, []any{abort, expire(90)}},
		"NoncurrentVersionExpiration":  {kms, []any{abort, expire(30)}},
		"KeepNoncurrentVersions: true": {forever, []any{abort}},
	} {
		_, b := c.tp.One(t, "AWS::S3::Bucket", c.tp.BucketID(t))
		cdktest.Equal(t, name+" lifecycle rules", b["LifecycleConfiguration"], map[string]any{"Rules": c.want})
	}
}

// refusal returns the message NewPrivateBucket panics with ("" if none).
// The props are checked before anything is created, so every refusal
// shares one stack of an app that is never synthesized.
func refusal(props *storage.PrivateBucketProps) (msg string) {
	defer func() {
		if r := recover(); r != nil {
			msg = fmt.Sprint(r)
		}
	}()
	storage.NewPrivateBucket(refusals, jsii.String("Storage"), props)
	return ""
}

// refusals holds the refusal tests' buckets; its app is never synthesized.
var refusals awscdk.Stack

func TestRefusals(t *testing.T) {
	ok := *jsii.Strings(endpoint)
	tests := []struct {
		name  string
		props *storage.PrivateBucketProps
		// want are substrings the message must hold: the prop, the value
		// or reason, and the fix.
		want []string
	}{
		{"no props", nil, []string{"props are required", "AllowedEndpointIds"}},
		{"no endpoint", &storage.PrivateBucketProps{}, []string{"AllowedEndpointIds is empty", "denies every request", "vpce-"}},
		{"not an endpoint id", &storage.PrivateBucketProps{AllowedEndpointIds: *jsii.Strings("vpc-0123")}, []string{"AllowedEndpointIds contains", `"vpc-0123"`, "vpce-0123456789abcdef0"}},
		{"nil endpoint id", &storage.PrivateBucketProps{AllowedEndpointIds: []*string{nil}}, []string{"AllowedEndpointIds contains", `"<nil>"`}},
		{"unknown mode", &storage.PrivateBucketProps{AllowedEndpointIds: ok, Mode: "everything"}, []string{"Mode", `"everything"`, `"all-actions"`, `"object-actions"`}},
		{"invalid bucket name", &storage.PrivateBucketProps{AllowedEndpointIds: ok, BucketName: jsii.String("My_Bucket")}, []string{"BucketName", `"My_Bucket"`, "lower-case letters", "leave it nil"}},
		{"no deployment exception", &storage.PrivateBucketProps{AllowedEndpointIds: ok, DeploymentRoleArns: []*string{}}, []string{"DeploymentRoleArns is empty", "locks CloudFormation out", "object-actions"}},
		{"writer that is a user", &storage.PrivateBucketProps{AllowedEndpointIds: ok, CrossAccountWriterRoleArns: *jsii.Strings("arn:aws:iam::210987654321:user/bob")}, []string{"CrossAccountWriterRoleArns contains", "user/bob", "IAM role ARN"}},
		{"expiry in hours", &storage.PrivateBucketProps{AllowedEndpointIds: ok, NoncurrentVersionExpiration: awscdk.Duration_Hours(jsii.Number(36))}, []string{"NoncurrentVersionExpiration 1 day 12 hours is invalid", "whole days", "90 days", "KeepNoncurrentVersions"}},
		{"expiry in milliseconds", &storage.PrivateBucketProps{AllowedEndpointIds: ok, NoncurrentVersionExpiration: awscdk.Duration_Millis(jsii.Number(1500))}, []string{"NoncurrentVersionExpiration 1 second 500 millis is invalid", "whole days"}},
		{"expiry of zero", &storage.PrivateBucketProps{AllowedEndpointIds: ok, NoncurrentVersionExpiration: awscdk.Duration_Days(jsii.Number(0))}, []string{"NoncurrentVersionExpiration", "at least 1"}},
		{"keep and expire", &storage.PrivateBucketProps{AllowedEndpointIds: ok, KeepNoncurrentVersions: true, NoncurrentVersionExpiration: awscdk.Duration_Days(jsii.Number(30))}, []string{"KeepNoncurrentVersions and NoncurrentVersionExpiration are both set", "not both"}},
		{"auto-delete", &storage.PrivateBucketProps{AllowedEndpointIds: ok, AutoDeleteObjects: true}, []string{"AutoDeleteObjects is refused", "outside the VPC", "empty the bucket through the endpoint"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			msg := refusal(tc.props)
			if msg == "" {
				t.Fatalf("not refused; want a message holding %q", tc.want)
			}
			if !strings.HasPrefix(msg, "PrivateBucket: ") || strings.Contains(msg, "\n") {
				t.Errorf("message %q, want one line starting PrivateBucket: ", msg)
			}
			for _, w := range tc.want {
				if !strings.Contains(msg, w) {
					t.Errorf("message %q\ndoes not hold %q", msg, w)
				}
			}
		})
	}
}

// Several bad props are refused together, one line each.
func TestAllProblemsAtOnce(t *testing.T) {
	msg := refusal(&storage.PrivateBucketProps{
		AllowedEndpointIds: *jsii.Strings("vpc-0123"),
		Mode:               "everything",
		BucketName:         jsii.String("My_Bucket"),
		AutoDeleteObjects:  true,
	})
	lines := strings.Split(msg, "\n")
	// In the order of PrivateBucketProps.
	want := []string{`AllowedEndpointIds contains "vpc-0123"`, `BucketName "My_Bucket" is invalid`, `Mode "everything" is unknown`, "AutoDeleteObjects is refused"}
	if len(lines) != len(want) {
		t.Fatalf("message has %d lines, want %d:\n%s", len(lines), len(want), msg)
	}
	for i, w := range want {
		if !strings.HasPrefix(lines[i], "PrivateBucket: "+w) {
			t.Errorf("line %d = %q, want it to start %q", i+1, lines[i], "PrivateBucket: "+w)
		}
	}
}

// Tokens are checked at deploy time, not refused at synth.
func TestTokensAreNotRefused(t *testing.T) {
	param := awscdk.NewCfnParameter(refusals, jsii.String("Endpoint"), nil).ValueAsString()
	days := awscdk.NewCfnParameter(refusals, jsii.String("Days"), &awscdk.CfnParameterProps{Type: jsii.String("Number")}).ValueAsNumber()
	if msg := refusal(&storage.PrivateBucketProps{AllowedEndpointIds: []*string{param}, BucketName: param,
		CrossAccountWriterRoleArns: []*string{param}, NoncurrentVersionExpiration: awscdk.Duration_Days(days)}); msg != "" {
		t.Errorf("props given as tokens refused: %s", msg)
	}
}

// A log bucket of the app's own that CDK would open to ACLs (the flag off
// where it is) is refused with the flag's name; with the flag set on its
// scope it is used as is.
func TestAccessLogsBucketNeedsTheFlag(t *testing.T) {
	app := cdktest.NewApp(nil)
	st := awscdk.NewStack(app, jsii.String("GivenLogs"), nil)
	off := awss3.NewBucket(st, jsii.String("LogsFlagOff"), nil)
	msg := refusal(&storage.PrivateBucketProps{AllowedEndpointIds: *jsii.Strings(endpoint), AccessLogsBucket: off})
	for _, w := range []string{"PrivateBucket: AccessLogsBucket", "@aws-cdk/aws-s3:serverAccessLogsUseBucketPolicy", "ACLs on", "cdk.json", "SetContext"} {
		if !strings.Contains(msg, w) {
			t.Errorf("message %q\ndoes not hold %q", msg, w)
		}
	}
	if msg := func() (msg string) {
		defer func() { msg = fmt.Sprint(recover()) }()
		storage.NewAccessLogsBucket(st, "Logs")
		return
	}(); !strings.Contains(msg, "NewAccessLogsBucket: scope: the feature flag @aws-cdk/aws-s3:serverAccessLogsUseBucketPolicy is off") {
		t.Errorf("NewAccessLogsBucket with the flag off: %q, want a refusal naming the flag", msg)
	}

	scope := constructs.NewConstruct(st, jsii.String("WithFlag"))
	scope.Node().SetContext(jsii.String("@aws-cdk/aws-s3:serverAccessLogsUseBucketPolicy"), true)
	logs := storage.NewAccessLogsBucket(scope, "Logs")
	pb := storage.NewPrivateBucket(st, jsii.String("Storage"), &storage.PrivateBucketProps{AllowedEndpointIds: *jsii.Strings(endpoint), AccessLogsBucket: logs})
	if pb.AccessLogs != nil {
		t.Error("AccessLogs created although AccessLogsBucket was given")
	}
	tp := synth(st)
	cdktest.Equal(t, "log buckets", len(tp.Resources("AWS::S3::Bucket")), 3) // the flag-off one, the given one, the private bucket
	_, b := tp.One(t, "AWS::S3::Bucket", "WithFlagLogs")
	cdktest.Equal(t, "given log bucket AccessControl", b["AccessControl"], nil)
}

// Bucket notifications are added after construction; the synth refuses
// them.
func TestNotificationsRefusedAtSynth(t *testing.T) {
	app := cdktest.NewApp(nil)
	st := awscdk.NewStack(app, jsii.String("Notifications"), nil)
	b := storage.NewPrivateBucket(st, jsii.String("Storage"), &storage.PrivateBucketProps{AllowedEndpointIds: *jsii.Strings(endpoint)})
	b.Bucket.AddEventNotification(awss3.EventType_OBJECT_CREATED, awss3notifications.NewSnsDestination(awssns.NewTopic(st, jsii.String("Topic"), nil)))
	msg := func() (msg string) {
		defer func() { msg = fmt.Sprint(recover()) }()
		app.Synth(nil)
		return
	}()
	for _, w := range []string{"bucket notifications are refused", "custom resource", "EventBridge"} {
		if !strings.Contains(msg, w) {
			t.Errorf("synth error %q\ndoes not hold %q", msg, w)
		}
	}
}

// The object-actions mode is declared on the bucket policy, where the
// project's Guard rule PRIVATES3.S3.1 reads it (app/guard/rules): only that
// policy may leave bucket-level actions to IAM. The default mode declares
// nothing.
func TestObjectActionsModeIsDeclared(t *testing.T) {
	metadata := func(tp template) any {
		for _, r := range tp.JSON["Resources"].(map[string]any) {
			if r := r.(map[string]any); r["Type"] == "AWS::S3::BucketPolicy" {
				if m, ok := r["Metadata"].(map[string]any); ok && m["privates3:denyMode"] != nil {
					return m["privates3:denyMode"]
				}
			}
		}
		return nil
	}
	if got := metadata(objects); got != "object-actions" {
		t.Errorf("object-actions bucket policy Metadata privates3:denyMode = %v, want object-actions", got)
	}
	if got := metadata(bare); got != nil {
		t.Errorf("default bucket policy declares privates3:denyMode = %v, want none", got)
	}
}
