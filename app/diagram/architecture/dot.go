package architecture

import (
	"bytes"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"sort"
	"strings"

	"github.com/privates3/privates3/app/accessmatrix/cfn"
	"github.com/privates3/privates3/app/accessmatrix/matrix"
)

// DOT returns the diagram of t as Graphviz DOT.
func DOT(t *cfn.Template, opts Options) ([]byte, error) {
	m, err := build(t, opts)
	if err != nil {
		return nil, err
	}
	g := &graph{nodes: map[string]*node{}}
	m.draw(g)
	var b bytes.Buffer
	m.write(&b, g)
	return b.Bytes(), nil
}

// Internal node ids start with "@", which no logical id can contain.
const (
	idInternet = "@s3-public-endpoint"
	idLegend   = "@legend"
	idExternal = "@external-vpc"
)

type node struct {
	id      string
	cluster string // VPC logical id, idExternal, or "" for top level
	rank    int    // orders nodes inside a cluster: functions, subnets, tables, gateways
	attrs   map[string]string
}

type edge struct {
	from, to string
	attrs    map[string]string
}

type graph struct {
	nodes map[string]*node
	edges []edge
	// onPath marks hops (from->to) that some function's path edge already
	// draws, so the plain structure edge is left out.
	onPath map[string]bool
}

func (g *graph) add(n *node) {
	if _, ok := g.nodes[n.id]; !ok {
		g.nodes[n.id] = n
	}
}

// pathEdge adds one coloured hop of a function's path; the same hop of the
// same function with the same style is drawn once.
func (g *graph) pathEdge(fn, from, to string, st style, extra map[string]string) {
	if g.onPath == nil {
		g.onPath = map[string]bool{}
	}
	g.onPath[from+"\x00"+to] = true
	a := map[string]string{"color": st.color, "penwidth": "2.2", "style": st.line, "arrowhead": st.arrow, "class": "path " + fn}
	for k, v := range extra {
		a[k] = v
	}
	for _, e := range g.edges {
		if e.from == from && e.to == to && e.attrs["class"] == a["class"] && e.attrs["color"] == a["color"] && e.attrs["label"] == a["label"] {
			return
		}
	}
	g.edges = append(g.edges, edge{from, to, a})
}

func (g *graph) structureEdge(from, to, label string) {
	if g.onPath[from+"\x00"+to] {
		return
	}
	for _, e := range g.edges {
		if e.from == from && e.to == to {
			return
		}
	}
	a := map[string]string{"color": colorStructure, "penwidth": "1", "arrowhead": "vee", "arrowsize": "0.6", "class": "structure"}
	if label != "" {
		a["label"] = label
		a["fontcolor"] = colorStructure
	}
	g.edges = append(g.edges, edge{from, to, a})
}

// style is how a decision looks.
type style struct{ color, line, arrow string }

func decisionStyle(d string) style {
	switch d {
	case matrix.Allowed:
		return style{colorAllowed, "solid", "normal"}
	case matrix.ExplicitDeny, matrix.ImplicitDeny:
		return style{colorDenied, "solid", "normal"}
	case matrix.Unreachable:
		return style{colorUnreachable, "dashed", "tee"}
	case matrix.Unknown:
		return style{colorUnknown, "dashed", "normal"}
	}
	// Not a decision the matrix documents: drawn neutral so it is noticed
	// rather than mistaken for a verdict.
	return style{"black", "dotted", "normal"}
}

// neutral is the hop colour when a branch's buckets disagree.
var neutral = style{colorStructure, "bold", "normal"}

