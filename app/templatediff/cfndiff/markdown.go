package cfndiff

import (
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
)

// Category is a security review heading.
type Category string

// The headings, in the order a reviewer reads them.
const (
	IAM            Category = "IAM (roles, policies, managed policy ARNs, trust)"
	BucketPolicy   Category = "Bucket and access point policies"
	EndpointPolicy Category = "VPC endpoint (policy, route tables)"
	SecurityGroup  Category = "Security groups"
	KeyPolicy      Category = "KMS key policy"
	NetworkPath    Category = "Network paths (routes, gateways, network ACLs, flow logs)"
	FunctionAccess Category = "Lambda functions: role, VPC, resource policy"
	BucketSettings Category = "Bucket protection settings"
	// NagSuppressions is the heading for cdk-nag suppressions added or
	// removed on any resource: each one hides findings from the checks.
	NagSuppressions Category = "cdk-nag suppressions (added or removed)"
)

var categoryOrder = []Category{IAM, BucketPolicy, EndpointPolicy, SecurityGroup, KeyPolicy, FunctionAccess, BucketSettings, NetworkPath}

// typeCategory is the heading for every change to a resource of these
// types: each one grants access, or opens or closes a network path.
var typeCategory = map[Category][]string{
	IAM: {"AWS::IAM::Role", "AWS::IAM::Policy", "AWS::IAM::ManagedPolicy", "AWS::IAM::RolePolicy",
		"AWS::IAM::User", "AWS::IAM::UserPolicy", "AWS::IAM::Group", "AWS::IAM::GroupPolicy",
		"AWS::IAM::InstanceProfile", "AWS::IAM::UserToGroupAddition", "AWS::IAM::AccessKey",
		"AWS::IAM::OIDCProvider", "AWS::IAM::SAMLProvider"},
	BucketPolicy: {"AWS::S3::BucketPolicy", "AWS::S3::AccessPoint", "AWS::S3::MultiRegionAccessPointPolicy",
		"AWS::S3Express::BucketPolicy", "AWS::S3Express::AccessPoint", "AWS::S3ObjectLambda::AccessPointPolicy"},
	EndpointPolicy: {"AWS::EC2::VPCEndpoint", "AWS::EC2::VPCEndpointServicePermissions"},
	SecurityGroup:  {"AWS::EC2::SecurityGroup", "AWS::EC2::SecurityGroupIngress", "AWS::EC2::SecurityGroupEgress"},
	KeyPolicy:      {"AWS::KMS::Key", "AWS::KMS::ReplicaKey"},
	FunctionAccess: {"AWS::Lambda::Permission", "AWS::Lambda::Url", "AWS::Lambda::LayerVersionPermission"},
	NetworkPath: {"AWS::EC2::Route", "AWS::EC2::RouteTable", "AWS::EC2::SubnetRouteTableAssociation",
		"AWS::EC2::GatewayRouteTableAssociation", "AWS::EC2::NatGateway", "AWS::EC2::InternetGateway",
		"AWS::EC2::EgressOnlyInternetGateway", "AWS::EC2::CarrierGateway", "AWS::EC2::VPCGatewayAttachment",
		"AWS::EC2::VPNGateway", "AWS::EC2::VPNGatewayRoutePropagation", "AWS::EC2::VPNConnection", "AWS::EC2::VPNConnectionRoute",
		"AWS::EC2::TransitGateway", "AWS::EC2::TransitGatewayAttachment", "AWS::EC2::TransitGatewayVpcAttachment",
		"AWS::EC2::TransitGatewayPeeringAttachment", "AWS::EC2::TransitGatewayRoute", "AWS::EC2::TransitGatewayRouteTable",
		"AWS::EC2::TransitGatewayRouteTableAssociation", "AWS::EC2::TransitGatewayRouteTablePropagation",
		"AWS::EC2::VPCPeeringConnection", "AWS::EC2::LocalGatewayRoute", "AWS::EC2::LocalGatewayRouteTableVPCAssociation",
		"AWS::EC2::NetworkAcl", "AWS::EC2::NetworkAclEntry", "AWS::EC2::SubnetNetworkAclAssociation",
		"AWS::EC2::PrefixList", "AWS::EC2::FlowLog"},
}

// categoryOf is the heading for every change to a resource of this type.
func categoryOf(typ string) Category {
	for cat, types := range typeCategory {
		if slices.Contains(types, typ) {
			return cat
		}
	}
	return ""
}

