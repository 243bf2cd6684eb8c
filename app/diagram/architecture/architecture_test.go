package architecture

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/privates3/privates3/app/accessmatrix/cfn"
)

var update = flag.Bool("update", false, "rewrite the golden DOT files in testdata/golden")

// defaultTemplate is app/stack's committed snapshot of the default stack.
const defaultTemplate = "../../stack/testdata/default.template.json"

func load(t *testing.T, path string) *cfn.Template {
	t.Helper()
	tm, err := cfn.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	return tm
}

func parse(t *testing.T, name, src string) *cfn.Template {
	t.Helper()
	tm, err := cfn.Parse(name, []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	return tm
}

func dotOf(t *testing.T, tm *cfn.Template, opts Options) string {
	t.Helper()
	out, err := DOT(tm, opts)
	if err != nil {
		t.Fatalf("DOT(%s) error: %v", tm.Name, err)
	}
	return string(out)
}

// drawn is one edge of the generated DOT, with its attributes.
type drawn struct {
	from, to string
	attrs    map[string]string
}

var (
	edgeRE = regexp.MustCompile(`(?m)^\s+"([^"]+)" -> "([^"]+)" \[(.*)\];$`)
	attrRE = regexp.MustCompile(`(\w+)="((?:[^"\\]|\\.)*)"`)
)

func edges(dot string) []drawn {
	var out []drawn
	for _, m := range edgeRE.FindAllStringSubmatch(dot, -1) {
		a := map[string]string{}
		for _, kv := range attrRE.FindAllStringSubmatch(m[3], -1) {
			a[kv[1]] = kv[2]
		}
		out = append(out, drawn{m[1], m[2], a})
	}
	return out
}

// pathOf returns the edges of one function's path.
func pathOf(all []drawn, fn string) []drawn {
	var out []drawn
	for _, e := range all {
		if e.attrs["class"] == "path "+fn {
			out = append(out, e)
		}
	}
	return out
}

func find(t *testing.T, all []drawn, from, to, fn string) drawn {
	t.Helper()
	for _, e := range pathOf(all, fn) {
		if e.from == from && e.to == to {
			return e
		}
	}
	t.Fatalf("no edge %s -> %s on the path of %s", from, to, fn)
	return drawn{}
}

func TestDefaultTemplate(t *testing.T) {
	dot := dotOf(t, load(t, defaultTemplate), Options{})
	all := edges(dot)
	const (
		up      = "UploaderFunction79114915"
		ctl     = "ControlFunction8A0764F3"
		bucket  = "Storage6B64FB91"
		ep      = "NetworkVpcS3Endpoint87783328"
		sub1    = "NetworkVpcIsolatedSubnet1Subnet0400477E"
		sub2    = "NetworkVpcIsolatedSubnet2SubnetF65B365A"
		rt1     = "NetworkVpcIsolatedSubnet1RouteTableC39A3F61"
		rt2     = "NetworkVpcIsolatedSubnet2RouteTable77E6320E"
		vpcNode = "cluster_NetworkVpc7FB7348F"
	)
	// The uploader's whole path, both subnets, is green and ends at the
	// endpoint; the control's is red and goes through the public endpoint.
	for _, h := range [][2]string{{up, sub1}, {up, sub2}, {sub1, rt1}, {sub2, rt2}, {rt1, ep}, {rt2, ep}, {ep, bucket}} {
		if e := find(t, all, h[0], h[1], up); e.attrs["color"] != colorAllowed {
			t.Errorf("uploader edge %s -> %s color = %s, want %s (allowed)", h[0], h[1], e.attrs["color"], colorAllowed)
		}
	}
	if n := len(pathOf(all, up)); n != 7 {
		t.Errorf("uploader path has %d edges, want 7", n)
	}
	last := find(t, all, ep, bucket, up)
	if !strings.Contains(last.attrs["label"], "PutObject: allowed") {
		t.Errorf("endpoint -> bucket label = %q, want it to say allowed", last.attrs["label"])
	}
	for _, h := range [][2]string{{ctl, idInternet}, {idInternet, bucket}} {
		if e := find(t, all, h[0], h[1], ctl); e.attrs["color"] != colorDenied {
			t.Errorf("control edge %s -> %s color = %s, want %s (denied)", h[0], h[1], e.attrs["color"], colorDenied)
		}
	}
	deny := find(t, all, idInternet, bucket, ctl)
	if want := `bucket policy \"DenyObjectsOutsideEndpoint\"`; !strings.Contains(deny.attrs["label"], want) {
		t.Errorf("control's last label = %q, want it to name %s", deny.attrs["label"], want)
	}
	// The uploader is drawn inside the VPC cluster, the control outside.
	vpc := dot[strings.Index(dot, vpcNode):]
	vpc = vpc[:strings.Index(vpc, "\n  }\n")]
	if !strings.Contains(vpc, `"`+up+`" [`) || strings.Contains(vpc, `"`+ctl+`" [`) {
		t.Errorf("VPC cluster should hold the uploader and not the control:\n%s", vpc)
	}
	// CDK's custom-resource functions are left out, but named.
	for _, id := range []string{"AWS679f53fac002430cb0da5b7982bd22872D164C4C", "CustomVpcRestrictDefaultSGCustomResourceProviderHandlerDC833E5E"} {
		if strings.Contains(dot, `"`+id+`" [`) {
			t.Errorf("%s is drawn; want it only in the caption", id)
		}
		if !strings.Contains(dot, id) {
			t.Errorf("caption does not name the left-out function %s", id)
		}
	}
	for _, want := range []string{"Uploader function", "Control function", "AZ #1", "AZ #2", "on 2 route tables", "policy StoragePolicy", `"@legend" [shape=plain`} {
		if !strings.Contains(dot, want) {
			t.Errorf("DOT lacks %q", want)
		}
	}
}

func TestFourSubnets(t *testing.T) {
	all := edges(dotOf(t, load(t, "testdata/four-subnets-private.template.json"), Options{}))
	for _, tc := range []struct {
		fn, from, to string
		color, arrow string
		label        string
	}{
		{"EndpointFunction", "S3Endpoint", "Data", colorAllowed, "normal", "allowed"},
		{"NatFunction", "NatRouteTable", "NatGateway", colorDenied, "normal", ""},
		{"NatFunction", "NatGateway", idInternet, colorDenied, "normal", ""},
		{"NatFunction", idInternet, "Data", colorDenied, "normal", "explicit deny"},
		{"OutsideFunction", idInternet, "Data", colorDenied, "normal", "explicit deny"},
		{"IsolatedFunction", "IsolatedSubnet", "IsolatedRouteTable", colorUnreachable, "normal", ""},
		{"IsolatedFunction", "IsolatedRouteTable", "Data", colorUnreachable, "tee", "only local routes"},
		{"PublicFunction", "PublicRouteTable", "Igw", colorUnreachable, "normal", ""},
		{"PublicFunction", "Igw", "Data", colorUnreachable, "tee", "no public IP"},
	} {
		e := find(t, all, tc.from, tc.to, tc.fn)
		if e.attrs["color"] != tc.color || e.attrs["arrowhead"] != tc.arrow || !strings.Contains(e.attrs["label"], tc.label) {
			t.Errorf("%s: %s -> %s = color %s, arrow %s, label %q; want %s, %s, containing %q",
				tc.fn, tc.from, tc.to, e.attrs["color"], e.attrs["arrowhead"], e.attrs["label"], tc.color, tc.arrow, tc.label)
		}
	}
	// No function reaches the public endpoint through the IGW.
	for _, e := range all {
		if e.from == "Igw" && e.to == idInternet {
			t.Errorf("edge Igw -> public endpoint drawn: a Lambda function behind an IGW has no public IP")
		}
	}
}

// A function in an endpoint subnet and a NAT subnet: the matrix reports the
// worst (NAT, denied), but each branch must show its own decision.
func TestMixedSubnetsColourEachBranch(t *testing.T) {
	all := edges(dotOf(t, load(t, "testdata/mixed-subnets.template.json"), Options{}))
	for _, tc := range []struct{ fn, from, to, color string }{
		{"EndpointAndNatFunction", "EndpointAndNatFunction", "EndpointSubnet", colorAllowed},
		{"EndpointAndNatFunction", "S3Endpoint", "Data", colorAllowed},
		{"EndpointAndNatFunction", "EndpointAndNatFunction", "NatSubnet", colorDenied},
		{"EndpointAndNatFunction", idInternet, "Data", colorDenied},
		{"EndpointAndIsolatedFunction", "EndpointAndIsolatedFunction", "EndpointSubnet", colorAllowed},
		{"EndpointAndIsolatedFunction", "EndpointAndIsolatedFunction", "IsolatedSubnet", colorUnreachable},
		{"EndpointAndIsolatedFunction", "IsolatedRouteTable", "Data", colorUnreachable},
	} {
		if e := find(t, all, tc.from, tc.to, tc.fn); e.attrs["color"] != tc.color {
			t.Errorf("%s: %s -> %s color = %s, want %s", tc.fn, tc.from, tc.to, e.attrs["color"], tc.color)
		}
	}
}

func TestGolden(t *testing.T) {
	for _, name := range []string{"four-subnets-private", "mixed-subnets"} {
		t.Run(name, func(t *testing.T) {
			src := filepath.Join("testdata", name+".template.json")
			got := dotOf(t, load(t, src), Options{Source: src, Regenerate: "go test ./app/diagram/architecture -update"})
			golden := filepath.Join("testdata", "golden", name+".dot")
			if *update {
				if err := os.MkdirAll(filepath.Dir(golden), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (create it with go test ./app/diagram/architecture -update)", err)
			}
			if got != string(want) {
				t.Errorf("DOT of %s differs from %s; review and refresh with go test ./app/diagram/architecture -update", src, golden)
			}
		})
	}
}

// Maps are iterated in random order; twenty runs would show any ordering
// that leaks into the output.
func TestDeterministic(t *testing.T) {
	for _, src := range []string{defaultTemplate, "testdata/mixed-subnets.template.json", "testdata/four-subnets-private.template.json"} {
		first := dotOf(t, load(t, src), Options{})
		for i := 0; i < 20; i++ {
			if again := dotOf(t, load(t, src), Options{}); again != first {
				t.Fatalf("DOT(%s) changed between runs", src)
			}
		}
	}
}

func TestOptions(t *testing.T) {
	tm := load(t, defaultTemplate)
	t.Run("explicit functions", func(t *testing.T) {
		dot := dotOf(t, tm, Options{Functions: []string{"ControlFunction8A0764F3"}})
		if strings.Contains(dot, `"UploaderFunction79114915" [`) {
			t.Error("uploader drawn although only the control was asked for")
		}
		if !strings.Contains(dot, "Not drawn: 3 other functions") {
			t.Error("caption does not count the 3 functions left out")
		}
		// The endpoint is still drawn, with its route tables, as
		// structure: a reviewer sees where the private path would be.
		all := edges(dot)
		var structure int
		for _, e := range all {
			if e.attrs["class"] == "structure" {
				structure++
			}
		}
		if structure != 4 {
			t.Errorf("%d structure edges, want 4 (2 subnet associations, 2 endpoint routes)", structure)
		}
	})
	t.Run("another action", func(t *testing.T) {
		// The endpoint policy allows only writes, so a read through it
		// is an implicit deny.
		all := edges(dotOf(t, tm, Options{Action: "s3:GetObject"}))
		e := find(t, all, "NetworkVpcS3Endpoint87783328", "Storage6B64FB91", "UploaderFunction79114915")
		if e.attrs["color"] != colorDenied || !strings.Contains(e.attrs["label"], "endpoint policy allows no GetObject") {
			t.Errorf("uploader GetObject edge = %v, want red, endpoint policy", e.attrs)
		}
	})
	for _, tc := range []struct {
		name string
		opts Options
		want string
	}{
		{"unknown function", Options{Functions: []string{"Nope"}}, `function "Nope": no AWS::Lambda::Function`},
		{"not a function", Options{Functions: []string{"Storage6B64FB91"}}, `function "Storage6B64FB91"`},
		{"bad action", Options{Action: "PutObject"}, `action "PutObject" is not an S3 action`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := DOT(tm, tc.opts)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("DOT(%+v) error = %v, want it to contain %q", tc.opts, err, tc.want)
			}
		})
	}
}

