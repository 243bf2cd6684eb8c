package probe

import (
	"fmt"
	"regexp"
	"strings"
)

// An AccessDenied message names what refused the request. The control's
// refusal proves the bucket private only when that is the bucket's own
// policy; any other refuser (an Organizations policy, the role's boundary,
// a session policy, IAM, another resource's policy) would refuse the write
// just the same on a bucket that is open, so the probe proves nothing.
//
// The message forms, as AWS documents them:
//
//   - IAM User Guide, "Troubleshoot access denied error messages": most
//     messages read "User: USER is not authorized to perform: ACTION on
//     resource: RESOURCE because CONTEXT", where CONTEXT is "with an explicit
//     deny in a TYPE policy" or "because no TYPE policy allows the ACTION
//     action"; when several policy types deny, the message names only one.
//     Its section "Access denied error message examples" (read in the
//     guide's source, github.com/awsdocs/iam-user-guide,
//     doc_source/troubleshoot_access-denied.md) gives examples per policy
//     type: service control policy, VPC endpoint policy, permissions
//     boundary, session policy (spelt "sessions policy" in one), resource-
//     based policy, identity-based policy, and "with an explicit deny in a
//     VPC endpoint policy transitively through a service control policy".
//   - Amazon S3 User Guide, "Troubleshoot access denied (403 Forbidden)
//     errors in Amazon S3", section "Access denied message examples and how
//     to troubleshoot them": the same forms for S3 (with "on resource:" and a
//     quoted ARN), plus "with an explicit deny in a resource control policy"
//     and reasons that name no policy type ("because public ACLs are
//     prevented by the BlockPublicAcls setting in S3 Block Public Access",
//     "because this bucket has blocked upload requests that specify Server
//     Side Encryption with Customer provided keys (SSE-C)"). S3 adds this
//     context only for requests within the bucket's account or organization,
//     not for a denial by a VPC endpoint policy within the organization, and
//     not for directory buckets; otherwise the message is a plain "Access
//     Denied", which names no policy type.
//   - AWS Security Blog, "Enhanced access denied error messages with policy
//     ARNs": the policy type may be followed by ": POLICY-ARN".
//
// So only "with an explicit deny in a resource-based policy" can mean the
// bucket policy, and only when the denied action is an S3 action on the
// stack's bucket: a KMS key policy is resource-based too, but its denial
// names a kms: action on a key. (The S3 page notes that a denial by the
// RestrictPublicBuckets setting reads the same; that setting limits a
// bucket with a public policy to its own account and AWS services, and the
// control is in the bucket's account.) Everything else, a plain "Access
// Denied" included, is unknown, and unknown proves nothing.

// Denial is what one AccessDenied message says about the refusal. It is
// read from the message's words only; ParseDenial does no I/O.
type Denial struct {
	// Action and Resource are the message's "is not authorized to perform:
	// ACTION on resource: RESOURCE" elements. Action is empty when the
	// message has no such element (a plain "Access Denied"); Resource is
	// empty when it names none (several documented forms omit it).
	Action, Resource string
	// PolicyType is the policy type the message names, in lower case as AWS
	// writes it ("resource-based policy", "service control policy",
	// "permissions boundary"); empty when it names none.
	PolicyType string
	// PolicyARN is the denying policy's ARN when the message gives one.
	PolicyARN string
	// Explicit is true for "with an explicit deny in ...", false for
	// "because no ... allows the ACTION action".
	Explicit bool
	// Context is the message's words after the action and resource, as AWS
	// wrote them; for a message without the action element, the whole
	// message.
	Context string
}

