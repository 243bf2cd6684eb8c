// Package fakeaws is a loopback HTTP server that speaks just enough of three
// AWS APIs for the post-deploy check's tests: CloudFormation DescribeStacks
// and drift detection (DetectStackDrift, DescribeStackDriftDetectionStatus,
// DescribeStackResourceDrifts), STS AssumeRole (the query protocol: a form POST answered with XML)
// and Lambda Invoke (REST-JSON: POST /2015-03-31/functions/NAME/invocations). The real SDK
// clients talk to it through their endpoint settings, so the tests cover
// the wire format, error decoding and the command's client wiring; only AWS
// itself is replaced.
//
// Every request is recorded, and anything the check should never send is
// answered with an error and recorded as unexpected.
package fakeaws

import (
	"encoding/base64"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sort"
	"strings"
	"sync"

	"github.com/privates3/privates3/lambda/uploader/contract"
)

// Stack is a deployed stack as DescribeStacks reports it.
type Stack struct {
	Status  string
	Outputs map[string]string
}

// Reply is the HTTP answer to one Invoke.
type Reply struct {
	// Status defaults to 200.
	Status int
	// FunctionError sets X-Amz-Function-Error ("Unhandled").
	FunctionError string
	// ErrorType sets X-Amzn-ErrorType, for API errors (status >= 400).
	ErrorType string
	// Log, when set, comes back base64-encoded in X-Amz-Log-Result.
	Log  string
	Body []byte
}

// Function answers an invocation given its payload.
type Function func(payload []byte) Reply

// Raw is a canned HTTP answer that replaces the normal one.
type Raw struct {
	Status      int
	ContentType string
	Body        string
}

// Invocation is one recorded Invoke.
type Invocation struct {
	Function       string
	InvocationType string
	LogType        string
	Payload        []byte
	// Authorization is the SigV4 header, to check region and service.
	Authorization string
}

// Server is the fake. Set its fields before the first request.
type Server struct {
	*httptest.Server

	Stacks    map[string]Stack
	Functions map[string]Function
	// DescribeStacks, when set, answers every DescribeStacks.
	DescribeStacks *Raw
	// Drifts are the stacks' drift detections, by stack name; a stack
	// without one answers DetectStackDrift with the stack-not-found
	// ValidationError.
	Drifts map[string]*Drift
	// Roles are the role ARNs AssumeRole grants, each with the access key
	// id of the temporary credentials it hands out; any other role is
	// refused with AccessDenied.
	Roles map[string]string

	mu          sync.Mutex
	invocations []Invocation
	describes   []url.Values
	describeBy  []string
	assumes     []url.Values
	driftCalls  []url.Values
	detected    *Drift
	unexpected  []string
}

// New starts a server on loopback; the caller closes it
// (t.Cleanup(s.Close)).
func New() *Server {
	s := &Server{Stacks: map[string]Stack{}, Functions: map[string]Function{}, Roles: map[string]string{}, Drifts: map[string]*Drift{}}
	s.Server = httptest.NewServer(http.HandlerFunc(s.serve))
	return s
}

// Invocations returns the recorded Invoke calls in order.
func (s *Server) Invocations() []Invocation {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Invocation(nil), s.invocations...)
}

// Describes returns the recorded DescribeStacks forms.
func (s *Server) Describes() []url.Values {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]url.Values(nil), s.describes...)
}

// DescribedBy returns the SigV4 Authorization header of each recorded
// DescribeStacks, to check whose credentials signed it.
func (s *Server) DescribedBy() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.describeBy...)
}

// AssumeRoles returns the recorded AssumeRole forms.
func (s *Server) AssumeRoles() []url.Values {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]url.Values(nil), s.assumes...)
}

// Unexpected lists requests the fake does not speak.
func (s *Server) Unexpected() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.unexpected...)
}

const invokePrefix = "/2015-03-31/functions/"

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	switch {
	case r.Method == http.MethodPost && r.URL.Path == "/":
		s.describe(w, r, body)
	case r.Method == http.MethodPost && strings.HasPrefix(r.URL.Path, invokePrefix) && strings.HasSuffix(r.URL.Path, "/invocations"):
		name, _ := url.PathUnescape(strings.TrimSuffix(strings.TrimPrefix(r.URL.EscapedPath(), invokePrefix), "/invocations"))
		s.invoke(w, r, name, body)
	default:
		s.reject(w, fmt.Sprintf("%s %s", r.Method, r.URL.Path))
	}
}

