// Package network provides PrivateNetwork: the subnets a private-S3 workload
// runs in and the S3 gateway endpoint on exactly their route tables.
//
// A gateway endpoint works by adding a route to the S3 prefix list on the
// route tables it is attached to; only subnets using those tables take the
// private path. PrivateNetwork therefore refuses subnets that would reach S3
// some other way (through NAT) or not at all (public subnets, where a Lambda
// function gets no public IP), and an existing endpoint that is not on the
// chosen subnets' route tables.
//
// A request from the subnets must be allowed twice: by the caller's IAM
// policies and by the endpoint policy. Grant, GrantRead and GrantWrite write
// both (and the bucket key's use through S3), for any awsiam.IGrantable whose
// principal is a role the stack can name in aws:PrincipalArn. At synth, a
// check judges every in-subnet function's S3 rights against the endpoint
// policy with the access matrix's evaluator (package policy): a right the
// endpoint certainly refuses is an error, one it cannot judge a warning
// (privates3:grantCheckUnknown).
package network

import (
	"fmt"
	"slices"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/privates3/privates3/constructs/internal/problems"
	"github.com/privates3/privates3/constructs/internal/token"
	"github.com/privates3/privates3/constructs/internal/warn"
	"github.com/privates3/privates3/constructs/nagsuppress"
)

// PrivateNetworkProps configures a PrivateNetwork. nil props create a new
// VPC with isolated subnets in two AZs and a new S3 gateway endpoint.
type PrivateNetworkProps struct {
	// Vpc is an existing VPC (for example awsec2.Vpc_FromLookup).
	// Default: a new VPC with only PRIVATE_ISOLATED subnets, no NAT gateway,
	// no internet gateway, DNS support and hostnames on.
	Vpc awsec2.IVpc
	// MaxAzs is the number of AZs of a new VPC. Default: 2. Refused with
	// Vpc, which brings its own AZs.
	MaxAzs *float64
	// Subnets selects the subnets the workload runs in.
	// Default: the VPC's PRIVATE_ISOLATED subnets.
	Subnets *awsec2.SubnetSelection
	// ExistingEndpointId reuses an S3 gateway endpoint (vpce-...) instead of
	// creating a duplicate. Its policy is not managed here.
	// Default: a new endpoint on the selected subnets' route tables.
	ExistingEndpointId *string
	// ExistingEndpointRouteTableIds are the route tables the existing
	// endpoint is attached to. Required with ExistingEndpointId: every
	// selected subnet's route table must be among them, or its traffic never
	// takes the endpoint.
	ExistingEndpointRouteTableIds []*string
}

// PrivateNetwork is a set of subnets whose only path to S3 is a gateway
// endpoint.
type PrivateNetwork struct {
	constructs.Construct
	Vpc awsec2.IVpc
	// Subnets are the selected subnets, for the workload's VpcConfig.
	Subnets []awsec2.ISubnet
	// Endpoint is the new gateway endpoint, nil when an existing one is used.
	Endpoint awsec2.GatewayVpcEndpoint
	// EndpointId is the id of the endpoint the subnets use.
	EndpointId *string
	// FlowLogs is the log group of the VPC's flow logs (a new VPC's), or of
	// the selected subnets' (an existing VPC's): who talked to what, and
	// whether it was accepted. One month of retention.
	FlowLogs awslogs.LogGroup
	// grants counts the endpoint statements of each Sid base (the
	// grantee's construct id), so Sids are unique and a grant to one
	// grantee never renumbers another's.
	grants map[string]int
}