var (
	// The last "is not authorized to perform:" is AWS's: the uploader puts
	// its own words and the SDK's before it.
	notAuthorizedAt = regexp.MustCompile(`(?i)is not authorized to perform:`)
	notAuthorized   = regexp.MustCompile(`(?i)is not authorized to perform:\s*(\S+)(?:\s+on resource:\s*"?([^"\s]+?)"?(?:\s|$))?\s*(.*)$`)
	explicitDeny    = regexp.MustCompile(`(?i)^with an explicit deny in (?:a |an |the )?(.+?)\.?$`)
	noneAllows      = regexp.MustCompile(`(?i)^because no (.+?) allows the \S+ action\.?$`)
	policyARN       = regexp.MustCompile(`^(.+?):\s*(arn:\S+)$`)
)

// ParseDenial reads an AccessDenied message (or a longer error text that
// ends with one, as the uploader's errors do).
func ParseDenial(msg string) Denial {
	msg = strings.Join(strings.Fields(msg), " ")
	at := notAuthorizedAt.FindAllStringIndex(msg, -1)
	if at == nil {
		return Denial{Context: msg}
	}
	m := notAuthorized.FindStringSubmatch(msg[at[len(at)-1][0]:])
	if m == nil {
		return Denial{Context: msg}
	}
	d := Denial{Action: m[1], Resource: m[2], Context: m[3]}
	var typ string
	if e := explicitDeny.FindStringSubmatch(d.Context); e != nil {
		d.Explicit, typ = true, e[1]
	} else if n := noneAllows.FindStringSubmatch(d.Context); n != nil {
		typ = n[1]
	} else {
		return d
	}
	if a := policyARN.FindStringSubmatch(typ); a != nil {
		typ, d.PolicyARN = a[1], a[2]
	}
	d.PolicyType = strings.ToLower(typ)
	return d
}

// resourceBased is the policy type of bucket policies (and of access point
// and KMS key policies).
const resourceBased = "resource-based policy"

// BucketRefused reports whether the denial is the refusal of bucket's own
// policy; when it is not, why says what the message shows instead, in words
// that fit "refused with AccessDenied, but WHY, so the probe proves nothing".
func (d Denial) BucketRefused(bucket string) (ok bool, why string) {
	switch {
	case d.Action == "":
		return false, `with a message that names no policy type (S3's plain "Access Denied", sent for requests from outside the bucket's account or organization and in some other cases): which policy refused it is unknown`
	case d.PolicyType == "":
		return false, fmt.Sprintf("for a reason that names no policy type (%q): which policy refused it is unknown", d.Context)
	case d.PolicyType == "identity-based policy":
		return false, fmt.Sprintf("by IAM, not by the bucket policy (%q; the control must keep the uploader's S3 rights for its refusal to prove anything)", d.Context)
	case !d.Explicit:
		return false, fmt.Sprintf("for want of an allow, not by the bucket policy's explicit deny (%q)", d.Context)
	case d.PolicyType != resourceBased:
		return false, fmt.Sprintf("by %s, not by the bucket policy (%q)", article(d.PolicyType), d.Context)
	case !strings.HasPrefix(strings.ToLower(d.Action), "s3:"):
		return false, fmt.Sprintf("by the resource-based policy of another resource (%s is not an S3 action: a KMS key policy, say), not by the bucket policy", d.Action)
	case d.Resource != "" && !inBucket(d.Resource, bucket):
		return false, fmt.Sprintf("by a resource-based policy on %s, which is not in the stack's bucket %s", d.Resource, bucket)
	}
	return true, "by an explicit deny in a resource-based policy (the bucket policy)"
}

func article(typ string) string {
	if typ != "" && strings.ContainsRune("aeiou", rune(typ[0])) {
		return "an " + typ
	}
	return "a " + typ
}

// inBucket: the bucket's ARN or an object's in it, in any partition.
func inBucket(resource, bucket string) bool {
	if !strings.HasPrefix(resource, "arn:") {
		return false
	}
	_, rest, ok := strings.Cut(resource, ":s3:::")
	if !ok {
		return false
	}
	name, _, _ := strings.Cut(rest, "/")
	return name == bucket
}