// An imported VPC: the template names subnets it does not define. They
// are drawn in an "existing VPC" box and the path is unknown, because
// nothing in the template proves a route or rules one out.
func TestSubnetsOutsideTemplate(t *testing.T) {
	tm := parse(t, "imported.json", `{"Resources": {
	  "Data": {"Type": "AWS::S3::Bucket"},
	  "Role": {"Type": "AWS::IAM::Role", "Properties": {"AssumeRolePolicyDocument": {}}},
	  "Fn": {"Type": "AWS::Lambda::Function", "Properties": {"Role": {"Fn::GetAtt": ["Role", "Arn"]},
	    "VpcConfig": {"SubnetIds": ["subnet-0aaa", "subnet-0bbb"]}}}}}`)
	dot := dotOf(t, tm, Options{})
	all := edges(dot)
	for _, s := range []string{"subnet-0aaa", "subnet-0bbb"} {
		if e := find(t, all, "Fn", s, "Fn"); e.attrs["color"] != colorUnknown {
			t.Errorf("Fn -> %s color = %s, want unknown amber", s, e.attrs["color"])
		}
		if e := find(t, all, s, "Data", "Fn"); !strings.Contains(e.attrs["label"], "subnet not in the template") {
			t.Errorf("%s -> Data label = %q, want it to say the subnet is not in the template", s, e.attrs["label"])
		}
	}
	if !strings.Contains(dot, `subgraph "cluster_@external-vpc"`) {
		t.Error("no cluster for the VPC outside the template")
	}
}