func (m *model) draw(g *graph) {
	for _, f := range m.functions {
		m.drawFunction(g, f)
	}
	// Structure not on any drawn path: route tables, endpoints and
	// gateways still appear, so a reviewer sees an endpoint that is on
	// the wrong tables or a subnet nobody uses.
	for _, id := range slices.Sorted(maps.Keys(m.subnetVPC)) {
		m.subnetNode(g, id)
		if rt, ok := m.assoc[id]; ok {
			m.tableNode(g, rt)
			g.structureEdge(id, rt, "")
		}
	}
	for _, ep := range m.endpoints {
		m.endpointNode(g, ep.Resource.LogicalID)
		for _, rt := range m.endpointTables[ep.Resource.LogicalID] {
			m.tableNode(g, rt)
			g.structureEdge(rt, ep.Resource.LogicalID, "S3 prefix list")
		}
	}
	for _, rt := range slices.Sorted(maps.Keys(m.defaultRoute)) {
		m.tableNode(g, rt)
		tg := m.defaultRoute[rt]
		m.gatewayNode(g, tg)
		g.structureEdge(rt, tg.id, "0.0.0.0/0")
	}
	for _, b := range m.buckets {
		m.bucketNode(g, b)
	}
	for _, n := range m.natgws {
		m.gatewayNode(g, routeTarget{"nat", n.LogicalID})
	}
	for _, i := range m.igws {
		m.gatewayNode(g, routeTarget{"igw", i.LogicalID})
	}
}

// hop is one step of a function's walk towards S3.
type hop struct{ from, to string }

// walk follows one subnet to where its S3 traffic leaves: the endpoint,
// the public S3 endpoint through NAT, or a dead end. last is the node the
// final edge to the bucket starts from.
func (m *model) walk(g *graph, subnetRef string) (hops []hop, last string) {
	sn := m.name(subnetRef)
	m.subnetNode(g, sn)
	rt, ok := m.assoc[sn]
	if !ok {
		return nil, sn
	}
	m.tableNode(g, rt)
	hops = append(hops, hop{sn, rt})
	for _, ep := range m.endpoints {
		for _, t := range m.endpointTables[ep.Resource.LogicalID] {
			if t == rt {
				m.endpointNode(g, ep.Resource.LogicalID)
				return append(hops, hop{rt, ep.Resource.LogicalID}), ep.Resource.LogicalID
			}
		}
	}
	tg, ok := m.defaultRoute[rt]
	if !ok {
		return hops, rt
	}
	m.gatewayNode(g, tg)
	hops = append(hops, hop{rt, tg.id})
	if tg.kind == "igw" {
		// A function gets no public IP: its traffic dies here.
		return hops, tg.id
	}
	m.internetNode(g)
	return append(hops, hop{tg.id, idInternet}), idInternet
}

func (m *model) drawFunction(g *graph, f *function) {
	id := f.res.LogicalID
	cluster := ""
	if len(f.subnets) > 0 {
		cluster = m.subnetCluster(m.name(f.subnets[0]))
	}
	g.add(&node{id: id, cluster: cluster, rank: 0, attrs: map[string]string{
		"shape": "box", "style": "rounded,filled", "fillcolor": "#ddf4ff", "color": "#0969da",
		"label": m.functionLabel(f), "tooltip": id,
	}})
	type branch struct {
		first string // first hop target from the function
		hops  []hop
		last  string
		rows  map[string]matrix.Row
	}
	var branches []branch
	if len(f.subnets) == 0 {
		m.internetNode(g)
		branches = append(branches, branch{first: idInternet, last: idInternet, rows: f.rows})
	}
	for _, s := range f.subnets {
		hops, last := m.walk(g, s)
		rows := f.rows
		if sr, ok := f.subnetRows[s]; ok {
			rows = sr
		}
		branches = append(branches, branch{first: m.name(s), hops: hops, last: last, rows: rows})
	}
	for _, b := range branches {
		st := neutral
		if d, same := sameDecision(b.rows); same {
			st = decisionStyle(d)
		}
		// Only the last edge of an unreachable path ends in a bar: the
		// hops before it exist, it is the step to S3 that does not.
		hopStyle := st
		hopStyle.arrow = "normal"
		g.pathEdge(id, id, b.first, hopStyle, nil)
		for _, h := range b.hops {
			g.pathEdge(id, h.from, h.to, hopStyle, nil)
		}
		for _, bk := range m.buckets {
			row, ok := b.rows[bk.LogicalID]
			if !ok {
				continue
			}
			label := edgeLabel(m.opts.Action, row)
			g.pathEdge(id, b.last, bk.LogicalID, decisionStyle(row.Decision), map[string]string{
				"label": label, "fontcolor": decisionStyle(row.Decision).color,
				// The decision only: the path is what the picture shows,
				// and branches that share this edge have different paths.
				"tooltip": shortName(id) + " " + m.opts.Action + ": " + row.Decision + ": " + row.DecisionReason,
			})
		}
	}
}

