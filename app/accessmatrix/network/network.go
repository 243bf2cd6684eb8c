// Package network works out, from CloudFormation resources alone, the path a
// Lambda function's S3 requests take: the public AWS network when the
// function is not in a VPC; otherwise, per subnet, the route table's S3
// gateway endpoint, a NAT default route, or nothing at all, and whether
// the security groups let TCP 443 out to S3.
//
// The point is to catch "private routing configured but never used": an
// endpoint that exists but is not on the route table of the subnet that
// matters, a NAT route that still carries the traffic, or a security group
// that blocks the endpoint.
package network

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/privates3/privates3/app/accessmatrix/cfn"
)

// Kind is the path class printed in the matrix.
type Kind string

// The paths, from the function's point of view.
const (
	// Internet: not in a VPC; Lambda's own network reaches S3's public
	// endpoint.
	Internet Kind = "internet"
	// VPCEndpoint: the subnet's route table has an S3 gateway endpoint.
	VPCEndpoint Kind = "vpc-endpoint"
	// NAT: the subnet's default route goes through a NAT (or another
	// translating hop), so S3 sees a public source and no aws:SourceVpce.
	NAT Kind = "nat"
	// None: no route to S3 at all, or the security group blocks it.
	None Kind = "none"
	// Unknown: the path leads through something outside the templates (a
	// subnet, a route table, a transit gateway) and cannot be followed.
	Unknown Kind = "unknown"
)

// rank orders paths from intended to broken, to report the worst of a
// function's subnets: an unreachable subnet makes some invocations time
// out, a NAT subnet makes some leave the private path, and an unknown one
// leaves the private path unproven.
var rank = map[Kind]int{VPCEndpoint: 0, Internet: 0, Unknown: 1, NAT: 2, None: 3}

// Endpoint is an S3 gateway VPC endpoint.
type Endpoint struct {
	Template *cfn.Template
	Resource *cfn.Resource
	// ID is what aws:SourceVpce holds for requests through it: the
	// endpoint's Ref, usually the symbol ${LogicalId}.
	ID string
	// VPC is what aws:SourceVpc holds.
	VPC string
	// Policy is the resolved PolicyDocument, nil when absent (AWS's
	// default policy then allows everything).
	Policy any
	// External is set for an endpoint defined outside the templates; its
	// Policy is nil when the caller did not give it, and then unknown.
	External bool
	// routeTables are the resolved RouteTableIds.
	routeTables []string
}

// Path is the result for one function.
type Path struct {
	Kind Kind
	// Endpoint is set when Kind is VPCEndpoint.
	Endpoint *Endpoint
	Reason   string
	// Doubt, when set, says why the request may not leave the function's
	// subnets at all: the route is known, but a security group may drop
	// it (an egress rule to a range or prefix list that may not hold S3's
	// addresses).
	Doubt string
}

// Network indexes the network resources of a set of templates.
type Network struct {
	r *cfn.Resolver
	// byRef maps a resolved Ref (or GetAtt GroupId) string to its
	// resource, per template, so a function's SubnetIds can be followed.
	byRef       map[*cfn.Template]map[string]*cfn.Resource
	owner       map[*cfn.Resource]*cfn.Template
	endpoints   []*Endpoint
	assocs      []assoc
	routes      []route
	extraEgress []egressRule
	// external is what the caller knows of the network outside the
	// templates.
	external External
}

// External describes network resources defined outside the templates (an
// existing VPC, a reused endpoint), as the caller knows them, for example
// from a CDK lookup.
type External struct {
	// Subnets maps a subnet id to its route table id.
	Subnets map[string]string
	// Endpoints maps an S3 gateway endpoint id to the route tables it is
	// on.
	Endpoints map[string][]string
	// EndpointPolicies gives the policy documents of Endpoints, when the
	// caller knows them. Without one an endpoint's policy is unknown: it
	// may allow or deny anything, so no request through it is provably
	// allowed.
	EndpointPolicies map[string]any
	// S3PrefixLists are prefix list ids known to be S3's managed prefix
	// list (com.amazonaws.REGION.s3), as a CDK lookup returns them. An
	// egress rule to another pl- id may not reach S3.
	S3PrefixLists []string
}

type assoc struct{ subnet, table, id string }

type route struct {
	table, dest, id string
	target          string // property name: NatGatewayId, GatewayId, ...
	value           string
	t               *cfn.Template
}

type egressRule struct {
	group string // resolved GroupId
	rule  map[string]any
	id    string
}

