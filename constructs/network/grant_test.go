package network_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/privates3/privates3/constructs/internal/cdktest"
	"github.com/privates3/privates3/constructs/network"
)

// The grants stack, synthesized once in TestMain: a network, a bucket with
// a KMS key and one without, and a grantee for each grant method.
var (
	grants      tmpl
	grantsStack awscdk.Stack
	// The Grant values the methods returned, by grantee.
	returned map[string]awsiam.Grant
)

func buildGrants() error {
	app := cdktest.NewApp(nil)
	st := awscdk.NewStack(app, jsii.String("Grants"), nil)
	net := network.NewPrivateNetwork(st, jsii.String("Net"), nil)
	key := awskms.NewKey(st, jsii.String("Key"), nil)
	kms := awss3.NewBucket(st, jsii.String("Kms"), &awss3.BucketProps{Encryption: awss3.BucketEncryption_KMS, EncryptionKey: key})
	plain := awss3.NewBucket(st, jsii.String("Plain"), nil)
	batch := awsiam.NewRole(st, jsii.String("Batch"), &awsiam.RoleProps{AssumedBy: awsiam.NewServicePrincipal(jsii.String("batch.amazonaws.com"), nil)})
	partner := awsiam.Role_FromRoleArn(st, jsii.String("Partner"), jsii.String("arn:aws:iam::123456789012:role/Partner"), nil)
	returned = map[string]awsiam.Grant{
		"KmsReader":   net.GrantRead(inSubnets(st, "KmsReader", net), kms, ""),
		"KmsWriter":   net.GrantWrite(inSubnets(st, "KmsWriter", net), kms, "uploads/*"),
		"PlainReader": net.GrantRead(inSubnets(st, "PlainReader", net), plain, "reports/*"),
		"PlainWriter": net.GrantWrite(inSubnets(st, "PlainWriter", net), plain, ""),
		"Deleter":     net.Grant(inSubnets(st, "Deleter", net), []string{"s3:DeleteObject"}, []*string{kms.ArnForObjects(jsii.String("tmp/*"))}),
		"Batch":       net.GrantRead(batch, kms, ""),
		"Partner":     net.GrantWrite(partner, plain, ""),
	}
	grants, grantsStack = synth(app, st), st
	return nil
}

// roleStatements returns the statements of the inline policy CDK attaches
// to a role whose logical id starts with rolePrefix, by their Action.
func roleStatements(t *testing.T, policyPrefix string) []any {
	t.Helper()
	_, p := grants.one(t, "AWS::IAM::Policy", policyPrefix)
	return p["PolicyDocument"].(map[string]any)["Statement"].([]any)
}

var viaS3 = map[string]any{"StringEquals": map[string]any{"kms:ViaService": map[string]any{"Fn::Sub": "s3.${AWS::Region}.amazonaws.com"}}}

