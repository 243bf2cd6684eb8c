package probe

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/privates3/privates3/app/postdeploy/internal/fakeaws"
	"github.com/privates3/privates3/lambda/uploader/contract"
)

// canaryEnv is the prover's environment as constructs/canary sets it.
func canaryEnv(k string) string {
	return map[string]string{"BUCKET_NAME": bucket, "UPLOADER_FUNCTION": uploader, "CONTROL_FUNCTION": control}[k]
}

var canaryNow = time.Date(2026, 12, 7, 10, 0, 0, 0, time.UTC)

// emf is the embedded-metric-format line the canary writes, as CloudWatch
// Logs reads it (CloudWatch User Guide, "Specification: Embedded metric
// format": a root object whose _aws member holds Timestamp, in
// milliseconds since the epoch, and CloudWatchMetrics, a list of
// directives each with a Namespace, Dimensions as a list of lists of
// member names, and Metrics with Name and Unit; the values are members of
// the root).
type emf struct {
	AWS struct {
		Timestamp         int64
		CloudWatchMetrics []struct {
			Namespace  string
			Dimensions [][]string
			Metrics    []struct{ Name, Unit string }
		}
	} `json:"_aws"`
	Bucket        *string
	PrivacyProven *float64
	Summary       string `json:"summary"`
}

// runCanary runs the canary against the fake and returns the metric line
// it wrote, decoded, and the second line (the result).
func runCanary(t *testing.T, s *fakeaws.Server) (*Result, emf, Result) {
	t.Helper()
	_, lam := clients(s)
	var out bytes.Buffer
	res, err := Canary(context.Background(), lam, canaryEnv, id, canaryNow, &out)
	if err != nil {
		t.Fatalf("Canary() error = %v", err)
	}
	lines := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
	if len(lines) != 2 {
		t.Fatalf("Canary wrote %d lines, want the metric and the result:\n%s", len(lines), out.String())
	}
	var m emf
	dec := json.NewDecoder(strings.NewReader(lines[0]))
	if err := dec.Decode(&m); err != nil {
		t.Fatalf("metric line %s: %v", lines[0], err)
	}
	var full Result
	if err := json.Unmarshal([]byte(lines[1]), &full); err != nil {
		t.Fatalf("result line %s: %v", lines[1], err)
	}
	return res, m, full
}

// checkMetric asserts the directive names the metric the alarm watches
// (literals: constructs/canary's alarm names the same), and the value.
func checkMetric(t *testing.T, m emf, want float64) {
	t.Helper()
	if m.AWS.Timestamp != 1796637600000 {
		t.Errorf("Timestamp = %d, want %d (2026-12-07T10:00:00Z in milliseconds)", m.AWS.Timestamp, int64(1796637600000))
	}
	if len(m.AWS.CloudWatchMetrics) != 1 {
		t.Fatalf("CloudWatchMetrics = %+v, want one directive", m.AWS.CloudWatchMetrics)
	}
	d := m.AWS.CloudWatchMetrics[0]
	if d.Namespace != "PrivateS3" || len(d.Dimensions) != 1 || strings.Join(d.Dimensions[0], ",") != "Bucket" ||
		len(d.Metrics) != 1 || d.Metrics[0].Name != "PrivacyProven" || d.Metrics[0].Unit != "Count" {
		t.Errorf("directive = %+v, want PrivateS3 / PrivacyProven (Count) by Bucket", d)
	}
	if m.Bucket == nil || *m.Bucket != bucket {
		t.Errorf("Bucket member = %v, want %s", m.Bucket, bucket)
	}
	if m.PrivacyProven == nil || *m.PrivacyProven != want {
		t.Errorf("PrivacyProven member = %v, want %v", m.PrivacyProven, want)
	}
}

func TestCanaryProvesPrivacy(t *testing.T) {
	s := server(t, nil, fakeaws.Stores(bucket, "v1"), fakeaws.Fails(contract.ErrAccessDenied, denied))
	res, m, full := runCanary(t, s)
	if !res.Passed {
		t.Fatalf("Passed = false: %s", res.Summary)
	}
	checkMetric(t, m, 1)
	if !strings.HasPrefix(m.Summary, "PASS: ") || full.Summary != res.Summary {
		t.Errorf("summary in the metric line %q, in the result line %q; want the pass", m.Summary, full.Summary)
	}
	// The canary knows the functions from its environment: no
	// CloudFormation call, the one right its role lacks.
	if d := s.Describes(); len(d) != 0 {
		t.Errorf("DescribeStacks calls = %v, want none", d)
	}
	inv := s.Invocations()
	if len(inv) != 2 || inv[0].Function != uploader || inv[1].Function != control {
		t.Fatalf("invocations = %+v, want the uploader then the control", inv)
	}
}

// Every outcome the post-deploy check fails publishes 0: the canary judges
// with the same code.
func TestCanaryEveryFailurePublishesZero(t *testing.T) {
	for _, tc := range failures() {
		t.Run(tc.name, func(t *testing.T) {
			res, m, _ := runCanary(t, server(t, nil, tc.up, tc.ctl))
			if res.Passed {
				t.Fatalf("Passed for %s", tc.name)
			}
			checkMetric(t, m, 0)
			if !strings.HasPrefix(m.Summary, "FAIL: ") || !strings.Contains(m.Summary, tc.want) {
				t.Errorf("summary %q, want FAIL naming %q", m.Summary, tc.want)
			}
		})
	}
}

// A prover that cannot judge publishes nothing: the alarm treats missing
// data as breaching. The error names what is missing and where it comes
// from.
func TestCanaryRefusesAnIncompleteEnvironment(t *testing.T) {
	for _, tc := range []struct {
		name, unset string
	}{
		{"no control", "CONTROL_FUNCTION"},
		{"no uploader", "UPLOADER_FUNCTION"},
		{"no bucket", "BUCKET_NAME"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := server(t, nil, fakeaws.Stores(bucket, "v1"), fakeaws.Fails(contract.ErrAccessDenied, denied))
			_, lam := clients(s)
			env := func(k string) string {
				if k == tc.unset {
					return ""
				}
				return canaryEnv(k)
			}
			var out bytes.Buffer
			_, err := Canary(context.Background(), lam, env, id, canaryNow, &out)
			if err == nil || !strings.Contains(err.Error(), tc.unset) || !strings.Contains(err.Error(), "constructs/canary") {
				t.Errorf("error = %v, want it to name %s and the construct", err, tc.unset)
			}
			if out.Len() != 0 || len(s.Invocations()) != 0 {
				t.Errorf("wrote %q and invoked %d functions, want nothing", out.String(), len(s.Invocations()))
			}
		})
	}
	_, lam := clients(server(t, nil, nil, nil))
	if _, err := Canary(context.Background(), lam, canaryEnv, "a/b", canaryNow, &bytes.Buffer{}); err == nil {
		t.Error("Canary accepted an id with a slash")
	}
}

type failingWriter struct{}

func (failingWriter) Write([]byte) (int, error) { return 0, errors.New("disk full") }

func TestCanaryMetricNotWritten(t *testing.T) {
	_, lam := clients(server(t, nil, fakeaws.Stores(bucket, "v1"), fakeaws.Fails(contract.ErrAccessDenied, denied)))
	if _, err := Canary(context.Background(), lam, canaryEnv, id, canaryNow, failingWriter{}); err == nil || !strings.Contains(err.Error(), "disk full") {
		t.Errorf("error = %v, want the writer's", err)
	}
}