func sameDecision(rows map[string]matrix.Row) (string, bool) {
	d := ""
	for _, k := range slices.Sorted(maps.Keys(rows)) {
		if d == "" {
			d = rows[k].Decision
		} else if rows[k].Decision != d {
			return "", false
		}
	}
	return d, d != ""
}

// subnetCluster is the cluster a subnet (and a function in it) is drawn in.
func (m *model) subnetCluster(sn string) string {
	if v, ok := m.subnetVPC[sn]; ok && v != "" {
		return v
	}
	return idExternal
}

func (m *model) subnetNode(g *graph, sn string) {
	if _, ok := g.nodes[sn]; ok {
		return
	}
	res, known := m.t.Resources[sn]
	if !known || res.Type != "AWS::EC2::Subnet" {
		g.add(&node{id: sn, cluster: idExternal, rank: 1, attrs: map[string]string{
			"shape": "box", "style": "dashed", "label": html("subnet", sn, "not in this template"), "tooltip": sn,
		}})
		return
	}
	note, _ := m.str(res, "CidrBlock")
	if az := m.zone(res); az != "" {
		note += " · " + az
	}
	g.add(&node{id: sn, cluster: m.subnetCluster(sn), rank: 1, attrs: map[string]string{
		"shape": "box", "style": "filled", "fillcolor": "#f6f8fa", "color": "#8c959f",
		"label": html("subnet", m.display(res), note), "tooltip": sn,
	}})
}

func (m *model) tableNode(g *graph, rt string) {
	if _, ok := g.nodes[rt]; ok {
		return
	}
	cluster := idExternal
	if v := m.rtVPC[rt]; v != "" {
		cluster = v
	}
	routes := []string{"local"}
	for _, ep := range m.endpoints {
		for _, t := range m.endpointTables[ep.Resource.LogicalID] {
			if t == rt {
				routes = append(routes, "S3 prefix list → endpoint")
			}
		}
	}
	if tg, ok := m.defaultRoute[rt]; ok {
		routes = append(routes, "0.0.0.0/0 → "+map[string]string{"nat": "NAT", "igw": "IGW", "other": "gateway"}[tg.kind])
	}
	label := shortName(rt)
	if res, ok := m.t.Resources[rt]; ok {
		label = m.display(res)
	}
	g.add(&node{id: rt, cluster: cluster, rank: 2, attrs: map[string]string{
		"shape": "box", "style": "filled", "fillcolor": "#fff8c5", "color": "#9a6700",
		"label": html("route table", label, strings.Join(routes, ", ")), "tooltip": rt,
	}})
}

func (m *model) endpointNode(g *graph, id string) {
	n := len(m.endpointTables[id])
	cluster := idExternal
	for _, ep := range m.endpoints {
		if ep.Resource.LogicalID == id {
			if v := m.vpcID(ep.VPC); v != "" {
				cluster = v
			}
		}
	}
	g.add(&node{id: id, cluster: cluster, rank: 3, attrs: map[string]string{
		"shape": "box", "style": "rounded,filled", "fillcolor": "#dafbe1", "color": colorAllowed,
		"label": html("S3 gateway endpoint", shortName(id), fmt.Sprintf("on %d route table%s", n, plural(n))), "tooltip": id,
	}})
}

