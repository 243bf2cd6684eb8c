// Package architecture draws the network paths of a synthesized privates3
// template as a Graphviz DOT graph: the VPC, its subnets and their route
// tables, the S3 gateway endpoint and the route tables it is on, NAT and
// internet gateways, the bucket, the functions, and each function's path to
// the bucket coloured by the access matrix's decision for one S3 action.
//
// The drawing is derived from the template and the decisions come from the
// access matrix (app/accessmatrix/matrix), never from a second evaluator, so
// the picture cannot claim a path is allowed that the matrix denies. Output
// is deterministic (everything sorted by logical id) so a committed diagram
// can be compared byte for byte with a fresh one.
package architecture

import (
	"errors"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"sort"
	"strings"

	"github.com/privates3/privates3/app/accessmatrix/cfn"
	"github.com/privates3/privates3/app/accessmatrix/matrix"
	"github.com/privates3/privates3/app/accessmatrix/network"
)

// DefaultAction is the action whose decisions colour the paths: the one the
// uploader exists for and the control must be refused.
const DefaultAction = "s3:PutObject"

// Options tune DOT.
type Options struct {
	// Action colours the paths; DefaultAction when empty.
	Action string
	// Functions lists the logical ids of the functions to draw. Default:
	// the functions the template's Outputs refer to (in privates3, the
	// uploader and the control), or every function when no output refers
	// to one. CDK's own custom-resource functions are left out by that
	// default because they are plumbing, not part of the design; the
	// caption counts them so nothing disappears silently.
	Functions []string
	// Source names the template in the caption, e.g. its path relative to
	// the repository.
	Source string
	// Regenerate is the command shown in the caption that regenerates the
	// diagram.
	Regenerate string
	// Values gives pseudo parameters and parameters otherwise unknown
	// offline (AWS::Region, say), as the access matrix's --set does, to
	// the drawing and to the matrix behind its colours alike.
	Values map[string]string
}

// drawnTypes are the resource types the picture is made of. Only their
// Conditions are decided: a condition on anything else changes nothing
// drawn, and CDK writes one that cannot be decided offline into every
// synthesized stack (CDKMetadataAvailable, the regions where the
// AWS::CDK::Metadata resource exists, which depends on AWS::Region).
var drawnTypes = map[string]bool{
	"AWS::EC2::VPC": true, "AWS::EC2::Subnet": true, "AWS::EC2::RouteTable": true,
	"AWS::EC2::SubnetRouteTableAssociation": true, "AWS::EC2::Route": true,
	"AWS::EC2::NatGateway": true, "AWS::EC2::InternetGateway": true,
	"AWS::S3::Bucket": true, "AWS::Lambda::Function": true,
}

// Decision colours, shared by edges and the legend.
const (
	colorAllowed     = "#1a7f37"
	colorDenied      = "#cf222e"
	colorUnreachable = "#8c959f"
	colorUnknown     = "#bf8700"
	colorStructure   = "#57606a"
)

// model is what the template says about the network, resolved.
type model struct {
	t    *cfn.Template
	r    *cfn.Resolver
	opts Options

	// byRef maps a resolved Ref string to the resource, so resolved
	// SubnetIds, RouteTableIds and route targets can be followed.
	byRef map[string]*cfn.Resource

	vpcs      []*cfn.Resource
	subnetVPC map[string]string // subnet logical id -> VPC logical id ("" when unknown)
	rtVPC     map[string]string
	// assoc maps a subnet's logical id to its route table's logical id.
	assoc map[string]string
	// endpointTables maps an endpoint's logical id to the logical ids of
	// the route tables it is on, sorted.
	endpointTables map[string][]string
	endpoints      []*network.Endpoint
	// defaultRoute maps a route table's logical id to the target of its
	// 0.0.0.0/0 route.
	defaultRoute map[string]routeTarget
	natSubnet    map[string]string // NAT gateway logical id -> subnet logical id
	igws         []*cfn.Resource
	natgws       []*cfn.Resource
	buckets      []*cfn.Resource
	functions    []*function
	// hidden lists the functions left out, and hiddenWhy says why.
	hidden    []string
	hiddenWhy string
}