// Each grant writes the role's IAM statements and, with a key, the key's
// actions through S3 only; without a key, none.
func TestGrantIdentityStatements(t *testing.T) {
	kmsID, _ := grants.one(t, "AWS::S3::Bucket", "Kms")
	plainID, _ := grants.one(t, "AWS::S3::Bucket", "Plain")
	keyID, _ := grants.one(t, "AWS::KMS::Key", "Key")
	keyStatement := func(actions any) map[string]any {
		return map[string]any{"Effect": "Allow", "Action": actions, "Resource": getAtt(keyID, "Arn"), "Condition": viaS3}
	}
	tests := []struct {
		policy string
		want   []any
	}{
		{"KmsReaderServiceRoleDefaultPolicy", []any{
			map[string]any{"Effect": "Allow", "Action": []any{"s3:GetObject", "s3:GetObjectTagging"}, "Resource": objects(kmsID, "*")},
			map[string]any{"Effect": "Allow", "Action": "s3:ListBucket", "Resource": getAtt(kmsID, "Arn")},
			keyStatement("kms:Decrypt"),
		}},
		{"KmsWriterServiceRoleDefaultPolicy", []any{
			map[string]any{"Effect": "Allow", "Action": []any{"s3:PutObject", "s3:PutObjectTagging"}, "Resource": objects(kmsID, "uploads/*")},
			keyStatement([]any{"kms:GenerateDataKey", "kms:Decrypt"}),
		}},
		{"PlainReaderServiceRoleDefaultPolicy", []any{
			map[string]any{"Effect": "Allow", "Action": []any{"s3:GetObject", "s3:GetObjectTagging"}, "Resource": objects(plainID, "reports/*")},
			map[string]any{"Effect": "Allow", "Action": "s3:ListBucket", "Resource": getAtt(plainID, "Arn")},
		}},
		{"PlainWriterServiceRoleDefaultPolicy", []any{
			map[string]any{"Effect": "Allow", "Action": []any{"s3:PutObject", "s3:PutObjectTagging"}, "Resource": objects(plainID, "*")},
		}},
		// The low-level Grant grants no key, even on the KMS bucket.
		{"DeleterServiceRoleDefaultPolicy", []any{
			map[string]any{"Effect": "Allow", "Action": "s3:DeleteObject", "Resource": objects(kmsID, "tmp/*")},
		}},
		{"BatchDefaultPolicy", []any{
			map[string]any{"Effect": "Allow", "Action": []any{"s3:GetObject", "s3:GetObjectTagging"}, "Resource": objects(kmsID, "*")},
			map[string]any{"Effect": "Allow", "Action": "s3:ListBucket", "Resource": getAtt(kmsID, "Arn")},
			keyStatement("kms:Decrypt"),
		}},
		{"PartnerPolicy", []any{
			map[string]any{"Effect": "Allow", "Action": []any{"s3:PutObject", "s3:PutObjectTagging"}, "Resource": objects(plainID, "*")},
		}},
	}
	for _, tc := range tests {
		cdktest.Equal(t, tc.policy+" statements", roleStatements(t, tc.policy), tc.want)
	}
}

// The endpoint policy names each grantee's role with aws:PrincipalArn,
// Principal "*", for the same S3 actions; KMS actions never go there (KMS
// is not reached through the S3 endpoint).
func TestGrantEndpointStatements(t *testing.T) {
	kmsID, _ := grants.one(t, "AWS::S3::Bucket", "Kms")
	plainID, _ := grants.one(t, "AWS::S3::Bucket", "Plain")
	_, e := grants.one(t, "AWS::EC2::VPCEndpoint", "")
	got := statements(e["PolicyDocument"])
	role := func(prefix string) any {
		id, _ := grants.one(t, "AWS::IAM::Role", prefix)
		return getAtt(id, "Arn")
	}
	allow := func(roleArn, actions, resource any) map[string]any {
		return map[string]any{"Effect": "Allow", "Principal": "*", "Action": actions, "Resource": resource,
			"Condition": map[string]any{"ArnEquals": map[string]any{"aws:PrincipalArn": []any{roleArn}}}}
	}
	read := []any{"s3:GetObject", "s3:GetObjectTagging"}
	write := []any{"s3:PutObject", "s3:PutObjectTagging"}
	want := map[string]map[string]any{
		"KmsReaderThroughEndpoint1":   allow(role("KmsReaderServiceRole"), read, objects(kmsID, "*")),
		"KmsReaderThroughEndpoint2":   allow(role("KmsReaderServiceRole"), "s3:ListBucket", getAtt(kmsID, "Arn")),
		"KmsWriterThroughEndpoint1":   allow(role("KmsWriterServiceRole"), write, objects(kmsID, "uploads/*")),
		"PlainReaderThroughEndpoint1": allow(role("PlainReaderServiceRole"), read, objects(plainID, "reports/*")),
		"PlainReaderThroughEndpoint2": allow(role("PlainReaderServiceRole"), "s3:ListBucket", getAtt(plainID, "Arn")),
		"PlainWriterThroughEndpoint1": allow(role("PlainWriterServiceRole"), write, objects(plainID, "*")),
		"DeleterThroughEndpoint1":     allow(role("DeleterServiceRole"), "s3:DeleteObject", objects(kmsID, "tmp/*")),
		"BatchThroughEndpoint1":       allow(role("Batch"), read, objects(kmsID, "*")),
		"BatchThroughEndpoint2":       allow(role("Batch"), "s3:ListBucket", getAtt(kmsID, "Arn")),
		"PartnerThroughEndpoint1":     allow("arn:aws:iam::123456789012:role/Partner", write, objects(plainID, "*")),
	}
	for sid, w := range want {
		s := got[sid]
		delete(s, "Sid")
		cdktest.Equal(t, "endpoint statement "+sid, s, w)
	}
	if len(got) != len(want) {
		t.Errorf("endpoint policy has %d statements, want %d", len(got), len(want))
	}
}