// SubnetIds from a list parameter cannot be split per subnet: every branch
// then shows the function's overall decision instead of failing.
func TestSubnetsFromParameter(t *testing.T) {
	tm := parse(t, "param.json", `{"Parameters": {"Subnets": {"Type": "List<AWS::EC2::Subnet::Id>", "Default": "subnet-1,subnet-2"}},
	  "Resources": {
	  "Data": {"Type": "AWS::S3::Bucket"},
	  "Role": {"Type": "AWS::IAM::Role", "Properties": {"AssumeRolePolicyDocument": {}}},
	  "Fn": {"Type": "AWS::Lambda::Function", "Properties": {"Role": {"Fn::GetAtt": ["Role", "Arn"]},
	    "VpcConfig": {"SubnetIds": {"Ref": "Subnets"}}}}}}`)
	all := edges(dotOf(t, tm, Options{}))
	if len(pathOf(all, "Fn")) != 4 {
		t.Errorf("Fn path = %v, want 4 edges (2 subnets, 2 final edges)", pathOf(all, "Fn"))
	}
}

func TestBadTemplate(t *testing.T) {
	tm := parse(t, "bad.json", `{"Resources": {
	  "Fn": {"Type": "AWS::Lambda::Function", "Properties": {"Role": "arn:aws:iam::1:role/r",
	    "VpcConfig": {"SubnetIds": "subnet-1"}}},
	  "Sub": {"Type": "AWS::EC2::Subnet", "Properties": {"VpcId": ["not", "a string"]}}}}`)
	_, err := DOT(tm, Options{})
	if err == nil || !strings.Contains(err.Error(), "resource Sub: property VpcId: must resolve to a string") {
		t.Errorf("DOT(bad) error = %v, want the located VpcId error", err)
	}
}