func (m *model) gatewayNode(g *graph, tg routeTarget) {
	if _, ok := g.nodes[tg.id]; ok {
		return
	}
	cluster := ""
	title := "gateway"
	note := ""
	switch tg.kind {
	case "nat":
		title = "NAT gateway"
		note = "S3 sees a public source"
		if sn := m.natSubnet[tg.id]; sn != "" {
			cluster = m.subnetCluster(sn)
		}
	case "igw":
		title = "internet gateway"
		note = "no public IP for Lambda"
	case "other":
		note = "assumed to reach the internet"
	}
	style := "filled"
	if _, ok := m.t.Resources[tg.id]; !ok {
		style = "dashed"
		note = "not in this template"
	}
	g.add(&node{id: tg.id, cluster: cluster, rank: 3, attrs: map[string]string{
		"shape": "box", "style": style, "fillcolor": "#fff1e5", "color": "#bc4c00",
		"label": html(title, shortName(tg.id), note), "tooltip": tg.id,
	}})
}

func (m *model) internetNode(g *graph) {
	g.add(&node{id: idInternet, rank: 4, attrs: map[string]string{
		"shape": "box", "style": "rounded,dashed", "color": "#8c959f",
		"label": html("S3 public endpoint", "AWS public network", "no aws:SourceVpce"), "tooltip": "requests that do not come through a gateway endpoint",
	}})
}

func (m *model) bucketNode(g *graph, b *cfn.Resource) {
	var policies []string
	for _, res := range m.t.ResourcesOfType("AWS::S3::BucketPolicy") {
		v, err := m.str(res, "Bucket")
		if err != nil {
			continue
		}
		if r, ok := m.r.Ref(m.t, b.LogicalID); ok == nil && v == fmt.Sprint(r) {
			policies = append(policies, shortName(res.LogicalID))
		}
	}
	note := "no bucket policy"
	if len(policies) > 0 {
		note = "policy " + strings.Join(policies, ", ")
	}
	g.add(&node{id: b.LogicalID, rank: 5, attrs: map[string]string{
		"shape": "cylinder", "style": "filled", "fillcolor": "#fbefff", "color": "#8250df",
		"label": html("S3 bucket", shortName(b.LogicalID), note), "tooltip": b.LogicalID,
	}})
}

var azSymbol = regexp.MustCompile(`^\$\{AZ(\d)\}$`)

// zone names a subnet's availability zone: the literal name, or "AZ #n"
// for the n-th zone of Fn::GetAZs, which is all a template knows; a reader
// checks at a glance that the subnets span two zones.
func (m *model) zone(res *cfn.Resource) string {
	az, err := m.str(res, "AvailabilityZone")
	if err != nil || az == "" {
		return ""
	}
	if s := azSymbol.FindStringSubmatch(az); s != nil {
		return "AZ #" + string('1'+s[1][0]-'0')
	}
	if cfn.IsSymbolic(az) {
		return ""
	}
	return az
}

// display is the name a reader recognises: the last segment of CDK's Name
// tag ("IsolatedSubnet1"), else the logical id without CDK's hash.
func (m *model) display(res *cfn.Resource) string {
	if tags, ok := res.Properties["Tags"].([]any); ok {
		for _, tg := range tags {
			if kv, ok := tg.(map[string]any); ok && kv["Key"] == "Name" {
				if s, ok := kv["Value"].(string); ok && s != "" {
					return s[strings.LastIndex(s, "/")+1:]
				}
			}
		}
	}
	return shortName(res.LogicalID)
}

func (m *model) functionLabel(f *function) string {
	title := "Lambda function"
	if f.role != "" {
		title = f.role + " function"
	}
	where := "outside any VPC"
	if n := len(f.subnets); n > 0 {
		where = fmt.Sprintf("in %d subnet%s", n, plural(n))
	}
	return html(title, shortName(f.res.LogicalID), where)
}