// securityProperties are the properties that make a change to an
// otherwise ordinary resource security-relevant; propertyCategory is the
// heading it goes under.
var (
	securityProperties = map[string][]string{
		"AWS::Lambda::Function": {"Role", "VpcConfig"},
		// Who may read (AccessControl, the public access block, object
		// ownership, CORS, a website), where copies and logs go, how long
		// data lives and whether it can be deleted.
		"AWS::S3::Bucket": {"PublicAccessBlockConfiguration", "BucketEncryption", "OwnershipControls", "VersioningConfiguration",
			"NotificationConfiguration", "AccessControl", "LoggingConfiguration", "ReplicationConfiguration",
			"ObjectLockEnabled", "ObjectLockConfiguration", "LifecycleConfiguration", "WebsiteConfiguration", "CorsConfiguration"},
		// A subnet that gives instances public addresses is a public one.
		"AWS::EC2::Subnet": {"MapPublicIpOnLaunch", "AssignIpv6AddressOnCreation"},
	}
	propertyCategory = map[string]Category{
		"AWS::Lambda::Function": FunctionAccess,
		"AWS::S3::Bucket":       BucketSettings,
		"AWS::EC2::Subnet":      NetworkPath,
	}
)

func isSecurityProperty(typ, path string) bool {
	for _, p := range securityProperties[typ] {
		if path == p || strings.HasPrefix(path, p+".") || strings.HasPrefix(path, p+"[") {
			return true
		}
	}
	return false
}

// WriteMarkdown writes the changes for a pull-request reviewer: the
// security review first (replacements and retention, then the changes
// grouped by heading, then cdk-nag suppressions), then every added,
// removed and changed resource, then the outputs.
func WriteMarkdown(w io.Writer, oldName, newName string, d *Diff) error {
	changes := d.Resources
	var b strings.Builder
	var added, removed, modified int
	for _, c := range changes {
		switch c.Kind {
		case Added:
			added++
		case Removed:
			removed++
		case Modified:
			modified++
		}
	}
	security := d.SecurityRelevant()
	fmt.Fprintf(&b, "### Template diff: `%s` → `%s`\n\n", oldName, newName)
	outputs := ""
	if len(d.Outputs) > 0 {
		var n [3]int
		for _, o := range d.Outputs {
			n[slices.Index([]Kind{Added, Removed, Modified}, o.Kind)]++
		}
		outputs = fmt.Sprintf("; %d output(s) added, %d removed, %d changed", n[0], n[1], n[2])
	}
	switch {
	case len(changes) == 0 && len(d.Outputs) == 0:
		b.WriteString("No resource changes.\n")
		_, err := io.WriteString(w, b.String())
		return err
	case len(changes) == 0:
		fmt.Fprintf(&b, "No resource changes%s.\n\n", outputs)
	default:
		fmt.Fprintf(&b, "**%d security-relevant change(s)**; %d resource(s) added, %d removed, %d changed%s.\n\n", security, added, removed, modified, outputs)
	}

	if security > 0 {
		b.WriteString("#### Security review\n\n")
		writeWarnings(&b, changes)
		for _, cat := range categoryOrder {
			var in []Change
			for _, c := range changes {
				if c.Category == cat {
					in = append(in, c)
				}
			}
			if len(in) == 0 {
				continue
			}
			fmt.Fprintf(&b, "**%s**\n\n", cat)
			for _, c := range in {
				writeChange(&b, c, changeLines(c), "")
			}
			b.WriteString("\n")
		}
		writeSuppressions(&b, changes)
	}
	for _, kind := range []Kind{Added, Removed, Modified} {
		var in []Change
		for _, c := range changes {
			if c.Kind == kind {
				in = append(in, c)
			}
		}
		if len(in) == 0 {
			continue
		}
		title := map[Kind]string{Added: "Added resources", Removed: "Removed resources", Modified: "Changed resources"}[kind]
		fmt.Fprintf(&b, "#### %s\n\n", title)
		for _, c := range in {
			// Changes under a security heading were described there in
			// full; others are described here, and point to the review
			// for what else they hold.
			var lines []string
			if c.Category == "" {
				lines = changeLines(c)
			}
			note := ""
			if len(lines) == 0 && c.SecurityRelevant() {
				note = "see Security review"
			}
			writeChange(&b, c, lines, note)
		}
		b.WriteString("\n")
	}
	writeOutputs(&b, d.Outputs)
	_, err := io.WriteString(w, b.String())
	return err
}

