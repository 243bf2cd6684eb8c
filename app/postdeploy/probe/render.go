package probe

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
)

// WriteJSON writes a *Result, or a Failure when the check could not run,
// as indented JSON: the --json output contract.
func WriteJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// Failure is the JSON of a check that could not run (no credentials, no
// stack, bad flags). Passed is false, as in a Result that failed, so a
// script testing .passed is right either way; Error is the sentence the
// command also prints on stderr.
type Failure struct {
	Passed bool   `json:"passed"`
	Error  string `json:"error"`
}

// WriteText writes the observed matrix as a table, then the verdict, then
// the log tail of any function that did not behave, because that is where
// the investigation starts.
func WriteText(w io.Writer, r *Result, region string) error {
	var b strings.Builder
	fmt.Fprintf(&b, "Post-deploy check of stack %s", r.Stack.Name)
	if region != "" {
		fmt.Fprintf(&b, " (%s)", region)
	}
	fmt.Fprintf(&b, ", status %s\n", r.Stack.Status)
	fmt.Fprintf(&b, "bucket %s", r.Stack.Bucket)
	if r.Stack.EndpointID != "" {
		fmt.Fprintf(&b, ", endpoint %s", r.Stack.EndpointID)
	}
	b.WriteString("\n\n")
	tw := tabwriter.NewWriter(&b, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ROLE\tFUNCTION\tEXPECTED\tOBSERVED\tRESULT")
	for _, o := range []Observation{r.Uploader, r.Control} {
		fn := o.Function
		if fn == "" {
			fn = "-"
		}
		result := "ok"
		switch {
		case o.Outcome == NotDeployed:
			result = "skipped"
		case !o.OK:
			result = "FAIL"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", o.Role, fn, o.Expected, observed(o), result)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	b.WriteString("\n")
	for _, o := range []Observation{r.Uploader, r.Control} {
		fmt.Fprintf(&b, "%s: %s\n", o.Role, o.Verdict)
	}
	if r.Drift != nil {
		writeDrift(&b, r.Drift)
	}
	b.WriteString("\n" + r.Summary + "\n")
	for _, o := range []Observation{r.Uploader, r.Control} {
		if o.LogTail == "" {
			continue
		}
		fmt.Fprintf(&b, "\nlog tail of the %s (%s):\n", o.Role, o.Function)
		for _, line := range strings.Split(strings.TrimRight(o.LogTail, "\n"), "\n") {
			b.WriteString("  " + line + "\n")
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// observed is the table cell: what came back, in a few words.
func observed(o Observation) string {
	switch o.Outcome {
	case Stored:
		v := o.VersionID
		if v == "" {
			v = "none"
		}
		// The key is in the verdict line below; the table stays narrow.
		return "stored, version " + v
	case FunctionError:
		return o.ErrorType
	case InvokeFailed:
		if o.ErrorType != "" {
			return "invoke failed: " + o.ErrorType
		}
		return "invoke failed"
	case NotDeployed:
		return "not deployed (includeControl=false)"
	}
	return o.Outcome
}

// writeDrift lists each drifted resource with its property differences,
// marking what fails the check, then the resources drift detection could
// not check.
func writeDrift(b *strings.Builder, d *Drift) {
	b.WriteString("\ndrift detection")
	if d.DetectionID != "" {
		fmt.Fprintf(b, " %s: %s", d.DetectionID, orNone(d.DetectionStatus))
	}
	if d.StackStatus != "" {
		fmt.Fprintf(b, ", stack %s", d.StackStatus)
	}
	if d.Reason != "" {
		fmt.Fprintf(b, " (%s)", d.Reason)
	}
	b.WriteString("\n")
	for _, r := range d.Drifted {
		if r.Guarded {
			fmt.Fprintf(b, "  FAIL  %s %s\n", r.Describe(), r.Status)
		} else {
			fmt.Fprintf(b, "  note  %s %s (reported; it does not fail the check)\n", r.Describe(), r.Status)
		}
		for _, p := range r.Differences {
			fmt.Fprintf(b, "         %s\n", p)
		}
	}
	for _, r := range d.Unknown {
		mark := "FAIL "
		if !r.Guarded {
			mark = "note "
		}
		fmt.Fprintf(b, "  %s %s %s: CloudFormation could not check it (%s)\n", mark, r.Describe(), r.Status, orNone(r.Reason))
	}
	for _, r := range d.NotChecked {
		fmt.Fprintf(b, "  not checked %s: drift detection does not support this type\n", r.Describe())
	}
	if len(d.Drifted)+len(d.Unknown) == 0 && d.DetectionStatus == "DETECTION_COMPLETE" {
		b.WriteString("  no resource drifted\n")
	}
}