// html builds a three-line HTML-like label: bold title, name, small note.
func html(title, name, note string) string {
	var b strings.Builder
	b.WriteString("<<b>")
	b.WriteString(esc(title))
	b.WriteString("</b><br/>")
	b.WriteString(esc(name))
	if note != "" {
		b.WriteString(`<br/><font point-size="9">`)
		b.WriteString(esc(note))
		b.WriteString("</font>")
	}
	b.WriteString(">")
	return b.String()
}

func esc(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&quot;").Replace(s)
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

var statementRE = regexp.MustCompile(`^denied by (\w+ policy)\b.*? statement ("[^"]*"|Statement\[\d+\])`)

// edgeLabel says the decision in a few words; the tooltip carries the
// matrix's full reason.
func edgeLabel(action string, row matrix.Row) string {
	_, verb, _ := strings.Cut(action, ":")
	var why string
	switch row.Decision {
	case matrix.Allowed:
		if row.Path == "vpc-endpoint" {
			why = "through the endpoint"
		}
	case matrix.ExplicitDeny:
		if s := statementRE.FindStringSubmatch(row.DecisionReason); s != nil {
			why = s[1] + " " + s[2]
		}
	case matrix.ImplicitDeny:
		switch {
		case strings.HasPrefix(row.DecisionReason, "endpoint policy"):
			why = "endpoint policy allows no " + verb
		case strings.HasPrefix(row.DecisionReason, "no statement allows"):
			why = "no policy allows it"
		}
	case matrix.Unreachable:
		why = unreachableWhy(row.PathReason)
	case matrix.Unknown:
		why = unreachableWhy(row.PathReason)
		if why == "" {
			why = "not provable from the template"
		}
	}
	label := verb + ": " + strings.ReplaceAll(row.Decision, "-", " ")
	if why != "" {
		label += "\n" + why
	}
	return label
}

func unreachableWhy(reason string) string {
	for _, c := range []struct{ has, say string }{
		{"security group", "security group blocks TCP 443"},
		{"internet gateway", "IGW, but Lambda has no public IP"},
		{"only local routes", "only local routes"},
		{"EnableDnsSupport false", "VPC DNS support off"},
		{"no route table association", "main route table: local only"},
		{"not defined in the given templates", "subnet not in the template"},
	} {
		if strings.Contains(reason, c.has) {
			return c.say
		}
	}
	return ""
}

// write prints the graph: clusters by VPC, nodes by rank then id, edges by
// endpoints then class, so equal templates give equal bytes.
func (m *model) write(b *bytes.Buffer, g *graph) {
	b.WriteString("digraph architecture {\n")
	fmt.Fprintf(b, "  graph [rankdir=LR, fontname=\"Helvetica\", fontsize=12, nodesep=0.35, ranksep=0.7, newrank=true, labelloc=b, labeljust=l, label=%s];\n", m.caption())
	b.WriteString("  node [fontname=\"Helvetica\", fontsize=11, margin=\"0.15,0.06\"];\n")
	b.WriteString("  edge [fontname=\"Helvetica\", fontsize=10];\n")
	clusters := map[string][]*node{}
	for _, id := range slices.Sorted(maps.Keys(g.nodes)) {
		n := g.nodes[id]
		clusters[n.cluster] = append(clusters[n.cluster], n)
	}
	for _, c := range slices.Sorted(maps.Keys(clusters)) {
		nodes := clusters[c]
		sort.SliceStable(nodes, func(i, j int) bool {
			if nodes[i].rank != nodes[j].rank {
				return nodes[i].rank < nodes[j].rank
			}
			return nodes[i].id < nodes[j].id
		})
		indent := "  "
		if c != "" {
			fmt.Fprintf(b, "  subgraph %s {\n", quote("cluster_"+c))
			fmt.Fprintf(b, "    graph [label=%s, style=\"rounded,dashed\", color=\"#0969da\", fontcolor=\"#0969da\", labelloc=t, margin=14];\n", m.clusterLabel(c))
			indent = "    "
		}
		for _, n := range nodes {
			fmt.Fprintf(b, "%s%s [%s];\n", indent, quote(n.id), attrs(n.attrs))
		}
		if c != "" {
			b.WriteString("  }\n")
		}
	}
	fmt.Fprintf(b, "  %s [shape=plain, label=%s];\n", quote(idLegend), legend(m.opts.Action))
	edges := append([]edge(nil), g.edges...)
	sort.SliceStable(edges, func(i, j int) bool {
		a, c := edges[i], edges[j]
		if a.from != c.from {
			return a.from < c.from
		}
		if a.to != c.to {
			return a.to < c.to
		}
		return a.attrs["class"] < c.attrs["class"]
	})
	for _, e := range edges {
		fmt.Fprintf(b, "  %s -> %s [%s];\n", quote(e.from), quote(e.to), attrs(e.attrs))
	}
	// The legend shares the bucket's column, the last one, where it does
	// not push the paths apart.
	if len(m.buckets) > 0 {
		fmt.Fprintf(b, "  { rank=same; %s; %s; }\n", quote(m.buckets[len(m.buckets)-1].LogicalID), quote(idLegend))
	}
	b.WriteString("}\n")
}

func (m *model) clusterLabel(c string) string {
	if c == idExternal {
		return html("existing VPC", "not in this template", "")
	}
	res := m.t.Resources[c]
	cidr, _ := m.str(res, "CidrBlock")
	return html("VPC", m.display(res), cidr)
}

func (m *model) caption() string {
	var b strings.Builder
	b.WriteString("<<table border=\"0\" cellpadding=\"2\" cellspacing=\"0\">")
	row := func(s string, small bool) {
		if small {
			s = `<font point-size="9">` + s + "</font>"
		}
		b.WriteString(`<tr><td align="left">` + s + "</td></tr>")
	}
	row("<b>"+esc("Paths to the bucket for "+m.opts.Action+", coloured by the access matrix's decision")+"</b>", false)
	src := m.opts.Source
	if src == "" {
		src = m.t.Name
	}
	gen := "Generated from " + src
	if m.opts.Regenerate != "" {
		gen += " by " + m.opts.Regenerate
	}
	row(esc(gen+"; do not edit by hand."), true)
	if len(m.hidden) > 0 {
		row(esc(fmt.Sprintf("Not drawn: %d other function%s (%s; the access matrix covers them): %s", len(m.hidden), plural(len(m.hidden)), m.hiddenWhy, strings.Join(m.hidden, ", "))), true)
	}
	b.WriteString("</table>>")
	return b.String()
}

func legend(action string) string {
	line := func(color, dash, text string) string {
		return fmt.Sprintf(`<tr><td><font color="%s"><b>%s</b></font></td><td align="left">%s</td></tr>`, color, dash, esc(text))
	}
	return "<<table border=\"1\" cellborder=\"0\" cellspacing=\"2\" cellpadding=\"3\" color=\"#8c959f\">" +
		`<tr><td colspan="2" align="left"><b>` + esc(action) + "</b></td></tr>" +
		line(colorAllowed, "━━━▶", "allowed") +
		line(colorDenied, "━━━▶", "denied by policy (explicit or implicit)") +
		line(colorUnreachable, "╍╍╍┫", "unreachable: no network path") +
		line(colorUnknown, "╍╍╍▶", "unknown: not provable from the template") +
		line(colorStructure, "───▶", "route or association not on a drawn path") +
		"</table>>"
}

// quote writes a DOT double-quoted id.
func quote(s string) string {
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(s) + `"`
}

func attrs(a map[string]string) string {
	keys := slices.Sorted(maps.Keys(a))
	parts := make([]string, 0, len(keys))
	for _, k := range keys {
		v := a[k]
		if strings.HasPrefix(v, "<") && strings.HasSuffix(v, ">") && k == "label" {
			parts = append(parts, k+"="+v)
			continue
		}
		// A newline in a plain label becomes DOT's \n line break.
		parts = append(parts, k+"="+`"`+strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`).Replace(v)+`"`)
	}
	return strings.Join(parts, ", ")
}
