package network

import (
	"fmt"
	"testing"

	"github.com/privates3/privates3/app/accessmatrix/cfn"
)

func TestCoversPublic(t *testing.T) {
	tests := []struct {
		cidr string
		want bool
	}{
		{"0.0.0.0/0", true},
		{"52.216.0.0/15", true},
		{"10.0.0.0/16", false},
		{"172.16.0.0/12", false},
		{"192.168.1.0/24", false},
		{"255.255.255.255/32", false}, // CDK's "no egress" placeholder
		{"${Cidr}", true},
	}
	for _, tt := range tests {
		if got := coversPublic(tt.cidr); got != tt.want {
			t.Errorf("coversPublic(%q) = %v, want %v", tt.cidr, got, tt.want)
		}
	}
}

func TestIsS3Service(t *testing.T) {
	for s, want := range map[string]bool{
		"com.amazonaws.${AWS::Region}.s3":   true,
		"com.amazonaws.eu-west-1.s3":        true,
		"cn.com.amazonaws.cn-north-1.s3":    true,
		"com.amazonaws.eu-west-1.dynamodb":  false,
		"com.amazonaws.eu-west-1.s3express": false,
	} {
		if got := isS3Service(s); got != want {
			t.Errorf("isS3Service(%q) = %v, want %v", s, got, want)
		}
	}
}