// The returned Grant succeeded and holds the IAM statements it added, the
// key's included, as CDK's Bucket.grantRead's does.
func TestGrantReturnValue(t *testing.T) {
	tests := map[string][]any{
		"KmsReader": {
			[]any{"s3:GetObject", "s3:GetObjectTagging"},
			"s3:ListBucket",
			"kms:Decrypt",
		},
		"KmsWriter":   {[]any{"s3:PutObject", "s3:PutObjectTagging"}, []any{"kms:GenerateDataKey", "kms:Decrypt"}},
		"PlainWriter": {[]any{"s3:PutObject", "s3:PutObjectTagging"}},
		"Deleter":     {"s3:DeleteObject"},
	}
	for grantee, want := range tests {
		g := returned[grantee]
		if !*g.Success() {
			t.Errorf("%s grant: Success() = false, want true", grantee)
		}
		var got []any
		for _, s := range *g.PrincipalStatements() {
			doc := grantsStack.Resolve(s.ToStatementJson()).(map[string]any)
			got = append(got, doc["Action"])
		}
		cdktest.Equal(t, grantee+" grant's statements' actions", got, want)
	}
}

// A grantee whose principal is not a role this stack can name in
// aws:PrincipalArn is refused with a sentence, and nothing is granted.
func TestGrantRefusesWhatIsNotARole(t *testing.T) {
	app := cdktest.NewApp(nil)
	st := awscdk.NewStack(app, jsii.String("NotRoles"), nil)
	net := network.NewPrivateNetwork(st, jsii.String("Net"), nil)
	bucket := awss3.NewBucket(st, jsii.String("Bucket"), nil)
	imported := awslambda.Function_FromFunctionArn(st, jsii.String("Imported"), jsii.String("arn:aws:lambda:us-east-1:123456789012:function:f"))
	tests := []struct {
		name    string
		grantee awsiam.IGrantable
		want    []string
	}{
		{"a user", awsiam.NewUser(st, jsii.String("Bob"), nil), []string{"NotRoles/Bob", "not an IAM role", "aws:PrincipalArn", "Principals for gateway endpoints"}},
		{"a service principal", awsiam.NewServicePrincipal(jsii.String("lambda.amazonaws.com"), nil), []string{`"Service":["lambda.amazonaws.com"]`, "not an IAM role", "Role_FromRoleArn"}},
		{"an account", awsiam.NewAccountPrincipal(jsii.String("123456789012")), []string{"123456789012", "not an IAM role"}},
		{"an imported function without its role", imported, []string{"NotRoles/Imported", "not an IAM role"}},
	}
	for _, tc := range tests {
		for method, grant := range map[string]func(){
			"GrantRead":  func() { net.GrantRead(tc.grantee, bucket, "") },
			"GrantWrite": func() { net.GrantWrite(tc.grantee, bucket, "") },
			"Grant": func() {
				net.Grant(tc.grantee, []string{"s3:GetObject"}, []*string{bucket.ArnForObjects(jsii.String("*"))})
			},
		} {
			holdsAll(t, method+" to "+tc.name, refusal(grant), tc.want)
		}
	}
	if doc := net.Endpoint.PolicyDocument(); doc != nil && !*doc.IsEmpty() {
		t.Errorf("endpoint policy after refused grants = %v, want empty", st.Resolve(doc))
	}
}

// warnings returns the warnings on st's constructs, as text; after a synth
// they include those the validations added.
func warnings(st awscdk.Stack) []string {
	var out []string
	for _, c := range *st.Node().FindAll(constructs.ConstructOrder_PREORDER) {
		for _, m := range *c.Node().Metadata() {
			if *m.Type == "aws:cdk:warning" {
				out = append(out, fmt.Sprint(m.Data))
			}
		}
	}
	return out
}

