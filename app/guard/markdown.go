package guard

import (
	"fmt"
	"io"
	"path/filepath"
	"strings"
)

// WriteMarkdown writes the report for a reviewer: the verdict first, then
// every failure with its fix, then the exemptions applied and the stale
// ones. It reads the same in a terminal and in a GitHub step summary.
func (r *Report) WriteMarkdown(w io.Writer, allowUnused bool) error {
	var b strings.Builder
	failures := r.Failures()
	exempted := len(r.Findings) - len(failures)
	verdict := "PASS"
	if len(failures) > 0 || (!allowUnused && len(r.Unused) > 0) {
		verdict = "FAIL"
	}
	fmt.Fprintf(&b, "### CloudFormation Guard: %s\n\n", verdict)
	fmt.Fprintf(&b, "%d rules (AWS Control Tower: S3, Lambda, EC2/VPC, IAM; and this project's) over %d template(s): %d failure(s), %d exempted finding(s), %d stale exemption(s).\n\n",
		r.Rules, len(r.Templates), len(failures), exempted, len(r.Unused))

	b.WriteString("| template | failures | exempted |\n|---|---:|---:|\n")
	for _, t := range r.Templates {
		var f, e int
		for _, x := range r.Findings {
			if x.Template != t {
				continue
			}
			if x.Exemption == nil {
				f++
			} else {
				e++
			}
		}
		fmt.Fprintf(&b, "| `%s` | %d | %d |\n", filepath.Base(t), f, e)
	}
	b.WriteString("\n")

	if len(failures) > 0 {
		b.WriteString("#### Failures\n\n| template | resource | rule | control | requirement | fix |\n|---|---|---|---|---|---|\n")
		for _, f := range failures {
			fmt.Fprintf(&b, "| `%s` | `%s` | `%s` | %s | %s | %s |\n",
				filepath.Base(f.Template), orTemplate(f.Resource), f.Rule, f.Control, cell(f.Message), cell(f.Fix))
		}
		b.WriteString("\n")
	}
	if len(r.Unused) > 0 {
		b.WriteString("#### Stale exemptions\n\nThese cover no finding in these templates. Remove them, unless the templates are a configuration that legitimately lacks the resource (for example `kms=true` or `includeControl=false`).\n\n| rule | resource |\n|---|---|\n")
		for _, e := range r.Unused {
			fmt.Fprintf(&b, "| `%s` | `%s` |\n", e.Rule, e.Resource)
		}
		b.WriteString("\n")
	}
	if exempted > 0 {
		b.WriteString("#### Exemptions applied (from `app/guard/exemptions.json`)\n\n| resource | rule | templates | reason |\n|---|---|---:|---|\n")
		type key struct{ resource, rule string }
		count := map[key]int{}
		var order []key
		reason := map[key]string{}
		for _, f := range r.Findings {
			if f.Exemption == nil {
				continue
			}
			k := key{f.Resource, f.Rule}
			if count[k] == 0 {
				order = append(order, k)
			}
			count[k]++
			reason[k] = f.Exemption.Reason
		}
		for _, k := range order {
			fmt.Fprintf(&b, "| `%s` | `%s` | %d | %s |\n", k.resource, k.rule, count[k], cell(reason[k]))
		}
		b.WriteString("\n")
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// cell keeps a value inside one Markdown table cell.
func cell(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	return strings.ReplaceAll(s, "|", `\|`)
}