type routeTarget struct {
	kind string // "nat", "igw" or "other"
	id   string // logical id, or the literal value when not in the template
}

type function struct {
	res *cfn.Resource
	// role is the output key that names the function, without its
	// "FunctionName" suffix ("Uploader"), or "" when no output does.
	role    string
	subnets []string // resolved SubnetIds, in template order
	// rows maps a bucket's logical id to the function's matrix row.
	rows map[string]matrix.Row
	// subnetRows maps subnet ref -> bucket logical id -> the row when the
	// function is placed in that subnet alone; set only for functions in
	// more than one subnet, whose subnets may differ.
	subnetRows map[string]map[string]matrix.Row
}

// build resolves the template into a model and asks the access matrix for
// every decision.
func build(t *cfn.Template, opts Options) (*model, error) {
	if opts.Action == "" {
		opts.Action = DefaultAction
	}
	r, err := cfn.NewResolver(cfn.Options{Values: opts.Values}, t)
	if err != nil {
		return nil, err
	}
	m := &model{
		t: t, r: r, opts: opts,
		byRef: map[string]*cfn.Resource{}, subnetVPC: map[string]string{}, rtVPC: map[string]string{},
		assoc: map[string]string{}, endpointTables: map[string][]string{}, defaultRoute: map[string]routeTarget{},
		natSubnet: map[string]string{},
	}
	ids := sortedIDs(t)
	var live []*cfn.Resource
	for _, id := range ids {
		res := t.Resources[id]
		if drawnTypes[res.Type] {
			ok, err := r.Exists(t, res)
			if err != nil {
				return nil, err
			}
			if !ok {
				continue
			}
			live = append(live, res)
		}
		// Any resource can be a route's target, drawn by its logical id.
		ref, err := r.Ref(t, id)
		if err != nil {
			return nil, err
		}
		if s, ok := cfn.String(ref); ok {
			m.byRef[s] = res
		}
	}
	for _, res := range live {
		if err := m.index(res); err != nil {
			return nil, err
		}
	}
	net, err := network.New(r, network.External{})
	if err != nil {
		return nil, err
	}
	m.endpoints = net.Endpoints()
	for _, ep := range m.endpoints {
		v, ok, err := r.Property(t, ep.Resource, "RouteTableIds")
		if err != nil {
			return nil, err
		}
		var tables []string
		if ok {
			refs, _ := cfn.Strings(v)
			for _, ref := range refs {
				tables = append(tables, m.name(ref))
			}
		}
		sort.Strings(tables)
		m.endpointTables[ep.Resource.LogicalID] = tables
	}
	m.selectBuckets()
	if err := m.selectFunctions(live); err != nil {
		return nil, err
	}
	if err := m.decide(); err != nil {
		return nil, err
	}
	return m, nil
}

func sortedIDs(t *cfn.Template) []string {
	ids := slices.Sorted(maps.Keys(t.Resources))
	return ids
}

// name returns the logical id a resolved reference points to, or the
// reference itself (an id like subnet-0abc from outside the template).
func (m *model) name(ref string) string {
	if res := m.byRef[ref]; res != nil {
		return res.LogicalID
	}
	return ref
}

func (m *model) str(res *cfn.Resource, prop string) (string, error) {
	v, ok, err := m.r.Property(m.t, res, prop)
	if err != nil || !ok {
		return "", err
	}
	s, ok := cfn.String(v)
	if !ok {
		return "", &cfn.Error{File: m.t.Name, Resource: res.LogicalID, Property: prop, Err: errors.New("must resolve to a string")}
	}
	return s, nil
}