// New resolves and indexes every network resource of the resolver's
// templates.
//
// external describes what is defined outside the templates; a subnet in
// neither gives no provable path.
func New(r *cfn.Resolver, external External) (*Network, error) {
	n := &Network{r: r, byRef: map[*cfn.Template]map[string]*cfn.Resource{}, owner: map[*cfn.Resource]*cfn.Template{}, external: external}
	for _, t := range r.Templates() {
		idx := map[string]*cfn.Resource{}
		n.byRef[t] = idx
		ids := slices.Sorted(maps.Keys(t.Resources))
		for _, id := range ids {
			res := t.Resources[id]
			// Only the network matters here; a condition on anything else
			// (CDK's metadata resource depends on the region) need not be
			// decidable offline.
			if !strings.HasPrefix(res.Type, "AWS::EC2::") {
				continue
			}
			ok, err := r.Exists(t, res)
			if err != nil {
				return nil, err
			}
			if !ok {
				continue
			}
			n.owner[res] = t
			ref, err := r.Ref(t, id)
			if err != nil {
				return nil, err
			}
			if s, ok := ref.(string); ok {
				idx[s] = res
			}
			switch res.Type {
			case "AWS::EC2::SecurityGroup":
				g, err := r.Resolve(t, map[string]any{"Fn::GetAtt": []any{id, "GroupId"}})
				if err != nil {
					return nil, err
				}
				if s, ok := g.(string); ok {
					idx[s] = res
				}
			case "AWS::EC2::VPCEndpoint":
				if err := n.addEndpoint(t, res, ref); err != nil {
					return nil, err
				}
			case "AWS::EC2::SubnetRouteTableAssociation":
				s, err := n.str(t, res, "SubnetId")
				if err != nil {
					return nil, err
				}
				rt, err := n.str(t, res, "RouteTableId")
				if err != nil {
					return nil, err
				}
				n.assocs = append(n.assocs, assoc{s, rt, id})
			case "AWS::EC2::Route":
				if err := n.addRoute(t, res); err != nil {
					return nil, err
				}
			case "AWS::EC2::SecurityGroupEgress":
				g, err := n.str(t, res, "GroupId")
				if err != nil {
					return nil, err
				}
				rule := map[string]any{}
				for k := range res.Properties {
					v, ok, err := r.Property(t, res, k)
					if err != nil {
						return nil, err
					}
					if ok {
						rule[k] = v
					}
				}
				n.extraEgress = append(n.extraEgress, egressRule{group: g, rule: rule, id: id})
			}
		}
	}
	var first *cfn.Template
	if ts := r.Templates(); len(ts) > 0 {
		first = ts[0]
	}
	for _, id := range slices.Sorted(maps.Keys(external.Endpoints)) {
		res := &cfn.Resource{LogicalID: id, Type: "AWS::EC2::VPCEndpoint"}
		n.endpoints = append(n.endpoints, &Endpoint{Template: first, Resource: res, ID: id, routeTables: external.Endpoints[id], Policy: external.EndpointPolicies[id], External: true})
	}
	return n, nil
}

// str resolves a property that must be a string.
func (n *Network) str(t *cfn.Template, res *cfn.Resource, prop string) (string, error) {
	v, ok, err := n.r.Property(t, res, prop)
	if err != nil || !ok {
		return "", err
	}
	s, ok := cfn.String(v)
	if !ok {
		return "", &cfn.Error{File: t.Name, Resource: res.LogicalID, Property: prop, Err: fmt.Errorf("must resolve to a string")}
	}
	return s, nil
}

func (n *Network) addEndpoint(t *cfn.Template, res *cfn.Resource, ref any) error {
	typ, err := n.str(t, res, "VpcEndpointType")
	if err != nil {
		return err
	}
	svc, err := n.str(t, res, "ServiceName")
	if err != nil {
		return err
	}
	// Only gateway endpoints change routes; interface endpoints need DNS
	// or endpoint URLs, which a template does not show.
	if (typ != "" && typ != "Gateway") || !isS3Service(svc) {
		return nil
	}
	vpc, err := n.str(t, res, "VpcId")
	if err != nil {
		return err
	}
	rts, ok, err := n.r.Property(t, res, "RouteTableIds")
	if err != nil {
		return err
	}
	var tables []string
	if ok {
		if tables, ok = cfn.Strings(rts); !ok {
			return &cfn.Error{File: t.Name, Resource: res.LogicalID, Property: "RouteTableIds", Err: fmt.Errorf("must resolve to a list of strings")}
		}
	}
	doc, _, err := n.r.Property(t, res, "PolicyDocument")
	if err != nil {
		return err
	}
	if s, ok := doc.(string); ok {
		// CloudFormation accepts the policy as a JSON string too.
		return &cfn.Error{File: t.Name, Resource: res.LogicalID, Property: "PolicyDocument", Err: fmt.Errorf("a policy given as a string (%.40q) is not supported; write it as a JSON object", s)}
	}
	id, _ := cfn.String(ref)
	n.endpoints = append(n.endpoints, &Endpoint{Template: t, Resource: res, ID: id, VPC: vpc, Policy: doc, routeTables: tables})
	return nil
}