func (s *Server) reject(w http.ResponseWriter, what string) {
	s.mu.Lock()
	s.unexpected = append(s.unexpected, what)
	s.mu.Unlock()
	http.Error(w, "fakeaws: unexpected request "+what, http.StatusNotImplemented)
}

func (s *Server) describe(w http.ResponseWriter, r *http.Request, body []byte) {
	form, err := url.ParseQuery(string(body))
	if err == nil && form.Get("Action") == "AssumeRole" && form.Get("Version") == "2011-06-15" {
		s.assumeRole(w, form)
		return
	}
	if err == nil && form.Get("Version") == "2010-05-15" && driftActions[form.Get("Action")] {
		s.drift(w, form)
		return
	}
	if err != nil || form.Get("Action") != "DescribeStacks" || form.Get("Version") != "2010-05-15" {
		s.reject(w, "query "+string(body))
		return
	}
	s.mu.Lock()
	s.describes = append(s.describes, form)
	s.describeBy = append(s.describeBy, r.Header.Get("Authorization"))
	s.mu.Unlock()
	if raw := s.DescribeStacks; raw != nil {
		w.Header().Set("Content-Type", raw.ContentType)
		w.WriteHeader(raw.Status)
		io.WriteString(w, raw.Body)
		return
	}
	name := form.Get("StackName")
	st, ok := s.Stacks[name]
	w.Header().Set("Content-Type", "text/xml")
	if !ok {
		w.WriteHeader(http.StatusBadRequest)
		fmt.Fprintf(w, `<ErrorResponse xmlns="http://cloudformation.amazonaws.com/doc/2010-05-15/"><Error><Type>Sender</Type><Code>ValidationError</Code><Message>Stack with id %s does not exist</Message></Error><RequestId>fake-1</RequestId></ErrorResponse>`, esc(name))
		return
	}
	var outputs strings.Builder
	keys := make([]string, 0, len(st.Outputs))
	for k := range st.Outputs {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		fmt.Fprintf(&outputs, "<member><OutputKey>%s</OutputKey><OutputValue>%s</OutputValue></member>", esc(k), esc(st.Outputs[k]))
	}
	fmt.Fprintf(w, `<DescribeStacksResponse xmlns="http://cloudformation.amazonaws.com/doc/2010-05-15/"><DescribeStacksResult><Stacks><member>`+
		`<StackName>%s</StackName><StackId>arn:aws:cloudformation:eu-west-1:123456789012:stack/%s/0f6c1a40-0000-11f0-0000-000000000000</StackId>`+
		`<CreationTime>2026-11-23T10:00:00.000Z</CreationTime><StackStatus>%s</StackStatus><Outputs>%s</Outputs>`+
		`</member></Stacks></DescribeStacksResult><ResponseMetadata><RequestId>fake-2</RequestId></ResponseMetadata></DescribeStacksResponse>`,
		esc(name), esc(name), esc(st.Status), outputs.String())
}

// assumeRole answers as STS does (STS API Reference, AssumeRole, "Examples"):
// temporary credentials for a role in Roles, AccessDenied for any other.
func (s *Server) assumeRole(w http.ResponseWriter, form url.Values) {
	s.mu.Lock()
	s.assumes = append(s.assumes, form)
	s.mu.Unlock()
	arn := form.Get("RoleArn")
	key, ok := s.Roles[arn]
	w.Header().Set("Content-Type", "text/xml")
	if !ok {
		w.WriteHeader(http.StatusForbidden)
		fmt.Fprintf(w, `<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>Sender</Type><Code>AccessDenied</Code><Message>User: arn:aws:sts::999999999999:assumed-role/check/x is not authorized to perform: sts:AssumeRole on resource: %s</Message></Error><RequestId>fake-3</RequestId></ErrorResponse>`, esc(arn))
		return
	}
	fmt.Fprintf(w, `<AssumeRoleResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><AssumeRoleResult>`+
		`<Credentials><AccessKeyId>%s</AccessKeyId><SecretAccessKey>assumed-secret</SecretAccessKey><SessionToken>assumed-token</SessionToken><Expiration>2099-01-01T00:00:00Z</Expiration></Credentials>`+
		`<AssumedRoleUser><Arn>%s/%s</Arn><AssumedRoleId>AROAFAKE:%s</AssumedRoleId></AssumedRoleUser>`+
		`</AssumeRoleResult><ResponseMetadata><RequestId>fake-4</RequestId></ResponseMetadata></AssumeRoleResponse>`,
		esc(key), esc(strings.Replace(strings.Replace(arn, ":iam::", ":sts::", 1), ":role/", ":assumed-role/", 1)), esc(form.Get("RoleSessionName")), esc(form.Get("RoleSessionName")))
}

