package policy

import (
	"strings"
)

// distinct knows which values are pairwise different (Input.Distinct): the
// identifiers of different resources. AWS documents each as unique:
//
//   - "When resources are created, we assign each resource a unique
//     resource ID" (Amazon EC2 User Guide, "Resource IDs"): two VPC
//     endpoints or two VPCs have two ids (vpce-…, vpc-…);
//   - "IAM user, group, role, and policy names must be unique within the
//     account. Names are not distinguished by case" (IAM API Reference,
//     CreateRole, RoleName), and a role's RoleId is "the stable and unique
//     string identifying the role" (IAM API Reference, Role; IAM User
//     Guide, "IAM identifiers", Unique identifiers);
//   - "Bucket names must be unique across all AWS accounts in all the AWS
//     Regions within a partition" (S3 User Guide, "General purpose bucket
//     naming rules").
//
// The values of a group are names and ids of one kind: none holds "/",
// ":", "*" or "?" (a role name is [\w+=,.@-]+, a bucket name lower-case
// letters, digits, "." and "-", an EC2 id letters, digits and "-"), and
// two of them differ whatever their case. A literal value that breaks
// this is left out of its group.
//
// A nil *distinct knows nothing: every method works on it.
type distinct struct {
	// group maps each value, its literal characters lower-cased (see
	// key), to its group's number, from 1.
	group map[string]int
}

func newDistinct(groups [][]string) *distinct {
	if len(groups) == 0 {
		return nil
	}
	d := &distinct{group: map[string]int{}}
	for i, g := range groups {
		for _, v := range g {
			if v == "" || strings.ContainsAny(stripSymbols(v), "/:*?") {
				continue
			}
			d.group[key(compile(v, false, true))] = i + 1
		}
	}
	return d
}

// stripSymbols removes the symbols of s, leaving its literal text.
func stripSymbols(s string) string {
	var b strings.Builder
	for _, e := range compile(s, false, false) {
		if e.kind == lit {
			b.WriteRune(e.r)
		}
	}
	return b.String()
}

// key spells elements the way values are looked up: symbols by name,
// literal characters lower-cased, wildcards as themselves.
func key(es []elem) string {
	var b strings.Builder
	for _, e := range es {
		switch e.kind {
		case sym:
			b.WriteString(e.name)
		case star:
			b.WriteByte('*')
		case one:
			b.WriteByte('?')
		default:
			b.WriteRune(lowerRune(e.r))
		}
	}
	return b.String()
}

func lowerRune(r rune) rune { return []rune(strings.ToLower(string(r)))[0] }

// isDelim: the characters no value of a group holds, that end one where
// an ARN or a path goes on.
func isDelim(e elem) bool { return e.kind == lit && (e.r == '/' || e.r == ':') }

// apart reports that no string q stands for matches p, because the first
// place they differ is a segment (between "/" or ":" and the next, or the
// ends) that is, on each side, a different value of one group: the same
// text up to the segment, then two identifiers of different resources,
// each followed by a delimiter or the end, can never be one string. The
// segments must hold no wildcard: "${A}*" may match "${B}".
func (d *distinct) apart(p, q []elem) bool {
	if d == nil {
		return false
	}
	k := 0
	for k < len(p) && k < len(q) && sameElem(p[k], q[k]) {
		k++
	}
	j := k
	for j > 0 && !isDelim(p[j-1]) {
		j--
	}
	gp, kp, ok := d.segment(p[j:])
	if !ok {
		return false
	}
	gq, kq, ok := d.segment(q[j:])
	return ok && gp == gq && kp != kq
}

// segment looks up the elements up to the first delimiter as a value.
func (d *distinct) segment(es []elem) (group int, k string, ok bool) {
	end := 0
	for end < len(es) && !isDelim(es[end]) {
		if es[end].kind == star || es[end].kind == one {
			return 0, "", false
		}
		end++
	}
	k = key(es[:end])
	group, ok = d.group[k]
	return group, k, ok
}

// sameGroup reports that a and b are different values of one group.
func (d *distinct) sameGroup(a, b string) bool {
	if d == nil {
		return false
	}
	ka, kb := key(compile(a, false, true)), key(compile(b, false, true))
	ga, ok1 := d.group[ka]
	gb, ok2 := d.group[kb]
	return ok1 && ok2 && ga == gb && ka != kb
}

func sameElem(a, b elem) bool {
	return (a.kind == lit && b.kind == lit && a.r == b.r) || (a.kind == sym && b.kind == sym && a.name == b.name)
}