func TestLabelsEscaped(t *testing.T) {
	if got, want := html("a<b", `"x"&`, ""), `<<b>a&lt;b</b><br/>&quot;x&quot;&amp;>`; got != want {
		t.Errorf("html = %s, want %s", got, want)
	}
	if got, want := attrs(map[string]string{"label": "one\ntwo \"q\" \\"}), `label="one\ntwo \"q\" \\"`; got != want {
		t.Errorf("attrs = %s, want %s", got, want)
	}
	if got, want := quote(`a"b\c`), `"a\"b\\c"`; got != want {
		t.Errorf("quote = %s, want %s", got, want)
	}
	if got := shortName("UploaderFunction79114915"); got != "UploaderFunction" {
		t.Errorf("shortName = %q, want UploaderFunction", got)
	}
	if got := shortName("Data"); got != "Data" {
		t.Errorf("shortName(Data) = %q, want Data", got)
	}
	var b bytes.Buffer
	b.WriteString(legend("s3:PutObject"))
	if !strings.Contains(b.String(), colorUnreachable) {
		t.Error("legend lacks the unreachable colour")
	}
}

// Every stack CDK synthesizes has a CDKMetadata resource whose condition
// lists the regions it exists in, undecidable without the region. It is not
// part of the picture, so it must not stop the drawing (the committed
// snapshot lacks it: it is synthesized without version reporting), and the
// DOT is the one without it. A condition on something drawn still needs its
// value, given as Values (the command's -set).
func TestConditionsOfWhatIsDrawnOnly(t *testing.T) {
	data, err := os.ReadFile(defaultTemplate)
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	doc["Conditions"] = map[string]any{"CDKMetadataAvailable": map[string]any{"Fn::Or": []any{
		map[string]any{"Fn::Equals": []any{map[string]any{"Ref": "AWS::Region"}, "eu-west-1"}},
		map[string]any{"Fn::Equals": []any{map[string]any{"Ref": "AWS::Region"}, "us-east-1"}},
	}}}
	doc["Resources"].(map[string]any)["CDKMetadata"] = map[string]any{"Type": "AWS::CDK::Metadata", "Properties": map[string]any{"Analytics": "v2:deflate64:x"}, "Condition": "CDKMetadataAvailable"}
	withMetadata, err := json.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	plain := dotOf(t, parse(t, "stack.json", string(data)), Options{})
	if got := dotOf(t, parse(t, "stack.json", string(withMetadata)), Options{}); got != plain {
		t.Error("the DOT with CDKMetadata differs from the DOT without it")
	}
	doc["Resources"].(map[string]any)["ControlFunction8A0764F3"].(map[string]any)["Condition"] = "CDKMetadataAvailable"
	controlInEU, err := json.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	tm := parse(t, "stack.json", string(controlInEU))
	if _, err := DOT(tm, Options{}); err == nil || !strings.Contains(err.Error(), `resource ControlFunction8A0764F3: property Condition: condition "CDKMetadataAvailable" cannot be decided offline`) {
		t.Errorf("DOT with a region condition on a drawn function: error = %v, want it to say the condition cannot be decided", err)
	}
	for region, drawnControl := range map[string]bool{"eu-west-1": true, "ap-south-1": false} {
		dot := dotOf(t, tm, Options{Values: map[string]string{"AWS::Region": region}})
		if got := strings.Contains(dot, `"ControlFunction8A0764F3" [`); got != drawnControl {
			t.Errorf("DOT with AWS::Region=%s draws the control: %v, want %v", region, got, drawnControl)
		}
	}
}