// writeOutputs lists the outputs added, removed and changed, in name order.
func writeOutputs(b *strings.Builder, outputs []OutputChange) {
	if len(outputs) == 0 {
		return
	}
	b.WriteString("#### Outputs\n\n")
	for _, o := range outputs {
		fmt.Fprintf(b, "- %s `%s`", o.Kind, o.Name)
		switch {
		case o.Kind == Added:
			fmt.Fprintf(b, ": %s", code(o.Output.Value))
		case o.Kind == Removed:
			fmt.Fprintf(b, ": was %s", code(o.Output.Value))
		case len(o.Replaced) > 0:
			verb := "is"
			if len(o.Replaced) > 1 {
				verb = "are"
			}
			fmt.Fprintf(b, ": its value %s changes: %s %s replaced", code(o.Output.Value), codeList(o.Replaced), verb)
		}
		if o.Export != nil {
			fmt.Fprintf(b, "; exported as %s: CloudFormation refuses to remove or change it while another stack imports it", code(o.Export))
		}
		b.WriteString("\n")
		for _, l := range propertyLines(o.Properties) {
			b.WriteString("  - " + l + "\n")
		}
	}
	b.WriteString("\n")
}

// RetentionHeading is the first heading of the security review: what
// CloudFormation replaces, and what it leaves behind.
const RetentionHeading = "Replacements and retention"

// mark is the word a change's entry carries in the resource lists.
func mark(c Change) string {
	switch {
	case c.Replacement != nil && c.Replacement.Certain:
		return "REPLACED"
	case c.Replacement != nil:
		return "MAY BE REPLACED"
	case c.Orphaned() && c.Old.Outcome == Kept:
		return "ORPHANED"
	case c.Orphaned():
		return "MAY BE ORPHANED"
	}
	return ""
}

// writeWarnings writes one line per replaced or orphaned resource, per
// resource whose type changed and per change of retention.
func writeWarnings(b *strings.Builder, changes []Change) {
	var lines []string
	for _, c := range changes {
		if c.Orphaned() {
			text := fmt.Sprintf("**%s** `%s` (%s): removed from the template, but", mark(c), c.LogicalID, c.Type)
			if c.Old.Outcome == Kept {
				text += fmt.Sprintf(" kept, by %s: it stays in the account, outside the stack.", c.Old.By)
			} else {
				text += fmt.Sprintf(" %s decides whether it is kept, outside the stack.", c.Old.By)
			}
			lines = append(lines, text+notesText(c.Old.Notes))
			continue
		}
		if len(c.Retention) > 0 {
			var parts []string
			for _, r := range c.Retention {
				attr := strings.Trim(r.Path, "()")
				var change string
				switch {
				case !r.HasOld:
					change = "added " + code(r.New)
				case !r.HasNew:
					change = "removed " + code(r.Old)
				default:
					change = code(r.Old) + " → " + code(r.New)
				}
				when := "removed from the template, or with the stack, it is now"
				if attr == "UpdateReplacePolicy" {
					when = "replaced, the old one is now"
				}
				parts = append(parts, fmt.Sprintf("`%s` %s (%s %s)", attr, change, when, r.Now.Outcome))
			}
			lines = append(lines, fmt.Sprintf("**RETENTION** `%s` (%s): %s.", c.LogicalID, c.Type, strings.Join(parts, "; ")))
		}
		if c.TypeChanged() {
			var from, to any
			for _, p := range c.Properties {
				if p.Path == "(Type)" {
					from, to = p.Old, p.New
				}
			}
			lines = append(lines, fmt.Sprintf("**TYPE CHANGED** `%s`: %s → %s. CloudFormation refuses the update (\"Update of resource type is not permitted\"): give the new resource a logical id of its own.",
				c.LogicalID, code(from), code(to)))
			continue
		}
		if r := c.Replacement; r != nil {
			var why []string
			if n := len(r.Properties); n > 0 {
				it := "it"
				if n > 1 {
					it = "them"
				}
				why = append(why, fmt.Sprintf("%s changed, and CloudFormation cannot change %s in place.", codeList(r.Properties), it))
			}
			for _, v := range r.Via {
				is := "is"
				if t := find(changes, v.Target); t.Replacement != nil && !t.Replacement.Certain {
					is = "may be"
				}
				if v.ByRef {
					why = append(why, fmt.Sprintf("`%s` refers to `%s`, which %s replaced (a new physical id).", v.Property, v.Target, is))
				} else {
					why = append(why, fmt.Sprintf("`%s` uses an attribute of `%s`, which %s replaced: if the attribute changes, so does this.", v.Property, v.Target, is))
				}
			}
			lines = append(lines, fmt.Sprintf("**%s** `%s` (%s): %s%s", mark(c), c.LogicalID, c.Type, strings.Join(why, " "), fateText(c.Old)))
		}
	}
	if len(lines) == 0 {
		return
	}
	fmt.Fprintf(b, "**%s**\n\n", RetentionHeading)
	for _, l := range lines {
		b.WriteString("- " + l + "\n")
	}
	b.WriteString("\n")
}