// NewPrivateNetwork creates or imports the network. Invalid props panic
// once, with a line per problem naming the prop and the fix.
func NewPrivateNetwork(scope constructs.Construct, id *string, props *PrivateNetworkProps) *PrivateNetwork {
	if props == nil {
		props = &PrivateNetworkProps{}
	}
	bad := problems.New("PrivateNetwork")
	if props.ExistingEndpointId != nil && !token.Unresolved(props.ExistingEndpointId) && !strings.HasPrefix(*props.ExistingEndpointId, "vpce-") {
		bad.Add(fmt.Sprintf("ExistingEndpointId %q is not a VPC endpoint id: use the S3 gateway endpoint's id, such as vpce-0123456789abcdef0", *props.ExistingEndpointId))
	}
	if props.ExistingEndpointId != nil && len(props.ExistingEndpointRouteTableIds) == 0 {
		bad.Add("ExistingEndpointRouteTableIds is empty: name the route tables the existing endpoint is attached to, so the subnets can be checked to use it")
	}
	if props.ExistingEndpointId == nil && len(props.ExistingEndpointRouteTableIds) > 0 {
		bad.Add("ExistingEndpointRouteTableIds is set without ExistingEndpointId: set both to reuse an endpoint, or neither to create one")
	}
	maxAzs := props.MaxAzs
	switch {
	case maxAzs != nil && props.Vpc != nil:
		bad.Add("MaxAzs is set with Vpc: it applies only to the VPC PrivateNetwork creates; leave it nil, or leave Vpc nil")
	case maxAzs != nil && !*awscdk.Token_IsUnresolved(maxAzs) && *maxAzs < 1:
		bad.Add(fmt.Sprintf("MaxAzs %v is invalid: use 2 or more (at least 1)", *maxAzs))
		maxAzs = nil // the VPC below is then built only to check the other props
	}

	c := constructs.NewConstruct(scope, id)
	n := &PrivateNetwork{Construct: c, Vpc: props.Vpc}
	if n.Vpc == nil {
		if maxAzs == nil {
			maxAzs = jsii.Number(2)
		}
		n.Vpc = awsec2.NewVpc(c, jsii.String("Vpc"), &awsec2.VpcProps{
			MaxAzs:                maxAzs,
			NatGateways:           jsii.Number(0),
			CreateInternetGateway: jsii.Bool(false),
			EnableDnsSupport:      jsii.Bool(true), // gateway endpoints need DNS resolution
			EnableDnsHostnames:    jsii.Bool(true),
			// Whatever the caller's feature flags: the default group would
			// otherwise allow all egress to anything placed in it.
			RestrictDefaultSecurityGroup: jsii.Bool(true),
			SubnetConfiguration: &[]*awsec2.SubnetConfiguration{{
				Name:       jsii.String("Isolated"),
				SubnetType: awsec2.SubnetType_PRIVATE_ISOLATED,
				CidrMask:   jsii.Number(24),
			}},
		})
		nagsuppress.RestrictDefaultSG(n.Vpc)
	}
	selection := props.Subnets
	if selection == nil {
		selection = &awsec2.SubnetSelection{SubnetType: awsec2.SubnetType_PRIVATE_ISOLATED}
	}
	n.Subnets = *n.Vpc.SelectSubnets(selection).Subnets
	if len(n.Subnets) == 0 {
		bad.Add("Subnets selects no subnet: the VPC needs PRIVATE_ISOLATED subnets, or select the subnets to use explicitly")
	}
	checkNoOtherPath(bad, n.Vpc, n.Subnets)
	if props.ExistingEndpointId != nil && len(props.ExistingEndpointRouteTableIds) > 0 {
		checkEndpointRoutes(bad, n.Subnets, props.ExistingEndpointRouteTableIds)
	}
	bad.Panic()

	checkAzs(c, n.Subnets)
	n.FlowLogs = flowLogs(c, n.Vpc, n.Subnets, props.Vpc == nil)
	if props.ExistingEndpointId != nil {
		n.EndpointId = props.ExistingEndpointId
		awscdk.Annotations_Of(c).AddInfo(jsii.String("PrivateNetwork: the existing endpoint's policy is not managed by this stack; keep it least-privilege"))
		return n
	}
	n.Endpoint = n.Vpc.AddGatewayEndpoint(jsii.String("S3Endpoint"), &awsec2.GatewayVpcEndpointOptions{
		Service: awsec2.GatewayVpcEndpointAwsService_S3(),
		// Exactly the workload's subnets: other subnets keep their own path.
		Subnets: &[]*awsec2.SubnetSelection{{Subnets: &n.Subnets}},
	})
	n.EndpointId = n.Endpoint.VpcEndpointId()
	c.Node().AddValidation(&endpointPolicyCheck{endpoint: n.Endpoint})
	c.Node().AddValidation(&grantCheck{network: n})
	return n
}