// synthError synthesizes app and returns the message it panicked with.
func synthError(app awscdk.App) string {
	return refusal(func() { app.Synth(nil) })
}

// The grants above leave the check nothing to warn about.
func TestGrantsPassTheCheckWithoutWarnings(t *testing.T) {
	for _, w := range warnings(grantsStack) {
		if strings.Contains(w, "grantCheckUnknown") || strings.Contains(w, "endpoint") {
			t.Errorf("warning on the grants stack: %s", w)
		}
	}
}

// The grant check judges the role's statements with the access matrix's
// evaluator: rights given behind the endpoint's back, however written, are
// refused at synth; an endpoint statement it cannot judge is a warning.
func TestGrantCheck(t *testing.T) {
	tests := []struct {
		name  string
		build func(st awscdk.Stack, net *network.PrivateNetwork, bucket awss3.Bucket)
		// err: substrings of the synth error; warn: of a warning ("" none).
		err, warn []string
	}{
		{"bucket.GrantRead instead of the network's", func(st awscdk.Stack, net *network.PrivateNetwork, bucket awss3.Bucket) {
			net.GrantWrite(inSubnets(st, "Writer", net), bucket, "")
			bucket.GrantRead(inSubnets(st, "Reader", net), nil)
		}, []string{"Check/Reader", "runs in the endpoint's subnets", "s3:GetObject", "does not", "GrantRead", "aws:PrincipalArn"}, nil},
		{`Action "*" in the role`, func(st awscdk.Stack, net *network.PrivateNetwork, bucket awss3.Bucket) {
			fn := inSubnets(st, "Admin", net)
			net.GrantRead(fn, bucket, "")
			fn.AddToRolePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{Actions: jsii.Strings("*"), Resources: jsii.Strings("*")}))
		}, []string{"Check/Admin", "s3:AbortMultipartUpload", "more S3 actions on *", "does not"}, nil},
		{"NotAction in the role", func(st awscdk.Stack, net *network.PrivateNetwork, bucket awss3.Bucket) {
			fn := inSubnets(st, "Most", net)
			net.GrantRead(fn, bucket, "")
			fn.AddToRolePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{NotActions: jsii.Strings("s3:GetObject"), Resources: &[]*string{bucket.ArnForObjects(jsii.String("*"))}}))
		}, []string{"Check/Most", "s3:DeleteObject", "does not"}, nil},
		{"an endpoint statement conditioned on a tag", func(st awscdk.Stack, net *network.PrivateNetwork, bucket awss3.Bucket) {
			fn := inSubnets(st, "Tagged", net)
			objects := bucket.ArnForObjects(jsii.String("*"))
			fn.AddToRolePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{Actions: jsii.Strings("s3:GetObject"), Resources: &[]*string{objects}}))
			net.AllowThroughEndpoint(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
				Principals: &[]awsiam.IPrincipal{awsiam.NewStarPrincipal()}, Actions: jsii.Strings("s3:GetObject"), Resources: &[]*string{objects},
				Conditions: &map[string]any{"StringEquals": map[string]any{"aws:PrincipalTag/team": "data"}},
			}))
		}, nil, []string{"privates3:grantCheckUnknown", "Check/Tagged", "s3:GetObject", "aws:PrincipalTag/team"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			app := cdktest.NewApp(nil)
			st := awscdk.NewStack(app, jsii.String("Check"), nil)
			net := network.NewPrivateNetwork(st, jsii.String("Net"), nil)
			tc.build(st, net, awss3.NewBucket(st, jsii.String("Bucket"), nil))
			msg := synthError(app)
			if tc.err != nil {
				holdsAll(t, "synth", msg, tc.err)
				return
			}
			if msg != "" {
				t.Fatalf("synth refused: %s", msg)
			}
			ws := warnings(st)
			holdsAll(t, "warnings", strings.Join(ws, "\n"), tc.warn)
		})
	}
}