// fateText says what becomes of the old physical resource.
func fateText(f *Fate) string {
	if f == nil {
		return ""
	}
	var s string
	switch f.Outcome {
	case Kept:
		s = fmt.Sprintf(" The old one is kept, by %s: it stays in the account, outside the stack.", f.By)
	default:
		s = fmt.Sprintf(" The old one is %s, by %s.", f.Outcome, f.By)
	}
	return s + notesText(f.Notes)
}

func notesText(notes []string) string {
	var s string
	for _, n := range notes {
		s += " " + strings.ToUpper(n[:1]) + n[1:] + "."
	}
	return s
}

func find(changes []Change, id string) Change {
	for _, c := range changes {
		if c.LogicalID == id {
			return c
		}
	}
	return Change{}
}

func codeList(l []string) string {
	out := make([]string, len(l))
	for i, s := range l {
		out[i] = "`" + s + "`"
	}
	return strings.Join(out, ", ")
}

// writeSuppressions lists the cdk-nag suppressions added and removed, by
// resource, with the reasons a reviewer has to accept.
func writeSuppressions(b *strings.Builder, changes []Change) {
	var in []Change
	for _, c := range changes {
		if c.suppressionsChanged() {
			in = append(in, c)
		}
	}
	if len(in) == 0 {
		return
	}
	fmt.Fprintf(b, "**%s**\n\n", NagSuppressions)
	for _, c := range in {
		fmt.Fprintf(b, "- `%s` (%s)\n", c.LogicalID, c.Type)
		for _, s := range c.Suppressions {
			if s.Kind == Modified {
				continue
			}
			fmt.Fprintf(b, "  - %s `%s`", s.Kind, s.Rule)
			if s.AppliesTo != nil {
				fmt.Fprintf(b, " for %s", code(s.AppliesTo))
			}
			fmt.Fprintf(b, ": %s\n", oneLine(s.Reason))
		}
	}
	b.WriteString("\n")
}

func writeChange(b *strings.Builder, c Change, lines []string, note string) {
	fmt.Fprintf(b, "- %s `%s` (%s)", c.Kind, c.LogicalID, c.Type)
	if m := mark(c); m != "" {
		b.WriteString(", **" + m + "**")
	}
	if note != "" {
		b.WriteString(": " + note)
	}
	b.WriteString("\n")
	for _, l := range lines {
		b.WriteString("  - " + l + "\n")
	}
}

// changeLines are the lines under a change: its changed paths, or a new or
// deleted security resource's properties.
func changeLines(c Change) []string {
	var out []string
	switch c.Kind {
	case Modified:
		out = propertyLines(c.Properties)
		for _, s := range c.Suppressions {
			if s.Kind == Modified {
				out = append(out, fmt.Sprintf("reason of cdk-nag suppression `%s`: %s → %s", s.Rule, oneLine(s.OldReason), oneLine(s.Reason)))
			} else {
				out = append(out, fmt.Sprintf("cdk-nag suppression `%s` %s (under cdk-nag suppressions)", s.Rule, s.Kind))
			}
		}
	case Added, Removed:
		// What a reviewer must see of a new or deleted security resource:
		// its policy statements and security-relevant properties.
		if c.Category == "" {
			return nil
		}
		for _, k := range slices.Sorted(maps.Keys(keysOf(c.Resource.Properties))) {
			out = append(out, fmt.Sprintf("`%s`: %s", k, code(c.Resource.Properties[k])))
		}
	}
	return out
}

// propertyLines writes each changed path, old → new.
func propertyLines(props []PropertyChange) []string {
	var out []string
	for _, p := range props {
		path := p.Path
		if path == "" {
			path = "Properties"
		}
		switch {
		case !p.HasOld:
			out = append(out, fmt.Sprintf("`%s`: added %s", path, code(p.New)))
		case !p.HasNew:
			out = append(out, fmt.Sprintf("`%s`: removed %s", path, code(p.Old)))
		default:
			out = append(out, fmt.Sprintf("`%s`: %s → %s", path, code(p.Old), code(p.New)))
		}
	}
	return out
}

// oneLine keeps prose on its list item.
func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}

func keysOf(m map[string]any) map[string]bool {
	out := map[string]bool{}
	for k := range m {
		out[k] = true
	}
	return out
}

// code renders a value inside backticks, escaping what would end the span.
func code(v any) string {
	s := Render(v)
	if strings.Contains(s, "`") {
		return "``" + s + "``"
	}
	return "`" + s + "`"
}