// isS3Service recognises com.amazonaws.<region>.s3, whatever the region
// symbol, and the China partition's cn.com.amazonaws.<region>.s3.
func isS3Service(s string) bool {
	return strings.HasSuffix(s, ".s3") && (strings.HasPrefix(s, "com.amazonaws.") || strings.HasPrefix(s, "cn.com.amazonaws."))
}

func (n *Network) addRoute(t *cfn.Template, res *cfn.Resource) error {
	table, err := n.str(t, res, "RouteTableId")
	if err != nil {
		return err
	}
	dest, err := n.str(t, res, "DestinationCidrBlock")
	if err != nil {
		return err
	}
	rt := route{table: table, dest: dest, id: res.LogicalID}
	for _, prop := range []string{"NatGatewayId", "GatewayId", "InstanceId", "TransitGatewayId", "NetworkInterfaceId", "VpcPeeringConnectionId", "EgressOnlyInternetGatewayId", "CarrierGatewayId", "LocalGatewayId", "VpcEndpointId", "CoreNetworkArn"} {
		v, err := n.str(t, res, prop)
		if err != nil {
			return err
		}
		if v != "" {
			rt.target, rt.value, rt.t = prop, v, t
			break
		}
	}
	n.routes = append(n.routes, rt)
	return nil
}

// Endpoints returns every S3 gateway endpoint, sorted by template and
// logical id.
func (n *Network) Endpoints() []*Endpoint { return n.endpoints }

// lookup finds the resource a resolved reference points to, in the
// function's own template first.
func (n *Network) lookup(t *cfn.Template, ref string) (*cfn.Resource, *cfn.Template) {
	if res := n.byRef[t][ref]; res != nil {
		return res, t
	}
	for _, o := range n.r.Templates() {
		if res := n.byRef[o][ref]; res != nil {
			return res, o
		}
	}
	return nil, nil
}

// FunctionPath computes the path of an AWS::Lambda::Function.
func (n *Network) FunctionPath(t *cfn.Template, fn *cfn.Resource) (Path, error) {
	vc, ok, err := n.r.Property(t, fn, "VpcConfig")
	if err != nil {
		return Path{}, err
	}
	var subnets, groups []string
	if m, isMap := vc.(map[string]any); ok && isMap {
		if v, ok := m["SubnetIds"]; ok {
			if subnets, ok = cfn.Strings(v); !ok {
				return Path{}, &cfn.Error{File: t.Name, Resource: fn.LogicalID, Property: "VpcConfig.SubnetIds", Err: fmt.Errorf("must resolve to a list of strings")}
			}
		}
		if v, ok := m["SecurityGroupIds"]; ok {
			if groups, ok = cfn.Strings(v); !ok {
				return Path{}, &cfn.Error{File: t.Name, Resource: fn.LogicalID, Property: "VpcConfig.SecurityGroupIds", Err: fmt.Errorf("must resolve to a list of strings")}
			}
		}
	}
	if len(subnets) == 0 {
		return Path{Kind: Internet, Reason: "not in a VPC: Lambda reaches S3's public endpoint"}, nil
	}
	reach, why, err := n.egress(t, groups)
	if err != nil {
		return Path{}, err
	}
	if reach == blocked {
		return Path{Kind: None, Reason: why}, nil
	}
	p, err := n.worstSubnet(t, subnets)
	if err != nil {
		return Path{}, err
	}
	if reach == doubtful && p.Kind != None {
		p.Doubt = why
	}
	return p, nil
}

// worstSubnet follows each subnet of a function and reports the worst.
func (n *Network) worstSubnet(t *cfn.Template, subnets []string) (Path, error) {
	type sub struct {
		name string
		p    Path
	}
	var subs []sub
	for _, s := range subnets {
		p, name, err := n.subnetPath(t, s)
		if err != nil {
			return Path{}, err
		}
		subs = append(subs, sub{name, p})
	}
	worst := 0
	same := true
	for i, s := range subs {
		if rank[s.p.Kind] > rank[subs[worst].p.Kind] {
			worst = i
		}
		if s.p.Kind != subs[0].p.Kind || s.p.Endpoint != subs[0].p.Endpoint {
			same = false
		}
	}
	p := subs[worst].p
	if same {
		reasons := make([]string, 0, len(subs))
		seen := map[string]bool{}
		for _, s := range subs {
			if !seen[s.p.Reason] {
				seen[s.p.Reason] = true
				reasons = append(reasons, s.p.Reason)
			}
		}
		p.Reason = strings.Join(reasons, "; ")
		return p, nil
	}
	var others []string
	for i, s := range subs {
		if i != worst {
			others = append(others, fmt.Sprintf("%s %s", s.name, s.p.Kind))
		}
	}
	p.Reason = fmt.Sprintf("worst of %d subnets: %s (others: %s)", len(subs), p.Reason, strings.Join(others, ", "))
	return p, nil
}