func (m *model) index(res *cfn.Resource) error {
	switch res.Type {
	case "AWS::EC2::VPC":
		m.vpcs = append(m.vpcs, res)
	case "AWS::EC2::Subnet", "AWS::EC2::RouteTable":
		vpc, err := m.str(res, "VpcId")
		if err != nil {
			return err
		}
		if res.Type == "AWS::EC2::Subnet" {
			m.subnetVPC[res.LogicalID] = m.vpcID(vpc)
		} else {
			m.rtVPC[res.LogicalID] = m.vpcID(vpc)
		}
	case "AWS::EC2::SubnetRouteTableAssociation":
		s, err := m.str(res, "SubnetId")
		if err != nil {
			return err
		}
		rt, err := m.str(res, "RouteTableId")
		if err != nil {
			return err
		}
		if s != "" && rt != "" {
			m.assoc[m.name(s)] = m.name(rt)
		}
	case "AWS::EC2::Route":
		dest, err := m.str(res, "DestinationCidrBlock")
		if err != nil || dest != "0.0.0.0/0" {
			return err
		}
		table, err := m.str(res, "RouteTableId")
		if err != nil {
			return err
		}
		if nat, err := m.str(res, "NatGatewayId"); err != nil {
			return err
		} else if nat != "" {
			m.defaultRoute[m.name(table)] = routeTarget{"nat", m.name(nat)}
			return nil
		}
		gw, err := m.str(res, "GatewayId")
		if err != nil {
			return err
		}
		if target := m.byRef[gw]; (target != nil && target.Type == "AWS::EC2::InternetGateway") || strings.HasPrefix(gw, "igw-") {
			m.defaultRoute[m.name(table)] = routeTarget{"igw", m.name(gw)}
		} else if gw != "" {
			m.defaultRoute[m.name(table)] = routeTarget{"other", m.name(gw)}
		}
	case "AWS::EC2::NatGateway":
		m.natgws = append(m.natgws, res)
		s, err := m.str(res, "SubnetId")
		if err != nil {
			return err
		}
		m.natSubnet[res.LogicalID] = m.name(s)
	case "AWS::EC2::InternetGateway":
		m.igws = append(m.igws, res)
	case "AWS::S3::Bucket":
		m.buckets = append(m.buckets, res)
	}
	return nil
}

// vpcID maps a resolved VpcId to the VPC's logical id, "" when the VPC is
// not in the template (an imported one).
func (m *model) vpcID(ref string) string {
	if res := m.byRef[ref]; res != nil && res.Type == "AWS::EC2::VPC" {
		return res.LogicalID
	}
	return ""
}

// selectBuckets keeps the buckets the stack outputs (the private one, for
// this app), when it outputs any: a supporting bucket such as the access-log
// target is not what the picture is about.
func (m *model) selectBuckets() {
	var out []*cfn.Resource
	for _, b := range m.buckets {
		for _, o := range m.t.Outputs {
			if ref, ok := o.Value.(map[string]any); ok && ref["Ref"] == b.LogicalID {
				out = append(out, b)
				break
			}
		}
	}
	if len(out) > 0 {
		m.buckets = out
	}
}

// selectFunctions applies Options.Functions or the output-based default.
func (m *model) selectFunctions(live []*cfn.Resource) error {
	roles := map[string]string{}
	for _, key := range slices.Sorted(maps.Keys(m.t.Outputs)) {
		ref, ok := m.t.Outputs[key].Value.(map[string]any)
		if !ok {
			continue
		}
		id, _ := ref["Ref"].(string)
		if res, ok := m.t.Resources[id]; ok && res.Type == "AWS::Lambda::Function" {
			if _, seen := roles[id]; !seen {
				roles[id] = strings.TrimSuffix(key, "FunctionName")
			}
		}
	}
	var all []*cfn.Resource
	for _, res := range live {
		if res.Type == "AWS::Lambda::Function" {
			all = append(all, res)
		}
	}
	want := map[string]bool{}
	switch {
	case len(m.opts.Functions) > 0:
		m.hiddenWhy = "not selected"
		for _, id := range m.opts.Functions {
			res, ok := m.t.Resources[id]
			if !ok || res.Type != "AWS::Lambda::Function" {
				return fmt.Errorf("function %q: no AWS::Lambda::Function with that logical id in %s", id, m.t.Name)
			}
			want[id] = true
		}
	case len(roles) > 0:
		m.hiddenWhy = "not named by the stack's outputs, such as CDK's custom-resource providers"
		for id := range roles {
			want[id] = true
		}
	default:
		for _, res := range all {
			want[res.LogicalID] = true
		}
	}
	for _, res := range all {
		if !want[res.LogicalID] {
			m.hidden = append(m.hidden, res.LogicalID)
			continue
		}
		f := &function{res: res, role: roles[res.LogicalID], rows: map[string]matrix.Row{}}
		v, ok, err := m.r.Property(m.t, res, "VpcConfig")
		if err != nil {
			return err
		}
		if vc, isMap := v.(map[string]any); ok && isMap {
			if s, present := vc["SubnetIds"]; present {
				if f.subnets, ok = cfn.Strings(s); !ok {
					return &cfn.Error{File: m.t.Name, Resource: res.LogicalID, Property: "VpcConfig.SubnetIds", Err: errors.New("must resolve to a list of strings")}
				}
			}
		}
		m.functions = append(m.functions, f)
	}
	return nil
}

