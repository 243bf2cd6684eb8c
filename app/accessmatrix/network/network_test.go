package network

import (
	"fmt"
	"strings"
	"testing"

	"github.com/privates3/privates3/app/accessmatrix/cfn"
)

func TestCIDRReach(t *testing.T) {
	tests := []struct {
		cidr string
		want reach
	}{
		{"0.0.0.0/0", open},
		{"52.216.0.0/15", doubtful},
		{"10.0.0.0/16", blocked},
		{"172.16.0.0/12", blocked},
		{"192.168.1.0/24", blocked},
		{"198.51.100.0/24", blocked},
		{"255.255.255.255/32", blocked}, // CDK's "no egress" placeholder
		{"${Cidr}", doubtful},
	}
	for _, tt := range tests {
		if got, _ := cidrReach(tt.cidr); got != tt.want {
			t.Errorf("cidrReach(%q) = %d, want %d", tt.cidr, got, tt.want)
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
// the path is provable only from the route tables the caller knows, and
// only to an endpoint: the other routes of a table outside the templates
// are unknown.
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
		"unknown subnet":                 {nil, Unknown},
		"subnet on the endpoint's table": {map[string]string{"subnet-a": "rtb-with"}, VPCEndpoint},
		// The table is outside the templates: its routes are unknown.
		"subnet on another table": {map[string]string{"subnet-a": "rtb-other"}, Unknown},
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

// egressTemplate is one function in a subnet whose route table has the S3
// gateway endpoint, behind a security group with the given egress rules.
const egressTemplate = `{"Mappings": {"S3": {"eu-west-1": {"pl": "pl-6da54004"}}}, "Resources": {
  "Vpc": {"Type": "AWS::EC2::VPC"},
  "Subnet": {"Type": "AWS::EC2::Subnet", "Properties": {"VpcId": {"Ref": "Vpc"}}},
  "Table": {"Type": "AWS::EC2::RouteTable", "Properties": {"VpcId": {"Ref": "Vpc"}}},
  "Assoc": {"Type": "AWS::EC2::SubnetRouteTableAssociation", "Properties": {"SubnetId": {"Ref": "Subnet"}, "RouteTableId": {"Ref": "Table"}}},
  "Endpoint": {"Type": "AWS::EC2::VPCEndpoint", "Properties": {"VpcId": {"Ref": "Vpc"}, "ServiceName": {"Fn::Sub": "com.amazonaws.${AWS::Region}.s3"}, "RouteTableIds": [{"Ref": "Table"}]}},
  "Lookup": {"Type": "Custom::AWS", "Properties": {"ServiceToken": "arn:aws:lambda:eu-west-1:111122223333:function:provider",
    "Create": {"Fn::Join": ["", ["{\"action\":\"describeManagedPrefixLists\",\"outputPaths\":[\"PrefixLists.0.PrefixListId\"],\"parameters\":{\"Filters\":[{\"Name\":\"prefix-list-name\",\"Values\":[\"", {"Fn::Sub": "com.amazonaws.${AWS::Region}.s3"}, "\"]}]},\"service\":\"EC2\"}"]]}}},
  "OtherLookup": {"Type": "Custom::AWS", "Properties": {"ServiceToken": "arn:aws:lambda:eu-west-1:111122223333:function:provider",
    "Create": "{\"action\":\"describeManagedPrefixLists\",\"parameters\":{\"Filters\":[{\"Name\":\"prefix-list-name\",\"Values\":[\"com.amazonaws.eu-west-1.dynamodb\"]}]},\"service\":\"EC2\"}"}},
  "Group": {"Type": "AWS::EC2::SecurityGroup", "Properties": {"GroupDescription": "g", "VpcId": {"Ref": "Vpc"}, "SecurityGroupEgress": [%s]}},
  "Fn": {"Type": "AWS::Lambda::Function", "Properties": {"VpcConfig": {"SubnetIds": [{"Ref": "Subnet"}], "SecurityGroupIds": [%s]}}}
}}`

// Wrong today, item 5: egress to any public CIDR was taken to reach S3.
// Only the S3 prefix list, or a rule that covers every address, proves
// the path; a range that cannot hold S3's addresses (a proxy inside the
// VPC, the documentation ranges) blocks it; any other range, or a prefix
// list that is not provably S3's, leaves it in doubt.
func TestEgressReachesS3(t *testing.T) {
	const tcp443 = `"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443`
	tests := []struct {
		name, rules, groups string
		external            External
		want                Kind
		wantDoubt, reason   string
	}{
		{"every address", `{"CidrIp": "0.0.0.0/0", ` + tcp443 + `}`, `{"Ref": "Group"}`, External{}, VPCEndpoint, "", ""},
		{"all traffic, every address", `{"CidrIp": "0.0.0.0/0", "IpProtocol": "-1"}`, `{"Ref": "Group"}`, External{}, VPCEndpoint, "", ""},
		{"the S3 prefix list from CDK's lookup", `{"DestinationPrefixListId": {"Fn::GetAtt": ["Lookup", "PrefixLists.0.PrefixListId"]}, ` + tcp443 + `}`, `{"Ref": "Group"}`, External{}, VPCEndpoint, "", ""},
		{"a prefix list the caller says is S3's", `{"DestinationPrefixListId": "pl-6da54004", ` + tcp443 + `}`, `{"Ref": "Group"}`, External{S3PrefixLists: []string{"pl-6da54004"}}, VPCEndpoint, "", ""},
		{"a proxy in the VPC", `{"CidrIp": "10.0.5.0/24", ` + tcp443 + `}`, `{"Ref": "Group"}`, External{}, None, "", "allows no TCP 443 egress that can reach S3"},
		{"a documentation range", `{"CidrIp": "198.51.100.0/24", ` + tcp443 + `}`, `{"Ref": "Group"}`, External{}, None, "", "allows no TCP 443 egress that can reach S3"},
		{"IPv6 only", `{"CidrIpv6": "::/0", ` + tcp443 + `}`, `{"Ref": "Group"}`, External{}, None, "", ""},
		{"another port to every address", `{"CidrIp": "0.0.0.0/0", "IpProtocol": "tcp", "FromPort": 80, "ToPort": 80}`, `{"Ref": "Group"}`, External{}, None, "", ""},
		{"a public range that may hold S3's", `{"CidrIp": "52.216.0.0/15", ` + tcp443 + `}`, `{"Ref": "Group"}`, External{}, VPCEndpoint, "52.216.0.0/15 may or may not hold S3's addresses", ""},
		{"a prefix list id not known to be S3's", `{"DestinationPrefixListId": "pl-6da54004", ` + tcp443 + `}`, `{"Ref": "Group"}`, External{}, VPCEndpoint, "prefix list pl-6da54004 is not provably S3's", ""},
		{"a prefix list from a mapping", `{"DestinationPrefixListId": {"Fn::FindInMap": ["S3", {"Ref": "AWS::Region"}, "pl"]}, ` + tcp443 + `}`, `{"Ref": "Group"}`, External{}, VPCEndpoint, "is not provably S3's", ""},
		{"another service's prefix list", `{"DestinationPrefixListId": {"Fn::GetAtt": ["OtherLookup", "PrefixLists.0.PrefixListId"]}, ` + tcp443 + `}`, `{"Ref": "Group"}`, External{}, VPCEndpoint, "is not provably S3's", ""},
		{"a group outside the templates", `{"CidrIp": "10.0.5.0/24", ` + tcp443 + `}`, `"sg-0123456789abcdef0"`, External{}, VPCEndpoint, "security group sg-0123456789abcdef0 is not in the templates", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tmpl, err := cfn.Parse("egress.json", []byte(fmt.Sprintf(egressTemplate, tt.rules, tt.groups)))
			if err != nil {
				t.Fatal(err)
			}
			r, err := cfn.NewResolver(cfn.Options{}, tmpl)
			if err != nil {
				t.Fatal(err)
			}
			n, err := New(r, tt.external)
			if err != nil {
				t.Fatal(err)
			}
			p, err := n.FunctionPath(tmpl, tmpl.Resources["Fn"])
			if err != nil {
				t.Fatal(err)
			}
			if p.Kind != tt.want || !strings.Contains(p.Doubt, tt.wantDoubt) || (tt.wantDoubt == "" && p.Doubt != "") || !strings.Contains(p.Reason, tt.reason) {
				t.Errorf("FunctionPath = %s (doubt %q, %s), want %s with doubt %q and reason containing %q", p.Kind, p.Doubt, p.Reason, tt.want, tt.wantDoubt, tt.reason)
			}
		})
	}
}

// Routes that lead outside the templates: where a transit gateway, a
// peering connection or an appliance sends the traffic is unknown, and so
// is the main route table of a VPC defined elsewhere.
func TestRoutesOutsideTheTemplates(t *testing.T) {
	const doc = `{"Resources": {
	  "Vpc": {"Type": "AWS::EC2::VPC"},
	  "Subnet": {"Type": "AWS::EC2::Subnet", "Properties": {"VpcId": {"Ref": "Vpc"}}},
	  "Table": {"Type": "AWS::EC2::RouteTable", "Properties": {"VpcId": {"Ref": "Vpc"}}},
	  "Assoc": {"Type": "AWS::EC2::SubnetRouteTableAssociation", "Properties": {"SubnetId": {"Ref": "Subnet"}, "RouteTableId": {"Ref": "Table"}}},
	  "ToTgw": {"Type": "AWS::EC2::Route", "Properties": {"RouteTableId": {"Ref": "Table"}, "DestinationCidrBlock": "0.0.0.0/0", "TransitGatewayId": "tgw-0123"}},
	  "Elsewhere": {"Type": "AWS::EC2::Subnet", "Properties": {"VpcId": "vpc-0123"}},
	  "Tgw": {"Type": "AWS::Lambda::Function", "Properties": {"VpcConfig": {"SubnetIds": [{"Ref": "Subnet"}], "SecurityGroupIds": []}}},
	  "Main": {"Type": "AWS::Lambda::Function", "Properties": {"VpcConfig": {"SubnetIds": [{"Ref": "Elsewhere"}], "SecurityGroupIds": []}}}
	}}`
	tmpl, err := cfn.Parse("outside.json", []byte(doc))
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
	for fn, want := range map[string]string{"Tgw": "TransitGatewayId tgw-0123", "Main": "main route table of VPC vpc-0123"} {
		p, err := n.FunctionPath(tmpl, tmpl.Resources[fn])
		if err != nil {
			t.Fatal(err)
		}
		if p.Kind != Unknown || !strings.Contains(p.Reason, want) {
			t.Errorf("FunctionPath(%s) = %s (%s), want unknown naming %q", fn, p.Kind, p.Reason, want)
		}
	}
}
