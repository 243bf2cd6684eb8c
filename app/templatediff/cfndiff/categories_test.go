package cfndiff_test

import (
	"fmt"
	"testing"

	"github.com/privates3/privates3/app/templatediff/cfndiff"
)

// What cdk diff does not show and the review must: the endpoint policy,
// routes and gateways, a function's VPC, the bucket's protection settings.
func TestCategories(t *testing.T) {
	tests := []struct {
		typ, property string // a change of property (old "a" → new "b") on a resource of typ
		want          cfndiff.Category
	}{
		{"AWS::EC2::VPCEndpoint", "PolicyDocument", cfndiff.EndpointPolicy},
		{"AWS::EC2::VPCEndpoint", "RouteTableIds", cfndiff.EndpointPolicy},
		{"AWS::EC2::VPCEndpointServicePermissions", "AllowedPrincipals", cfndiff.EndpointPolicy},
		{"AWS::EC2::Route", "DestinationCidrBlock", cfndiff.NetworkPath},
		{"AWS::EC2::InternetGateway", "Tags", cfndiff.NetworkPath},
		{"AWS::EC2::NatGateway", "SubnetId", cfndiff.NetworkPath},
		{"AWS::EC2::TransitGatewayVpcAttachment", "SubnetIds", cfndiff.NetworkPath},
		{"AWS::EC2::TransitGatewayRoute", "DestinationCidrBlock", cfndiff.NetworkPath},
		{"AWS::EC2::VPNGatewayRoutePropagation", "RouteTableIds", cfndiff.NetworkPath},
		{"AWS::EC2::GatewayRouteTableAssociation", "GatewayId", cfndiff.NetworkPath},
		{"AWS::EC2::CarrierGateway", "VpcId", cfndiff.NetworkPath},
		{"AWS::EC2::NetworkAclEntry", "RuleAction", cfndiff.NetworkPath},
		{"AWS::EC2::SubnetNetworkAclAssociation", "NetworkAclId", cfndiff.NetworkPath},
		{"AWS::EC2::PrefixList", "Entries", cfndiff.NetworkPath},
		{"AWS::EC2::FlowLog", "TrafficType", cfndiff.NetworkPath},
		{"AWS::EC2::Subnet", "MapPublicIpOnLaunch", cfndiff.NetworkPath},
		{"AWS::EC2::Subnet", "Tags", ""},
		{"AWS::Lambda::Function", "VpcConfig", cfndiff.FunctionAccess},
		{"AWS::Lambda::Function", "Role", cfndiff.FunctionAccess},
		{"AWS::Lambda::Function", "Timeout", ""},
		{"AWS::Lambda::LayerVersionPermission", "Principal", cfndiff.FunctionAccess},
		{"AWS::S3::Bucket", "PublicAccessBlockConfiguration", cfndiff.BucketSettings},
		{"AWS::S3::Bucket", "BucketEncryption", cfndiff.BucketSettings},
		{"AWS::S3::Bucket", "VersioningConfiguration", cfndiff.BucketSettings},
		{"AWS::S3::Bucket", "OwnershipControls", cfndiff.BucketSettings},
		{"AWS::S3::Bucket", "AccessControl", cfndiff.BucketSettings},
		{"AWS::S3::Bucket", "LoggingConfiguration", cfndiff.BucketSettings},
		{"AWS::S3::Bucket", "ReplicationConfiguration", cfndiff.BucketSettings},
		{"AWS::S3::Bucket", "ObjectLockConfiguration", cfndiff.BucketSettings},
		{"AWS::S3::Bucket", "ObjectLockEnabled", cfndiff.BucketSettings},
		{"AWS::S3::Bucket", "LifecycleConfiguration", cfndiff.BucketSettings},
		{"AWS::S3::Bucket", "WebsiteConfiguration", cfndiff.BucketSettings},
		{"AWS::S3::Bucket", "CorsConfiguration", cfndiff.BucketSettings},
		{"AWS::S3::Bucket", "Tags", ""},
		{"AWS::S3::BucketPolicy", "PolicyDocument", cfndiff.BucketPolicy},
		{"AWS::S3::AccessPoint", "Policy", cfndiff.BucketPolicy},
		{"AWS::S3::MultiRegionAccessPointPolicy", "Policy", cfndiff.BucketPolicy},
		{"AWS::S3Express::BucketPolicy", "PolicyDocument", cfndiff.BucketPolicy},
		{"AWS::IAM::RolePolicy", "PolicyDocument", cfndiff.IAM},
		{"AWS::IAM::UserPolicy", "PolicyDocument", cfndiff.IAM},
		{"AWS::IAM::GroupPolicy", "PolicyDocument", cfndiff.IAM},
		{"AWS::IAM::OIDCProvider", "ClientIdList", cfndiff.IAM},
		{"AWS::IAM::SAMLProvider", "SamlMetadataDocument", cfndiff.IAM},
		{"AWS::KMS::ReplicaKey", "KeyPolicy", cfndiff.KeyPolicy},
		{"AWS::Logs::LogGroup", "RetentionInDays", ""},
	}
	for _, tt := range tests {
		t.Run(tt.typ+"."+tt.property, func(t *testing.T) {
			res := func(v string) *cfndiff.Template {
				return parse(t, fmt.Sprintf(`"Resources": {"R": {"Type": %q, "Properties": {%q: %q}}}`, tt.typ, tt.property, v))
			}
			changes := cfndiff.Compare(res("a"), res("b")).Resources
			if len(changes) != 1 {
				t.Fatalf("Compare() = %+v, want one change", changes)
			}
			if got := changes[0].Category; got != tt.want {
				t.Errorf("Compare(%s: %s changed) category = %q, want %q", tt.typ, tt.property, got, tt.want)
			}
		})
	}
}
