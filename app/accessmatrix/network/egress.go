package network

import (
	"encoding/json"
	"fmt"
	"net/netip"
	"slices"
	"strings"

	"github.com/privates3/privates3/app/accessmatrix/cfn"
)

// reach is whether a function's packets to S3 can leave its security
// groups.
type reach int8

const (
	blocked  reach = iota // no rule can let TCP 443 reach S3
	doubtful              // a rule may: its destination may or may not hold S3's addresses
	open                  // a rule certainly does
)

// egress judges a function's security groups. Groups are additive: one
// rule of one group that reaches S3 suffices. It returns why when the
// answer is blocked or doubtful.
func (n *Network) egress(t *cfn.Template, groups []string) (reach, string, error) {
	if len(groups) == 0 {
		return open, "", nil
	}
	best, why := blocked, ""
	var names []string
	for _, g := range groups {
		res, gt := n.lookup(t, g)
		if res == nil || res.Type != "AWS::EC2::SecurityGroup" {
			if best == blocked {
				best, why = doubtful, fmt.Sprintf("security group %s is not in the templates, so its egress rules are unknown", g)
			}
			continue
		}
		names = append(names, res.LogicalID)
		rules, inline, err := n.groupRules(gt, res, g)
		if err != nil {
			return blocked, "", err
		}
		if !inline {
			// No SecurityGroupEgress property: CloudFormation keeps the
			// default allow-all egress rule.
			return open, "", nil
		}
		for _, rule := range rules {
			r, w := n.ruleReach(rule)
			if r == open {
				return open, "", nil
			}
			if r > best {
				best, why = r, fmt.Sprintf("security group %s: %s", res.LogicalID, w)
			}
		}
	}
	if best == blocked {
		why = fmt.Sprintf("security group %s allows no TCP 443 egress that can reach S3 (it needs the S3 prefix list or 0.0.0.0/0)", strings.Join(names, ", "))
	}
	return best, why, nil
}

// groupRules returns a group's egress rules: its inline ones and the
// AWS::EC2::SecurityGroupEgress resources that name it.
func (n *Network) groupRules(t *cfn.Template, res *cfn.Resource, ref string) ([]map[string]any, bool, error) {
	v, inline, err := n.r.Property(t, res, "SecurityGroupEgress")
	if err != nil || !inline {
		return nil, inline, err
	}
	var rules []map[string]any
	if l, ok := v.([]any); ok {
		for _, e := range l {
			if m, ok := e.(map[string]any); ok {
				rules = append(rules, m)
			}
		}
	}
	// The group as its template names it: its Ref and its GroupId.
	own := map[string]bool{ref: true}
	for _, v := range []any{map[string]any{"Ref": res.LogicalID}, map[string]any{"Fn::GetAtt": []any{res.LogicalID, "GroupId"}}} {
		s, err := n.r.Resolve(t, v)
		if err != nil {
			return nil, false, err
		}
		if s, ok := s.(string); ok {
			own[s] = true
		}
	}
	for _, e := range n.extraEgress {
		if own[e.group] {
			rules = append(rules, e.rule)
		}
	}
	return rules, true, nil
}

// ruleReach judges one egress rule: TCP 443 (or all traffic) to the S3
// prefix list or to every address is open; to a range that cannot hold
// S3's addresses it is blocked; anything else is doubtful, with why.
func (n *Network) ruleReach(rule map[string]any) (reach, string) {
	get := func(k string) string {
		s, _ := cfn.String(rule[k])
		return s
	}
	if !allowsTCP443(get("IpProtocol"), get("FromPort"), get("ToPort")) {
		return blocked, ""
	}
	if pl := get("DestinationPrefixListId"); pl != "" {
		if n.isS3PrefixList(pl) {
			return open, ""
		}
		return doubtful, fmt.Sprintf("prefix list %s is not provably S3's managed prefix list (give it with --s3-prefix-list, or look it up by the name com.amazonaws.REGION.s3)", pl)
	}
	if c := get("CidrIp"); c != "" {
		return cidrReach(c)
	}
	// CidrIpv6 (the gateway endpoint path is IPv4) or another security
	// group (S3 is in none).
	return blocked, ""
}

func allowsTCP443(proto, from, to string) bool {
	switch strings.ToLower(proto) {
	case "-1", "all":
		return true
	case "tcp", "6":
	default:
		return false
	}
	var f, t int
	if _, err := fmt.Sscan(from, &f); err != nil {
		return false
	}
	if _, err := fmt.Sscan(to, &t); err != nil {
		return false
	}
	return (f <= 443 && 443 <= t) || (f == -1 && t == -1)
}

