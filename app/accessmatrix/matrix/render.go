package matrix

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
)

// WriteJSON writes rows as the JSON array of the output contract.
func WriteJSON(w io.Writer, rows []Row) error {
	if rows == nil {
		rows = []Row{}
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(rows)
}

// WriteTable writes rows as an aligned table, function by function, and
// then each function's path once, because a path explanation repeated on
// every action would drown the decisions.
func WriteTable(w io.Writer, rows []Row) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "TEMPLATE\tFUNCTION\tBUCKET\tACTION\tPATH\tENDPOINT\tDECISION\tREASON")
	type key struct{ template, function, path, endpoint, reason string }
	var paths []key
	seen := map[key]bool{}
	for _, r := range rows {
		ep := r.Endpoint
		if ep == "" {
			ep = "-"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", r.Template, r.Function, r.Bucket, r.Action, r.Path, ep, r.Decision, r.DecisionReason)
		k := key{r.Template, r.Function, r.Path, r.Endpoint, r.PathReason}
		if !seen[k] {
			seen[k] = true
			paths = append(paths, k)
		}
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if len(paths) == 0 {
		_, err := fmt.Fprintln(w, "(no Lambda functions or buckets found)")
		return err
	}
	var b strings.Builder
	b.WriteString("\nPATHS\n")
	for _, p := range paths {
		fmt.Fprintf(&b, "  %s %s: %s: %s\n", p.template, p.function, p.path, p.reason)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// WriteAssumptions lists what the matrix took for granted (see
// Assumptions), so no reader mistakes an assumption for a proof.
func WriteAssumptions(w io.Writer, assumptions []string) error {
	if len(assumptions) == 0 {
		return nil
	}
	var b strings.Builder
	b.WriteString("\nASSUMED\n")
	for _, a := range assumptions {
		fmt.Fprintf(&b, "  %s\n", a)
	}
	_, err := io.WriteString(w, b.String())
	return err
}
