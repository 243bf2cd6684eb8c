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
	for _, r := range rows {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", r.Template, r.Function, r.bucketName(), r.Action, r.Path, orDash(r.Endpoint), r.Decision, r.DecisionReason)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	return writePaths(w, rows)
}

// bucketName is the bucket's logical id, followed by its template when
// that is not the row's.
func (r *Row) bucketName() string {
	if r.BucketTemplate != "" {
		return r.Bucket + " (" + r.BucketTemplate + ")"
	}
	return r.Bucket
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// writePaths lists each function's path once, after the table or the
// summary.
func writePaths(w io.Writer, rows []Row) error {
	type key struct{ template, function, path, endpoint, reason string }
	var paths []key
	seen := map[key]bool{}
	for _, r := range rows {
		k := key{r.Template, r.Function, r.Path, r.Endpoint, r.PathReason}
		if !seen[k] {
			seen[k] = true
			paths = append(paths, k)
		}
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

// summaryListed is how many action names a summary line lists before it
// only counts.
const summaryListed = 8

// WriteSummary writes the matrix as a summary: for each bucket, one
// paragraph per caller and path, headed by what is allowed, e.g.
//
//	UploaderFunction79114915 (vpc-endpoint NetworkVpcS3Endpoint87783328): 2 allowed: s3:PutObject, s3:PutObjectTagging
//	  104 implicit-deny
//	@deployer (internet): bucket-level only (62 of 62 bucket actions, 0 of 44 object actions)
//	  44 explicit-deny by bucket policy StoragePolicyFA2733C0 statement "DenyObjectsOutsideEndpoint"
//
// followed by the count of each other decision: explicit denies by
// deciding statement, unknown rows by reason with their actions. Then the
// paths, as after the table.
func WriteSummary(w io.Writer, rows []Row) error {
	type group struct {
		template, bucket string
		callers          []*callerSummary
		index            map[[3]string]*callerSummary
	}
	var groups []*group
	byBucket := map[[2]string]*group{}
	for i := range rows {
		r := &rows[i]
		// A bucket is its template's: a function of another template
		// is listed under it with its own template's name.
		template, function := r.Template, r.Function
		if r.BucketTemplate != "" {
			template, function = r.BucketTemplate, r.Template+" "+r.Function
		}
		g := byBucket[[2]string{template, r.Bucket}]
		if g == nil {
			g = &group{template: template, bucket: r.Bucket, index: map[[3]string]*callerSummary{}}
			byBucket[[2]string{template, r.Bucket}] = g
			groups = append(groups, g)
		}
		k := [3]string{function, r.Path, r.Endpoint}
		c := g.index[k]
		if c == nil {
			c = &callerSummary{function: function, path: r.Path, endpoint: r.Endpoint}
			g.index[k] = c
			g.callers = append(g.callers, c)
		}
		c.rows = append(c.rows, r)
	}
	var b strings.Builder
	for i, g := range groups {
		if i > 0 {
			b.WriteString("\n")
		}
		fmt.Fprintf(&b, "%s: bucket %s\n", g.template, g.bucket)
		for _, c := range g.callers {
			c.write(&b)
		}
	}
	if len(groups) > 0 {
		b.WriteString("\n(one row per action: --rows; as JSON: --json)\n")
	}
	if _, err := io.WriteString(w, b.String()); err != nil {
		return err
	}
	return writePaths(w, rows)
}

// callerSummary is the rows of one caller, path and bucket.
type callerSummary struct {
	function, path, endpoint string
	rows                     []*Row
}

func (c *callerSummary) write(b *strings.Builder) {
	var allowed []string
	var bucketN, objectN, bucketAllowed, objectAllowed int
	for _, r := range c.rows {
		object := isObjectAction(r.Action)
		if object {
			objectN++
		} else {
			bucketN++
		}
		if r.Decision == Allowed {
			allowed = append(allowed, r.Action)
			if object {
				objectAllowed++
			} else {
				bucketAllowed++
			}
		}
	}
	where := c.path
	if c.endpoint != "" {
		where += " " + c.endpoint
	}
	total := len(c.rows)
	var head string
	switch {
	case len(allowed) == 0:
		head = fmt.Sprintf("0 of %d S3 actions allowed", total)
	case len(allowed) == total:
		head = fmt.Sprintf("all %d S3 actions allowed", total)
	case bucketAllowed == bucketN && objectAllowed == 0:
		head = fmt.Sprintf("bucket-level only (%d of %d bucket actions, 0 of %d object actions)", bucketN, bucketN, objectN)
	case objectAllowed == objectN && bucketAllowed == 0:
		head = fmt.Sprintf("object-level only (0 of %d bucket actions, %d of %d object actions)", bucketN, objectN, objectN)
	case len(allowed) <= summaryListed:
		head = fmt.Sprintf("%d allowed: %s", len(allowed), strings.Join(allowed, ", "))
	default:
		head = fmt.Sprintf("%d of %d S3 actions allowed (%d of %d bucket actions, %d of %d object actions)", len(allowed), total, bucketAllowed, bucketN, objectAllowed, objectN)
	}
	fmt.Fprintf(b, "  %s (%s): %s\n", c.function, where, head)
	// The other decisions, each with what decided it.
	for _, d := range []string{ExplicitDeny, ImplicitDeny, Unreachable, Unknown} {
		var n int
		var whys []string
		byWhy := map[string][]string{}
		for _, r := range c.rows {
			if r.Decision != d {
				continue
			}
			n++
			why := ""
			switch d {
			case ExplicitDeny:
				why = r.DecidedBy
			case Unknown:
				why = r.DecisionReason
			}
			if _, ok := byWhy[why]; !ok {
				whys = append(whys, why)
			}
			byWhy[why] = append(byWhy[why], r.Action)
		}
		if n == 0 {
			continue
		}
		switch {
		case d == Unknown:
			for _, why := range whys {
				fmt.Fprintf(b, "      %d unknown: %s: %s\n", len(byWhy[why]), listActions(byWhy[why]), why)
			}
		case len(whys) == 1 && whys[0] != "":
			fmt.Fprintf(b, "      %d %s by %s\n", n, d, whys[0])
		case len(whys) > 1:
			parts := make([]string, len(whys))
			for i, why := range whys {
				parts[i] = fmt.Sprintf("%d by %s", len(byWhy[why]), orDash(why))
			}
			fmt.Fprintf(b, "      %d %s: %s\n", n, d, strings.Join(parts, ", "))
		default:
			fmt.Fprintf(b, "      %d %s\n", n, d)
		}
	}
}

// listActions names up to summaryListed actions, then counts the rest.
func listActions(actions []string) string {
	if len(actions) <= summaryListed {
		return strings.Join(actions, ", ")
	}
	return fmt.Sprintf("%s and %d more", strings.Join(actions[:summaryListed], ", "), len(actions)-summaryListed)
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
