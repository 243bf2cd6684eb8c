package cfndiff_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/privates3/privates3/app/templatediff/cfndiff"
)

// describe writes what Compare says of a replaced or removed resource:
// "X: replaced (BucketName); old kept by UpdateReplacePolicy Retain".
func describe(c cfndiff.Change) string {
	var parts []string
	if r := c.Replacement; r != nil {
		how := "replaced"
		if !r.Certain {
			how = "may be replaced"
		}
		var why []string
		why = append(why, r.Properties...)
		for _, v := range r.Via {
			ref := "GetAtt"
			if v.ByRef {
				ref = "Ref"
			}
			why = append(why, fmt.Sprintf("%s via %s(%s)", v.Property, ref, v.Target))
		}
		parts = append(parts, fmt.Sprintf("%s (%s)", how, strings.Join(why, ", ")))
	}
	if f := c.Old; f != nil {
		s := fmt.Sprintf("old %s by %s", f.Outcome, f.By)
		for _, n := range f.Notes {
			s += " [" + n + "]"
		}
		parts = append(parts, s)
	}
	return c.LogicalID + ": " + strings.Join(parts, "; ")
}

func TestReplacement(t *testing.T) {
	tests := []struct {
		name     string
		old, new string // Resources
		want     []string
	}{
		{
			name: "a create-only property set: the old bucket stays behind",
			old:  `"B": {"Type": "AWS::S3::Bucket", "DeletionPolicy": "Retain", "UpdateReplacePolicy": "Retain"}`,
			new:  `"B": {"Type": "AWS::S3::Bucket", "Properties": {"BucketName": "reports"}, "DeletionPolicy": "Retain", "UpdateReplacePolicy": "Retain"}`,
			want: []string{"B: replaced (BucketName); old kept by UpdateReplacePolicy Retain"},
		},
		{
			name: "renamed queue: the old one is deleted by default",
			old:  `"Q": {"Type": "AWS::SQS::Queue", "Properties": {"QueueName": "a"}}`,
			new:  `"Q": {"Type": "AWS::SQS::Queue", "Properties": {"QueueName": "b"}}`,
			want: []string{"Q: replaced (QueueName); old deleted by default (no UpdateReplacePolicy)"},
		},
		{
			name: "DeletionPolicy does not keep a replaced resource",
			old:  `"L": {"Type": "AWS::Logs::LogGroup", "Properties": {"LogGroupName": "/a"}, "DeletionPolicy": "Retain"}`,
			new:  `"L": {"Type": "AWS::Logs::LogGroup", "Properties": {"LogGroupName": "/b"}, "DeletionPolicy": "Retain"}`,
			want: []string{"L: replaced (LogGroupName); old deleted by default (no UpdateReplacePolicy) [DeletionPolicy Retain does not apply to a replacement: only UpdateReplacePolicy keeps the old one]"},
		},
		{
			name: "a bucket deleted on replacement must be empty",
			old:  `"B": {"Type": "AWS::S3::Bucket", "Properties": {"BucketName": "a"}, "UpdateReplacePolicy": "Delete"}`,
			new:  `"B": {"Type": "AWS::S3::Bucket", "Properties": {"BucketName": "b"}, "UpdateReplacePolicy": "Delete"}`,
			want: []string{"B: replaced (BucketName); old deleted by UpdateReplacePolicy Delete [CloudFormation deletes only an empty bucket: one that holds objects stays behind, outside the stack]"},
		},
		{
			name: "snapshot, then deleted",
			old:  `"D": {"Type": "AWS::RDS::DBInstance", "Properties": {"DBName": "a"}, "DeletionPolicy": "Snapshot", "UpdateReplacePolicy": "Snapshot"}`,
			new:  `"D": {"Type": "AWS::RDS::DBInstance", "Properties": {"DBName": "b"}, "DeletionPolicy": "Snapshot", "UpdateReplacePolicy": "Snapshot"}`,
			want: []string{"D: replaced (DBName); old deleted after a snapshot by UpdateReplacePolicy Snapshot"},
		},
		{
			name: "the policy changes in the same update",
			old:  `"Q": {"Type": "AWS::SQS::Queue", "Properties": {"QueueName": "a"}, "UpdateReplacePolicy": "Retain"}`,
			new:  `"Q": {"Type": "AWS::SQS::Queue", "Properties": {"QueueName": "b"}, "UpdateReplacePolicy": "Delete"}`,
			want: []string{"Q: replaced (QueueName); old deleted by UpdateReplacePolicy Delete [the old template says UpdateReplacePolicy Retain: change the policy in a deployment of its own to be sure which one applies]"},
		},
		{
			name: "a nested create-only property",
			old:  `"E": {"Type": "AWS::EC2::VPCEndpoint", "Properties": {"VpcId": {"Ref": "V"}, "DnsOptions": {"PrivateDnsPreference": "ALL_DOMAINS", "DnsRecordIpType": "ipv4"}}}`,
			new:  `"E": {"Type": "AWS::EC2::VPCEndpoint", "Properties": {"VpcId": {"Ref": "V"}, "DnsOptions": {"PrivateDnsPreference": "VERIFIED_DOMAINS_ONLY", "DnsRecordIpType": "ipv4"}}}`,
			want: []string{"E: replaced (DnsOptions.PrivateDnsPreference); old deleted by default (no UpdateReplacePolicy)"},
		},
		{
			name: "its parent removed",
			old:  `"E": {"Type": "AWS::EC2::VPCEndpoint", "Properties": {"DnsOptions": {"PrivateDnsPreference": "ALL_DOMAINS"}}}`,
			new:  `"E": {"Type": "AWS::EC2::VPCEndpoint", "Properties": {}}`,
			want: []string{"E: replaced (DnsOptions.PrivateDnsPreference); old deleted by default (no UpdateReplacePolicy)"},
		},
		{
			name: "a property of each item of a list",
			old:  `"R": {"Type": "AWS::MSK::Replicator", "Properties": {"ReplicationInfoList": [{"SourceKafkaClusterArn": "a", "TargetCompressionType": "NONE"}]}}`,
			new:  `"R": {"Type": "AWS::MSK::Replicator", "Properties": {"ReplicationInfoList": [{"SourceKafkaClusterArn": "b", "TargetCompressionType": "NONE"}]}}`,
			want: []string{"R: replaced (ReplicationInfoList[*].SourceKafkaClusterArn); old deleted by default (no UpdateReplacePolicy)"},
		},
		{
			name: "a custom resource's service token (Custom::Name reads as AWS::CloudFormation::CustomResource)",
			old:  `"C": {"Type": "Custom::AWS", "Properties": {"ServiceToken": {"Fn::GetAtt": ["P1", "Arn"]}}}`,
			new:  `"C": {"Type": "Custom::AWS", "Properties": {"ServiceToken": {"Fn::GetAtt": ["P2", "Arn"]}}}`,
			want: []string{"C: replaced (ServiceToken); old deleted by default (no UpdateReplacePolicy)"},
		},
		{
			name: "an update in place",
			old:  `"F": {"Type": "AWS::Lambda::Function", "Properties": {"FunctionName": "f", "MemorySize": 256}}`,
			new:  `"F": {"Type": "AWS::Lambda::Function", "Properties": {"FunctionName": "f", "MemorySize": 512}}`,
			want: nil,
		},
		{
			name: "a replaced bucket takes its policy along, and the kept one is left without",
			old: `"B": {"Type": "AWS::S3::Bucket", "DeletionPolicy": "RetainExceptOnCreate", "UpdateReplacePolicy": "Retain"},
				"P": {"Type": "AWS::S3::BucketPolicy", "Properties": {"Bucket": {"Ref": "B"}, "PolicyDocument": {}}}`,
			new: `"B": {"Type": "AWS::S3::Bucket", "Properties": {"BucketName": "b"}, "DeletionPolicy": "RetainExceptOnCreate", "UpdateReplacePolicy": "Retain"},
				"P": {"Type": "AWS::S3::BucketPolicy", "Properties": {"Bucket": {"Ref": "B"}, "PolicyDocument": {}}}`,
			want: []string{
				"B: replaced (BucketName); old kept by UpdateReplacePolicy Retain [its bucket policy `P` goes to the new bucket: the kept one is left without a bucket policy]",
				"P: replaced (Bucket via Ref(B)); old deleted by default (no UpdateReplacePolicy)",
			},
		},
		{
			name: "an attribute of a replaced resource may not change",
			old: `"F": {"Type": "AWS::Lambda::Function", "Properties": {"FunctionName": "a"}},
				"P": {"Type": "AWS::Lambda::Permission", "Properties": {"FunctionName": {"Fn::GetAtt": ["F", "Arn"]}, "Action": "lambda:InvokeFunction", "Principal": "s3.amazonaws.com"}}`,
			new: `"F": {"Type": "AWS::Lambda::Function", "Properties": {"FunctionName": "b"}},
				"P": {"Type": "AWS::Lambda::Permission", "Properties": {"FunctionName": {"Fn::GetAtt": ["F", "Arn"]}, "Action": "lambda:InvokeFunction", "Principal": "s3.amazonaws.com"}}`,
			want: []string{
				"F: replaced (FunctionName); old deleted by default (no UpdateReplacePolicy)",
				"P: may be replaced (FunctionName via GetAtt(F)); old deleted by default (no UpdateReplacePolicy)",
			},
		},
		{
			name: "down a chain: VPC, subnet, route table association (Fn::Sub's ${X} is a Ref)",
			old: `"V": {"Type": "AWS::EC2::VPC", "Properties": {"CidrBlock": "10.0.0.0/16"}},
				"S": {"Type": "AWS::EC2::Subnet", "Properties": {"VpcId": {"Fn::Sub": "${V}"}, "CidrBlock": "10.0.0.0/24"}},
				"A": {"Type": "AWS::EC2::SubnetRouteTableAssociation", "Properties": {"SubnetId": {"Ref": "S"}, "RouteTableId": "rtb-1"}}`,
			new: `"V": {"Type": "AWS::EC2::VPC", "Properties": {"CidrBlock": "10.1.0.0/16"}},
				"S": {"Type": "AWS::EC2::Subnet", "Properties": {"VpcId": {"Fn::Sub": "${V}"}, "CidrBlock": "10.0.0.0/24"}},
				"A": {"Type": "AWS::EC2::SubnetRouteTableAssociation", "Properties": {"SubnetId": {"Ref": "S"}, "RouteTableId": "rtb-1"}}`,
			want: []string{
				"A: replaced (SubnetId via Ref(S)); old deleted by default (no UpdateReplacePolicy)",
				"S: replaced (VpcId via Ref(V)); old deleted by default (no UpdateReplacePolicy)",
				"V: replaced (CidrBlock); old deleted by default (no UpdateReplacePolicy)",
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := cfndiff.Compare(parse(t, `"Resources": {`+tt.old+`}`), parse(t, `"Resources": {`+tt.new+`}`))
			var got []string
			for _, c := range d.Resources {
				if c.Replacement != nil || c.Old != nil {
					got = append(got, describe(c))
				}
				if c.Replacement != nil && !c.SecurityRelevant() {
					t.Errorf("Compare(): %s is replaced but not security-relevant", c.LogicalID)
				}
			}
			if strings.Join(got, "\n") != strings.Join(tt.want, "\n") {
				t.Errorf("Compare() =\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(tt.want, "\n"))
			}
		})
	}
}

func TestReplacementInMarkdown(t *testing.T) {
	old := parse(t, `"Resources": {
		"B": {"Type": "AWS::S3::Bucket", "Properties": {"Tags": [{"Key": "a", "Value": "1"}]}, "DeletionPolicy": "Retain", "UpdateReplacePolicy": "Retain"},
		"P": {"Type": "AWS::S3::BucketPolicy", "Properties": {"Bucket": {"Ref": "B"}}},
		"T": {"Type": "AWS::SNS::Topic"}}`)
	new := parse(t, `"Resources": {
		"B": {"Type": "AWS::S3::Bucket", "Properties": {"BucketName": "reports", "Tags": [{"Key": "a", "Value": "1"}]}, "DeletionPolicy": "Retain", "UpdateReplacePolicy": "Retain"},
		"P": {"Type": "AWS::S3::BucketPolicy", "Properties": {"Bucket": {"Ref": "B"}}},
		"T": {"Type": "AWS::SQS::Queue"}}`)
	var b strings.Builder
	if err := cfndiff.WriteMarkdown(&b, "a", "b", cfndiff.Compare(old, new)); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, want := range []string{
		"**3 security-relevant change(s)**",
		"#### Security review\n\n**Replacements and retention**\n\n" +
			"- **REPLACED** `B` (AWS::S3::Bucket): `BucketName` changed, and CloudFormation cannot change it in place. The old one is kept, by UpdateReplacePolicy Retain: it stays in the account, outside the stack. Its bucket policy `P` goes to the new bucket: the kept one is left without a bucket policy.\n" +
			"- **REPLACED** `P` (AWS::S3::BucketPolicy): `Bucket` refers to `B`, which is replaced (a new physical id). The old one is deleted, by default (no UpdateReplacePolicy).\n" +
			"- **TYPE CHANGED** `T`: `AWS::SNS::Topic` → `AWS::SQS::Queue`. CloudFormation refuses the update (\"Update of resource type is not permitted\"): give the new resource a logical id of its own.\n",
		"#### Changed resources\n\n- changed `B` (AWS::S3::Bucket), **REPLACED**\n  - `BucketName`: added `reports`\n- changed `P` (AWS::S3::BucketPolicy), **REPLACED**: see Security review\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("WriteMarkdown() lacks %q:\n%s", want, out)
		}
	}
}