// checkNoOtherPath refuses subnets whose route table sends traffic to an
// internet gateway or NAT. Through NAT, the gateway endpoint's prefix-list
// route is the more specific one for this region's S3 (VPC User Guide,
// "Route priority": the most specific route wins), but every other
// destination, another region's S3 included, reaches the internet: the path
// this network exists to rule out. In a public subnet a Lambda function
// gets no public IP and has no network at all.
func checkNoOtherPath(bad *problems.List, vpc awsec2.IVpc, subnets []awsec2.ISubnet) {
	public := subnetIds(*vpc.PublicSubnets())
	withEgress := subnetIds(*vpc.PrivateSubnets())
	for _, s := range subnets {
		sid := *s.SubnetId()
		name := *s.Node().Path()
		if !token.Unresolved(s.SubnetId()) {
			name += " (" + sid + ")"
		}
		switch {
		case slices.Contains(public, sid):
			bad.Add(fmt.Sprintf("Subnets selects public subnet %s: a Lambda function there gets no public IP, so it has no network at all; select PRIVATE_ISOLATED subnets", name))
			continue
		case slices.Contains(withEgress, sid):
			bad.Add(fmt.Sprintf("Subnets selects subnet %s that routes through NAT: the gateway endpoint's route wins only for this region's S3 (the most specific route is used), so everything else, a bucket of another region included, would leave through NAT to the internet, the path this network exists to rule out; select PRIVATE_ISOLATED subnets", name))
			continue
		}
		// Routes added by hand to a CDK subnet count too.
		for _, child := range *s.Node().Children() {
			r, ok := child.(awsec2.CfnRoute)
			if !ok {
				continue
			}
			if r.GatewayId() != nil || r.NatGatewayId() != nil {
				bad.Add(fmt.Sprintf("Subnets selects subnet %s, whose route %s goes to an internet gateway or NAT gateway: requests would bypass the S3 endpoint; remove the route or select PRIVATE_ISOLATED subnets", *s.Node().Path(), *r.Node().Path()))
			}
		}
	}
}

// checkEndpointRoutes refuses an existing endpoint that is not on every
// selected subnet's route table.
func checkEndpointRoutes(bad *problems.List, subnets []awsec2.ISubnet, routeTableIds []*string) {
	attached := make([]string, 0, len(routeTableIds))
	for _, id := range routeTableIds {
		attached = append(attached, *id)
	}
	for _, s := range subnets {
		rt := routeTableId(s)
		if rt == nil {
			bad.Add(fmt.Sprintf("Vpc: subnet %s has no known route table: import the VPC with its route table ids (Vpc_FromVpcAttributes IsolatedSubnetRouteTableIds) so the existing endpoint can be checked", *s.SubnetId()))
			continue
		}
		if token.Unresolved(rt) {
			continue
		}
		if !slices.Contains(attached, *rt) {
			bad.Add(fmt.Sprintf("ExistingEndpointRouteTableIds %v does not include route table %s of subnet %s: that subnet's traffic would not take the endpoint; attach the endpoint to that route table or select other subnets", attached, *rt, *s.SubnetId()))
		}
	}
}

// routeTableId returns the subnet's route table id, nil when unknown: a
// subnet imported without one (Vpc_FromVpcAttributes without
// IsolatedSubnetRouteTableIds) has a route table whose id jsii cannot read.
func routeTableId(s awsec2.ISubnet) (id *string) {
	defer func() {
		if recover() != nil {
			id = nil
		}
	}()
	if rt := s.RouteTable(); rt != nil {
		return rt.RouteTableId()
	}
	return nil
}

// checkAzs warns when the subnets span fewer than two AZs: the function then
// loses Lambda's own multi-AZ resilience, which is not wrong, only fragile.
func checkAzs(c constructs.Construct, subnets []awsec2.ISubnet) {
	azs := map[string]bool{}
	for _, s := range subnets {
		azs[*s.AvailabilityZone()] = true
	}
	if len(azs) < 2 {
		warn.Add(c, "privates3:singleAz", fmt.Sprintf("PrivateNetwork: the subnets span %d AZ; use at least 2 so the function survives an AZ outage", len(azs)))
	}
}

func subnetIds(subnets []awsec2.ISubnet) []string {
	ids := make([]string, 0, len(subnets))
	for _, s := range subnets {
		ids = append(ids, *s.SubnetId())
	}
	return ids
}

// endpointPolicyCheck runs when the tree is complete: an endpoint with no
// policy allows everything to everyone on every bucket, and one with only
// Deny statements allows nothing.
type endpointPolicyCheck struct{ endpoint awsec2.GatewayVpcEndpoint }

func (v *endpointPolicyCheck) Validate() *[]*string {
	doc := v.endpoint.PolicyDocument()
	if doc == nil || *doc.IsEmpty() {
		return &[]*string{jsii.String("PrivateNetwork: the S3 endpoint policy is empty, which means AWS's default allow-all for every bucket; grant the workload through Grant, GrantRead or GrantWrite (the uploader construct does)")}
	}
	resolved, _ := awscdk.Stack_Of(v.endpoint).Resolve(doc).(map[string]interface{})
	statements, _ := resolved["Statement"].([]interface{})
	for _, s := range statements {
		if m, ok := s.(map[string]interface{}); ok && m["Effect"] == "Allow" {
			return &[]*string{}
		}
	}
	return &[]*string{jsii.String("PrivateNetwork: the S3 endpoint policy has only Deny statements, so it allows nothing through the endpoint; add an Allow for the workload's actions on its bucket")}
}