// specialPurpose are the IPv4 ranges of IANA's IPv4 Special-Purpose
// Address Registry (RFC 6890 and its updates): private, shared, loopback,
// link-local, documentation, benchmarking, multicast and reserved space,
// none of which is ever a public address of S3. CDK writes
// 255.255.255.255/32 when a group must allow no egress.
var specialPurpose = []netip.Prefix{
	netip.MustParsePrefix("0.0.0.0/8"),
	netip.MustParsePrefix("10.0.0.0/8"),
	netip.MustParsePrefix("100.64.0.0/10"),
	netip.MustParsePrefix("127.0.0.0/8"),
	netip.MustParsePrefix("169.254.0.0/16"),
	netip.MustParsePrefix("172.16.0.0/12"),
	netip.MustParsePrefix("192.0.0.0/24"),
	netip.MustParsePrefix("192.0.2.0/24"),
	netip.MustParsePrefix("192.168.0.0/16"),
	netip.MustParsePrefix("198.18.0.0/15"),
	netip.MustParsePrefix("198.51.100.0/24"),
	netip.MustParsePrefix("203.0.113.0/24"),
	netip.MustParsePrefix("224.0.0.0/4"),
	netip.MustParsePrefix("240.0.0.0/4"),
}

// cidrReach: only a rule that covers every address proves that S3 is in
// it; S3's addresses change (AWS publishes them in ip-ranges.json), so any
// other public range may or may not hold them.
func cidrReach(cidr string) (reach, string) {
	p, err := netip.ParsePrefix(cidr)
	if err != nil {
		if cfn.IsSymbolic(cidr) {
			return doubtful, fmt.Sprintf("egress to %s, unknown offline, may or may not hold S3's addresses", cidr)
		}
		return blocked, ""
	}
	if p.Bits() == 0 {
		return open, ""
	}
	for _, r := range specialPurpose {
		if r.Bits() <= p.Bits() && r.Contains(p.Addr()) {
			return blocked, ""
		}
	}
	return doubtful, fmt.Sprintf("egress to %s may or may not hold S3's addresses; only the S3 prefix list or 0.0.0.0/0 proves it", cidr)
}

// isS3PrefixList proves that a prefix list id is S3's: the caller says so,
// or it is the result of CDK's lookup of the prefix list named
// com.amazonaws.REGION.s3 (an AwsCustomResource calling EC2
// DescribeManagedPrefixLists). Only AWS can own that name: "The name
// cannot start with com.amazonaws" (EC2 API Reference,
// CreateManagedPrefixList, PrefixListName).
func (n *Network) isS3PrefixList(id string) bool {
	if slices.Contains(n.external.S3PrefixLists, id) {
		return true
	}
	if !strings.HasPrefix(id, "${") || !strings.HasSuffix(id, "}") {
		return false
	}
	// The lookup's result, an attribute of a custom resource: of the
	// template the symbol names, or of the one template that has it.
	scope, local := n.r.Scope(id)
	name, ok := strings.CutSuffix(local, ".PrefixLists.0.PrefixListId")
	if !ok {
		return false
	}
	for _, t := range n.r.Templates() {
		if scope != nil && t != scope {
			continue
		}
		res, ok := t.Resources[name]
		if !ok || !strings.HasPrefix(res.Type, "Custom::") {
			continue
		}
		v, ok, err := n.r.Property(t, res, "Create")
		if s, isString := v.(string); err == nil && ok && isString {
			return looksUpS3PrefixList(s)
		}
	}
	return false
}

// looksUpS3PrefixList reads an AwsCustomResource call.
func looksUpS3PrefixList(call string) bool {
	var c struct {
		Service    string `json:"service"`
		Action     string `json:"action"`
		Parameters struct {
			Filters []struct {
				Name   string   `json:"Name"`
				Values []string `json:"Values"`
			} `json:"Filters"`
		} `json:"parameters"`
	}
	if err := json.Unmarshal([]byte(call), &c); err != nil {
		return false
	}
	service := strings.ToLower(c.Service)
	action := strings.TrimSuffix(strings.ToLower(c.Action), "command")
	f := c.Parameters.Filters
	return (service == "ec2" || service == "@aws-sdk/client-ec2") && action == "describemanagedprefixlists" &&
		len(f) == 1 && f[0].Name == "prefix-list-name" && len(f[0].Values) == 1 && isS3Service(f[0].Values[0])
}