// decide fills each function's rows from the access matrix. A function in
// several subnets gets one matrix per subnet, computed on a copy of the
// template with only that subnet, because the matrix reports the worst
// subnet and the picture should colour each branch by what really happens
// on it.
func (m *model) decide() error {
	opts := matrix.Options{Actions: []string{m.opts.Action}, NoProbes: true, Values: m.opts.Values}
	rows, err := matrix.BuildWith(opts, m.t)
	if err != nil {
		return err
	}
	drawn := map[string]bool{}
	for _, b := range m.buckets {
		drawn[b.LogicalID] = true
	}
	for _, f := range m.functions {
		for _, row := range rows {
			if row.Function == f.res.LogicalID && drawn[row.Bucket] {
				f.rows[row.Bucket] = row
			}
		}
		if len(f.subnets) < 2 {
			continue
		}
		f.subnetRows = map[string]map[string]matrix.Row{}
		for i := range f.subnets {
			one, ref, ok := m.withOneSubnet(f.res.LogicalID, i)
			if !ok {
				// SubnetIds built by an intrinsic (Fn::If, a list
				// parameter) cannot be split: every branch then shows the
				// function's overall decision.
				f.subnetRows = nil
				break
			}
			srows, err := matrix.BuildWith(opts, one)
			if err != nil {
				return err
			}
			byBucket := map[string]matrix.Row{}
			for _, row := range srows {
				if row.Function == f.res.LogicalID && drawn[row.Bucket] {
					byBucket[row.Bucket] = row
				}
			}
			f.subnetRows[ref] = byBucket
		}
	}
	return nil
}

// withOneSubnet copies the template with function fn's SubnetIds cut down
// to the i-th entry, and returns that entry resolved. Only the maps on the
// way to SubnetIds are copied; the rest is shared read-only. ok is false
// when SubnetIds is not a literal list.
func (m *model) withOneSubnet(fn string, i int) (c *cfn.Template, ref string, ok bool) {
	t := m.t
	vc, _ := t.Resources[fn].Properties["VpcConfig"].(map[string]any)
	list, _ := vc["SubnetIds"].([]any)
	if i >= len(list) {
		return nil, "", false
	}
	v, err := m.r.Resolve(t, list[i])
	if err != nil {
		return nil, "", false
	}
	if ref, ok = cfn.String(v); !ok {
		return nil, "", false
	}
	cp := *t
	cp.Resources = make(map[string]*cfn.Resource, len(t.Resources))
	for k, v := range t.Resources {
		cp.Resources[k] = v
	}
	res := *t.Resources[fn]
	res.Properties = make(map[string]any, len(res.Properties))
	for k, v := range t.Resources[fn].Properties {
		res.Properties[k] = v
	}
	nvc := make(map[string]any, len(vc))
	for k, v := range vc {
		nvc[k] = v
	}
	nvc["SubnetIds"] = []any{list[i]}
	res.Properties["VpcConfig"] = nvc
	cp.Resources[fn] = &res
	return &cp, ref, true
}

// cdkHash is the 8-hex-digit suffix CDK appends to logical ids.
var cdkHash = regexp.MustCompile(`^(.+?)[0-9A-F]{8}$`)

// shortName drops CDK's hash suffix: the hash carries no meaning for a
// reader, and the full logical id stays in the tooltip.
func shortName(id string) string {
	if s := cdkHash.FindStringSubmatch(id); s != nil {
		return s[1]
	}
	return id
}
