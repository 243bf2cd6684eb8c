package fakeaws

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
)

// Drift is a stack's drift detection as CloudFormation reports it
// (CloudFormation API Reference: DetectStackDrift,
// DescribeStackDriftDetectionStatus, DescribeStackResourceDrifts,
// StackResourceDrift, PropertyDifference, and ListStackResources with
// StackResourceDriftInformationSummary).
type Drift struct {
	// Statuses answer DescribeStackDriftDetectionStatus in turn; the last
	// repeats (a detection that stays DETECTION_IN_PROGRESS never ends).
	Statuses []DetectionStatus
	// Resources are every resource's drift. DescribeStackResourceDrifts
	// returns those whose status the request's filters name, never
	// NOT_CHECKED ("CloudFormation does not currently return this value":
	// StackResourceDrift); ListStackResources returns them all, each with
	// its status in DriftInformation.
	Resources []ResourceDrift
	// PageSize, when set, splits both listings into pages
	// joined by NextToken.
	PageSize int
	// DetectError, when set, answers DetectStackDrift.
	DetectError *Raw
}

// DetectionStatus is one DescribeStackDriftDetectionStatus answer.
type DetectionStatus struct {
	Detection string // DETECTION_IN_PROGRESS, DETECTION_FAILED, DETECTION_COMPLETE
	Stack     string // StackDriftStatus: DRIFTED, IN_SYNC, UNKNOWN, NOT_CHECKED
	Reason    string
	Drifted   int
}

// ResourceDrift is one StackResourceDrift.
type ResourceDrift struct {
	LogicalID, PhysicalID, Type string
	Status                      string // IN_SYNC, MODIFIED, DELETED, UNKNOWN, NOT_CHECKED
	Reason                      string // DriftStatusReason
	// Summary, when set, is the status ListStackResources gives instead
	// of Status (what it says of an UNKNOWN resource is not documented).
	Summary     string
	Differences []PropertyDifference
}

// PropertyDifference is one PropertyDifference of a StackResourceDrift.
type PropertyDifference struct {
	Path, Type, Expected, Actual string
}

// DetectionID is what DetectStackDrift hands out (36 characters at most,
// as the API Reference says).
const DetectionID = "b78ac9b0-dec1-11e7-a451-503a3407a5d5"

var driftActions = map[string]bool{"DetectStackDrift": true, "DescribeStackDriftDetectionStatus": true, "DescribeStackResourceDrifts": true, "ListStackResources": true}

// DriftCalls returns the recorded drift requests' forms (Action says which).
func (s *Server) DriftCalls() []url.Values {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]url.Values(nil), s.driftCalls...)
}

const cfnNS = "http://cloudformation.amazonaws.com/doc/2010-05-15/"