// TestStandaloneEgress covers rules written as AWS::EC2::SecurityGroupEgress
// resources next to a group whose inline egress (CDK's placeholder when
// allowAllOutbound is false) allows nothing.
func TestStandaloneEgress(t *testing.T) {
	doc := `{"Mappings": {"S3": {"eu-west-1": {"pl": "pl-6da54004"}, "us-east-1": {"pl": "pl-63a5400a"}}}, "Resources": {
	  "Vpc": {"Type": "AWS::EC2::VPC"},
	  "Subnet": {"Type": "AWS::EC2::Subnet", "Properties": {"VpcId": {"Ref": "Vpc"}}},
	  "Table": {"Type": "AWS::EC2::RouteTable", "Properties": {"VpcId": {"Ref": "Vpc"}}},
	  "Assoc": {"Type": "AWS::EC2::SubnetRouteTableAssociation", "Properties": {"SubnetId": {"Ref": "Subnet"}, "RouteTableId": {"Ref": "Table"}}},
	  "Endpoint": {"Type": "AWS::EC2::VPCEndpoint", "Properties": {"VpcId": {"Ref": "Vpc"}, "ServiceName": {"Fn::Join": ["", ["com.amazonaws.", {"Ref": "AWS::Region"}, ".s3"]]}, "RouteTableIds": [{"Ref": "Table"}]}},
	  "Group": {"Type": "AWS::EC2::SecurityGroup", "Properties": {"GroupDescription": "g", "SecurityGroupEgress": [{"CidrIp": "255.255.255.255/32", "IpProtocol": "icmp", "FromPort": 252, "ToPort": 86}]}},
	  "Egress": {"Type": "AWS::EC2::SecurityGroupEgress", "Properties": {"GroupId": {"Fn::GetAtt": ["Group", "GroupId"]}, "IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "DestinationPrefixListId": {"Fn::FindInMap": ["S3", {"Ref": "AWS::Region"}, "pl"]}}},
	  "Closed": {"Type": "AWS::EC2::SecurityGroup", "Properties": {"GroupDescription": "c", "SecurityGroupEgress": [{"CidrIp": "255.255.255.255/32", "IpProtocol": "icmp", "FromPort": 252, "ToPort": 86}]}},
	  "Open": {"Type": "AWS::Lambda::Function", "Properties": {"VpcConfig": {"SubnetIds": [{"Ref": "Subnet"}], "SecurityGroupIds": [{"Fn::GetAtt": ["Group", "GroupId"]}]}}},
	  "Shut": {"Type": "AWS::Lambda::Function", "Properties": {"VpcConfig": {"SubnetIds": [{"Ref": "Subnet"}], "SecurityGroupIds": [{"Ref": "Closed"}]}}}
	}}`
	tmpl, err := cfn.Parse("sg.json", []byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	r, err := cfn.NewResolver(cfn.Options{}, tmpl)
	if err != nil {
		t.Fatal(err)
	}
	n, err := New(r, External{})
	if err != nil {
		t.Fatal(err)
	}
	for fn, want := range map[string]Kind{"Open": VPCEndpoint, "Shut": None} {
		p, err := n.FunctionPath(tmpl, tmpl.Resources[fn])
		if err != nil {
			t.Fatal(err)
		}
		if p.Kind != want {
			t.Errorf("FunctionPath(%s) = %s (%s), want %s", fn, p.Kind, p.Reason, want)
		}
	}
}

// The CLI's templates carry CDK's metadata resource under a condition on
// the region: a condition outside the network must not stop the analysis,
// one on a network resource still must.
func TestOnlyNetworkConditionsMustBeDecidable(t *testing.T) {
	const tmpl = `{"Conditions": {"InUsEast1": {"Fn::Equals": [{"Ref": "AWS::Region"}, "us-east-1"]}},
	  "Resources": {%s: {"Type": %q, "Condition": "InUsEast1", "Properties": {}}}}`
	for typ, wantErr := range map[string]bool{"AWS::CDK::Metadata": false, "AWS::EC2::RouteTable": true} {
		tp, err := cfn.Parse("t.json", []byte(fmt.Sprintf(tmpl, `"R"`, typ)))
		if err != nil {
			t.Fatal(err)
		}
		r, err := cfn.NewResolver(cfn.Options{}, tp)
		if err != nil {
			t.Fatal(err)
		}
		_, err = New(r, External{})
		if (err != nil) != wantErr {
			t.Errorf("New(template with a region condition on %s) error = %v, want error %v", typ, err, wantErr)
		}
	}
}

// A function in an existing VPC: its subnets are not in the template, so
// the path is provable only from the route tables the caller knows.
func TestExternalSubnets(t *testing.T) {
	const doc = `{"Resources": {
	  "Endpoint": {"Type": "AWS::EC2::VPCEndpoint", "Properties": {"VpcId": "vpc-1", "ServiceName": "com.amazonaws.eu-west-1.s3", "VpcEndpointType": "Gateway", "RouteTableIds": ["rtb-with"]}},
	  "Fn": {"Type": "AWS::Lambda::Function", "Properties": {"VpcConfig": {"SubnetIds": ["subnet-a"], "SecurityGroupIds": []}}}
	}}`
	tmpl, err := cfn.Parse("external.json", []byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	r, err := cfn.NewResolver(cfn.Options{}, tmpl)
	if err != nil {
		t.Fatal(err)
	}
	for name, tc := range map[string]struct {
		external map[string]string
		want     Kind
	}{
		"unknown subnet":                 {nil, None},
		"subnet on the endpoint's table": {map[string]string{"subnet-a": "rtb-with"}, VPCEndpoint},
		"subnet on another table":        {map[string]string{"subnet-a": "rtb-other"}, None},
	} {
		n, err := New(r, External{Subnets: tc.external})
		if err != nil {
			t.Fatal(err)
		}
		p, err := n.FunctionPath(tmpl, tmpl.Resources["Fn"])
		if err != nil {
			t.Fatal(err)
		}
		if p.Kind != tc.want {
			t.Errorf("%s: FunctionPath = %s (%s), want %s", name, p.Kind, p.Reason, tc.want)
		}
	}
}

// A reused endpoint, defined outside the templates, on the subnet's table.
func TestExternalEndpoint(t *testing.T) {
	const doc = `{"Resources": {"Fn": {"Type": "AWS::Lambda::Function", "Properties": {"VpcConfig": {"SubnetIds": ["subnet-a"], "SecurityGroupIds": []}}}}}`
	tmpl, err := cfn.Parse("external.json", []byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	r, err := cfn.NewResolver(cfn.Options{}, tmpl)
	if err != nil {
		t.Fatal(err)
	}
	n, err := New(r, External{Subnets: map[string]string{"subnet-a": "rtb-a"}, Endpoints: map[string][]string{"vpce-1": {"rtb-a"}}})
	if err != nil {
		t.Fatal(err)
	}
	p, err := n.FunctionPath(tmpl, tmpl.Resources["Fn"])
	if err != nil {
		t.Fatal(err)
	}
	if p.Kind != VPCEndpoint || p.Endpoint == nil || p.Endpoint.ID != "vpce-1" {
		t.Errorf("FunctionPath = %s via %v (%s), want vpc-endpoint via vpce-1", p.Kind, p.Endpoint, p.Reason)
	}
}
