package probe

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"

	prover "github.com/privates3/privates3/lambda/prover/contract"
)

// Canary is one run of the privacy canary (lambda/prover): it probes the
// uploader and the control named by its environment (getenv) exactly as
// the post-deploy check does (Prove), and writes the verdict to w as one
// line in CloudWatch's embedded metric format, from which CloudWatch Logs
// makes the metric PrivateS3/PrivacyProven (1: proven private, 0: not)
// that the canary's alarm watches. A second line is the whole result, for
// whoever investigates an alarm.
//
// The error is for a run that could not judge (its environment is
// incomplete, the id is bad, w fails): it publishes no metric, and the
// alarm counts the missing data as a failed proof.
func Canary(ctx context.Context, lam Invoker, getenv func(string) string, id string, now time.Time, w io.Writer) (*Result, error) {
	st := Stack{Bucket: getenv(prover.EnvBucket), Uploader: getenv(prover.EnvUploader), Control: getenv(prover.EnvControl)}
	var missing []string
	for _, v := range []struct{ name, value string }{{prover.EnvBucket, st.Bucket}, {prover.EnvUploader, st.Uploader}, {prover.EnvControl, st.Control}} {
		if v.value == "" {
			missing = append(missing, v.name)
		}
	}
	if len(missing) > 0 {
		// Without the control there is nothing to prove: a run of the
		// uploader alone would publish 1 for a bucket nobody tried.
		return nil, fmt.Errorf("the prover's environment lacks %s: deploy it with the canary construct (constructs/canary), which sets the bucket and both functions", strings.Join(missing, ", "))
	}
	res, err := Prove(ctx, lam, st, id)
	if err != nil {
		return nil, err
	}
	if err := writeMetric(w, res, now); err != nil {
		return nil, fmt.Errorf("write the metric: %w", err)
	}
	return res, nil
}

// writeMetric writes res as one embedded-metric-format document
// (CloudWatch User Guide, "Specification: Embedded metric format"): the
// root's _aws member holds the Timestamp in milliseconds since the epoch
// and one CloudWatchMetrics directive naming the namespace, the dimension
// set and the metric; the dimension's and the metric's values are members
// of the root. Other root members (the summary, the problems) are logged
// and not made metrics. Then the whole result, as a second line.
func writeMetric(w io.Writer, res *Result, now time.Time) error {
	proven := 0
	if res.Passed {
		proven = 1
	}
	doc := map[string]any{
		"_aws": map[string]any{
			"Timestamp": now.UnixMilli(),
			"CloudWatchMetrics": []any{map[string]any{
				"Namespace":  prover.MetricNamespace,
				"Dimensions": [][]string{{prover.MetricDimension}},
				"Metrics":    []any{map[string]any{"Name": prover.MetricName, "Unit": "Count"}},
			}},
		},
		prover.MetricDimension: res.Stack.Bucket,
		prover.MetricName:      proven,
		"summary":              res.Summary,
		"problems":             res.Problems,
	}
	line, err := json.Marshal(doc)
	if err != nil {
		return err
	}
	full, err := json.Marshal(res)
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(w, "%s\n%s\n", line, full)
	return err
}