func (s *Server) drift(w http.ResponseWriter, form url.Values) {
	s.mu.Lock()
	s.driftCalls = append(s.driftCalls, form)
	polls := 0
	for _, c := range s.driftCalls {
		if c.Get("Action") == "DescribeStackDriftDetectionStatus" {
			polls++
		}
	}
	s.mu.Unlock()
	w.Header().Set("Content-Type", "text/xml")
	action := form.Get("Action")
	// A status call names the detection, not the stack: it is the last
	// one started.
	s.mu.Lock()
	d := s.detected
	s.mu.Unlock()
	if name := form.Get("StackName"); name != "" {
		d = s.Drifts[name]
		if d == nil {
			w.WriteHeader(http.StatusBadRequest)
			fmt.Fprintf(w, `<ErrorResponse xmlns="%s"><Error><Type>Sender</Type><Code>ValidationError</Code><Message>Stack with id %s does not exist</Message></Error><RequestId>fake-5</RequestId></ErrorResponse>`, cfnNS, esc(name))
			return
		}
	}
	if d == nil {
		s.reject(w, "drift request with no drift set up: "+action)
		return
	}
	const stackID = "arn:aws:cloudformation:eu-west-1:123456789012:stack/PrivateS3-dev/0f6c1a40-0000-11f0-0000-000000000000"
	switch action {
	case "DetectStackDrift":
		s.mu.Lock()
		s.detected = d
		s.mu.Unlock()
		if raw := d.DetectError; raw != nil {
			w.WriteHeader(raw.Status)
			fmt.Fprint(w, raw.Body)
			return
		}
		fmt.Fprintf(w, `<DetectStackDriftResponse xmlns="%s"><DetectStackDriftResult><StackDriftDetectionId>%s</StackDriftDetectionId></DetectStackDriftResult><ResponseMetadata><RequestId>fake-6</RequestId></ResponseMetadata></DetectStackDriftResponse>`, cfnNS, DetectionID)
	case "DescribeStackDriftDetectionStatus":
		if form.Get("StackDriftDetectionId") != DetectionID || len(d.Statuses) == 0 {
			s.reject(w, "status of unknown detection "+form.Get("StackDriftDetectionId"))
			return
		}
		st := d.Statuses[min(polls, len(d.Statuses))-1]
		var extra strings.Builder
		if st.Stack != "" {
			fmt.Fprintf(&extra, "<StackDriftStatus>%s</StackDriftStatus>", esc(st.Stack))
		}
		if st.Reason != "" {
			fmt.Fprintf(&extra, "<DetectionStatusReason>%s</DetectionStatusReason>", esc(st.Reason))
		}
		if st.Detection == "DETECTION_COMPLETE" {
			fmt.Fprintf(&extra, "<DriftedStackResourceCount>%d</DriftedStackResourceCount>", st.Drifted)
		}
		fmt.Fprintf(w, `<DescribeStackDriftDetectionStatusResponse xmlns="%s"><DescribeStackDriftDetectionStatusResult>`+
			`<StackId>%s</StackId><StackDriftDetectionId>%s</StackDriftDetectionId><DetectionStatus>%s</DetectionStatus>%s<Timestamp>2026-11-23T10:05:00.000Z</Timestamp>`+
			`</DescribeStackDriftDetectionStatusResult><ResponseMetadata><RequestId>fake-7</RequestId></ResponseMetadata></DescribeStackDriftDetectionStatusResponse>`,
			cfnNS, stackID, DetectionID, esc(st.Detection), extra.String())
	case "DescribeStackResourceDrifts":
		want := map[string]bool{}
		for i := 1; form.Get(fmt.Sprintf("StackResourceDriftStatusFilters.member.%d", i)) != ""; i++ {
			want[form.Get(fmt.Sprintf("StackResourceDriftStatusFilters.member.%d", i))] = true
		}
		var match []ResourceDrift
		for _, r := range d.Resources {
			if r.Status != "NOT_CHECKED" && (len(want) == 0 || want[r.Status]) {
				match = append(match, r)
			}
		}
		page, token := d.page(form, match)
		var b strings.Builder
		for _, r := range page {
			fmt.Fprintf(&b, "<member><StackId>%s</StackId><LogicalResourceId>%s</LogicalResourceId><PhysicalResourceId>%s</PhysicalResourceId><ResourceType>%s</ResourceType><StackResourceDriftStatus>%s</StackResourceDriftStatus><Timestamp>2026-11-23T10:05:00.000Z</Timestamp>",
				stackID, esc(r.LogicalID), esc(r.PhysicalID), esc(r.Type), esc(r.Status))
			if r.Reason != "" {
				fmt.Fprintf(&b, "<DriftStatusReason>%s</DriftStatusReason>", esc(r.Reason))
			}
			if len(r.Differences) > 0 {
				b.WriteString("<PropertyDifferences>")
				for _, p := range r.Differences {
					fmt.Fprintf(&b, "<member><PropertyPath>%s</PropertyPath><ExpectedValue>%s</ExpectedValue><ActualValue>%s</ActualValue><DifferenceType>%s</DifferenceType></member>", esc(p.Path), esc(p.Expected), esc(p.Actual), esc(p.Type))
				}
				b.WriteString("</PropertyDifferences>")
			}
			b.WriteString("</member>")
		}
		fmt.Fprintf(w, `<DescribeStackResourceDriftsResponse xmlns="%s"><DescribeStackResourceDriftsResult><StackResourceDrifts>%s</StackResourceDrifts>%s</DescribeStackResourceDriftsResult><ResponseMetadata><RequestId>fake-8</RequestId></ResponseMetadata></DescribeStackResourceDriftsResponse>`, cfnNS, b.String(), token)
	case "ListStackResources":
		page, token := d.page(form, d.Resources)
		var b strings.Builder
		for _, r := range page {
			status := r.Status
			if r.Summary != "" {
				status = r.Summary
			}
			fmt.Fprintf(&b, "<member><LogicalResourceId>%s</LogicalResourceId><PhysicalResourceId>%s</PhysicalResourceId><ResourceType>%s</ResourceType><LastUpdatedTimestamp>2026-11-23T10:00:00.000Z</LastUpdatedTimestamp><ResourceStatus>CREATE_COMPLETE</ResourceStatus>"+
				"<DriftInformation><StackResourceDriftStatus>%s</StackResourceDriftStatus><LastCheckTimestamp>2026-11-23T10:05:00.000Z</LastCheckTimestamp></DriftInformation></member>",
				esc(r.LogicalID), esc(r.PhysicalID), esc(r.Type), esc(status))
		}
		fmt.Fprintf(w, `<ListStackResourcesResponse xmlns="%s"><ListStackResourcesResult><StackResourceSummaries>%s</StackResourceSummaries>%s</ListStackResourcesResult><ResponseMetadata><RequestId>fake-9</RequestId></ResponseMetadata></ListStackResourcesResponse>`, cfnNS, b.String(), token)
	}
}

// page returns the page of rs that the form's NextToken asks for, and the
// <NextToken> element for the next one ("" on the last page).
func (d *Drift) page(form url.Values, rs []ResourceDrift) ([]ResourceDrift, string) {
	start := 0
	fmt.Sscan(form.Get("NextToken"), &start)
	start = min(start, len(rs))
	if d.PageSize > 0 && start+d.PageSize < len(rs) {
		return rs[start : start+d.PageSize], fmt.Sprintf("<NextToken>%d</NextToken>", start+d.PageSize)
	}
	return rs[start:], ""
}