func (s *Server) invoke(w http.ResponseWriter, r *http.Request, name string, body []byte) {
	s.mu.Lock()
	s.invocations = append(s.invocations, Invocation{
		Function: name, InvocationType: r.Header.Get("X-Amz-Invocation-Type"), LogType: r.Header.Get("X-Amz-Log-Type"),
		Payload: body, Authorization: r.Header.Get("Authorization"),
	})
	s.mu.Unlock()
	fn, ok := s.Functions[name]
	if !ok {
		fn = APIError(http.StatusNotFound, "ResourceNotFoundException", "Function not found: arn:aws:lambda:eu-west-1:123456789012:function:"+name)
	}
	rep := fn(body)
	if rep.Status == 0 {
		rep.Status = http.StatusOK
	}
	w.Header().Set("Content-Type", "application/json")
	if rep.FunctionError != "" {
		w.Header().Set("X-Amz-Function-Error", rep.FunctionError)
	}
	if rep.ErrorType != "" {
		w.Header().Set("X-Amzn-ErrorType", rep.ErrorType)
	}
	if rep.Log != "" {
		w.Header().Set("X-Amz-Log-Result", base64.StdEncoding.EncodeToString([]byte(rep.Log)))
	}
	w.Header().Set("X-Amz-Executed-Version", "$LATEST")
	w.WriteHeader(rep.Status)
	w.Write(rep.Body)
}

func esc(s string) string {
	var b strings.Builder
	xml.EscapeText(&b, []byte(s))
	return b.String()
}

// Stores answers like the uploader that stored the event's object: a
// contract.Response for the event's key in bucket, with versionID.
func Stores(bucket, versionID string) Function {
	return func(payload []byte) Reply {
		var ev contract.Event
		if err := json.Unmarshal(payload, &ev); err != nil {
			return Fails(contract.ErrInvalidInput, "fakeaws: event is not JSON: "+err.Error())(payload)
		}
		b, _ := json.Marshal(contract.Response{Bucket: bucket, Key: ev.Key, VersionID: versionID, ETag: `"5d41402abc4b2a76b9719d911017c592"`, Size: 5, ChecksumSHA256: "LPJNul+wow4m6DsqxbninhsWHlwfp0JecwQzYpOLmCQ="})
		return Reply{Body: b, Log: "START RequestId: fake\nEND RequestId: fake\n"}
	}
}

// Fails answers like a function that returned a contract error: Lambda's
// 200 with X-Amz-Function-Error and {"errorType", "errorMessage"}.
func Fails(errorType, message string) Function {
	return func([]byte) Reply {
		b, _ := json.Marshal(map[string]string{"errorType": errorType, "errorMessage": message})
		return Reply{FunctionError: "Unhandled", Body: b, Log: "START RequestId: fake\nERROR " + errorType + ": " + message + "\nEND RequestId: fake\n"}
	}
}

// APIError answers like the Lambda service refusing the call.
func APIError(status int, errorType, message string) Function {
	return func([]byte) Reply {
		b, _ := json.Marshal(map[string]string{"Type": "User", "message": message})
		return Reply{Status: status, ErrorType: errorType, Body: b}
	}
}

// Body answers 200 with body as the function's result, whatever it is.
func Body(body string, functionError string) Function {
	return func([]byte) Reply { return Reply{Body: []byte(body), FunctionError: functionError} }
}