// subnetPath follows one subnet to its route table and routes.
func (n *Network) subnetPath(t *cfn.Template, subnet string) (Path, string, error) {
	res, st := n.lookup(t, subnet)
	if res == nil || res.Type != "AWS::EC2::Subnet" {
		if table, ok := n.external.Subnets[subnet]; ok {
			return n.tablePath(t, subnet+" (outside the templates)", table), subnet, nil
		}
		return Path{Kind: Unknown, Reason: fmt.Sprintf("subnet %s is not defined in the given templates, so its route table is unknown (give it with --subnet %s=rtb-...)", subnet, subnet)}, subnet, nil
	}
	name := res.LogicalID
	vpcRef, err := n.str(st, res, "VpcId")
	if err != nil {
		return Path{}, name, err
	}
	vpc, vt := n.lookup(st, vpcRef)
	ownVPC := vpc != nil && vpc.Type == "AWS::EC2::VPC"
	if ownVPC {
		v, ok, err := n.r.Property(vt, vpc, "EnableDnsSupport")
		if err != nil {
			return Path{}, name, err
		}
		if s, _ := cfn.String(v); ok && strings.EqualFold(s, "false") {
			return Path{Kind: None, Reason: fmt.Sprintf("subnet %s: VPC %s has EnableDnsSupport false, so S3's name does not resolve", name, vpc.LogicalID)}, name, nil
		}
	}
	for _, a := range n.assocs {
		if a.subnet == subnet {
			return n.tablePath(st, name, a.table), name, nil
		}
	}
	if !ownVPC {
		return Path{Kind: Unknown, Reason: fmt.Sprintf("subnet %s has no route table association, so it uses the main route table of VPC %s, which is outside the templates", name, vpcRef)}, name, nil
	}
	// The main route table of a VPC the templates create has only the
	// local route: EC2 creates it so, and the templates add nothing to it.
	return Path{Kind: None, Reason: fmt.Sprintf("subnet %s has no route table association: the VPC main route table has only the local route", name)}, name, nil
}

// tablePath follows a subnet's route table: an S3 gateway endpoint on it
// wins (its prefix-list route is more specific than any default route),
// else its default route decides. The routes of a table outside the
// templates, and where a transit gateway, a peering connection or an
// appliance takes the traffic, are unknown.
func (n *Network) tablePath(t *cfn.Template, name, table string) Path {
	rt, _ := n.lookup(t, table)
	tableName := table
	if rt != nil {
		tableName = rt.LogicalID
	}
	for _, ep := range n.endpoints {
		for _, id := range ep.routeTables {
			if id == table {
				return Path{Kind: VPCEndpoint, Endpoint: ep, Reason: fmt.Sprintf("subnet %s -> route table %s -> S3 gateway endpoint %s", name, tableName, ep.Resource.LogicalID)}
			}
		}
	}
	if rt == nil || rt.Type != "AWS::EC2::RouteTable" {
		return Path{Kind: Unknown, Reason: fmt.Sprintf("subnet %s -> route table %s, which is outside the templates: no S3 gateway endpoint is known on it, and its routes are unknown", name, tableName)}
	}
	for _, r := range n.routes {
		if r.table != table || r.dest != "0.0.0.0/0" {
			continue
		}
		target := r.value
		targetRes, _ := n.lookup(r.t, r.value)
		if targetRes != nil {
			target = targetRes.LogicalID
		}
		isIGW := r.target == "GatewayId" && ((targetRes != nil && targetRes.Type == "AWS::EC2::InternetGateway") || strings.HasPrefix(r.value, "igw-"))
		switch {
		case isIGW:
			return Path{Kind: None, Reason: fmt.Sprintf("subnet %s -> route table %s -> internet gateway %s (public subnet, but a Lambda function gets no public IP) and no S3 gateway endpoint", name, tableName, target)}
		case r.target == "NatGatewayId":
			return Path{Kind: NAT, Reason: fmt.Sprintf("subnet %s -> route table %s -> NAT gateway %s (no S3 gateway endpoint on this table)", name, tableName, target)}
		case r.target != "":
			return Path{Kind: Unknown, Reason: fmt.Sprintf("subnet %s -> route table %s -> default route via %s %s, which leads outside the templates (no S3 gateway endpoint on this table)", name, tableName, r.target, target)}
		}
	}
	return Path{Kind: None, Reason: fmt.Sprintf("subnet %s -> route table %s has only local routes and no S3 gateway endpoint", name, tableName)}
}
