package matrix

import (
	"slices"
	"strings"

	"github.com/privates3/privates3/app/accessmatrix/network"
	"github.com/privates3/privates3/constructs/policy"
)

// callerChosen reports whether a condition key holds a value the caller
// picks for each request (Service Authorization Reference, "Condition keys
// for Amazon S3"; IAM User Guide, "AWS global condition context keys"):
// its request headers (s3:x-amz-*: encryption, ACL, storage class, copy
// source, metadata directive; the object-lock headers), its list
// parameters (s3:prefix, s3:delimiter, s3:max-keys), the version it names
// (s3:versionid), the tags it sends (aws:RequestTag/*, aws:TagKeys,
// s3:RequestObjectTag/*, s3:RequestObjectTagKeys), how it signs
// (s3:signatureversion, s3:authType, s3:signatureAge) and its transport
// (aws:SecureTransport, s3:TlsVersion). A row claims a decision about the
// caller, not about one request: allowed when some choice of these values
// is provably allowed, refused only when every choice is.
func callerChosen(key string) bool {
	k := strings.ToLower(key)
	for _, p := range []string{"s3:x-amz-", "s3:requestobjecttag", "aws:requesttag/", "s3:object-lock-"} {
		if strings.HasPrefix(k, p) {
			return true
		}
	}
	switch k {
	case "s3:prefix", "s3:delimiter", "s3:max-keys", "s3:versionid", "aws:tagkeys",
		"s3:signatureversion", "s3:authtype", "s3:signatureage", "aws:securetransport", "s3:tlsversion":
		return true
	}
	return false
}

// transportKeys are fixed for a caller whose transport is its definition
// (@plaintext sends plain HTTP).
var transportKeys = []string{"aws:securetransport", "s3:tlsversion"}

// signatureKey is fixed for a caller whose signing is its definition
// (@sigv2 signs with Signature Version 2).
const signatureKey = "s3:signatureversion"

// encryptionHeaders pick how a put is encrypted, and so which KMS key it
// needs, if any ("If you specify x-amz-server-side-encryption:aws:kms ...
// but do not provide x-amz-server-side-encryption-aws-kms-key-id, Amazon
// S3 uses the AWS managed key (aws/s3)", S3 API Reference, PutObject): a
// choice of them is not tried for the actions whose KMS needs the row
// models (kmsActions), which assume the plain request.
const encryptionHeaders = "s3:x-amz-server-side-encryption"

// choice is one request a caller may send: the values of the
// caller-chosen keys it sets, on top of the plain request.
type choice struct {
	key, value string
}

// choices returns the caller-chosen keys the policies of in test, sorted,
// and the requests worth trying: for each key, each value its conditions
// compare it with (wildcards filled in, as witnessKeys does for keys).
// fixed keys are left out.
func choices(in policy.Input, fixed []string) (keys []string, tries []choice) {
	values := map[string][]string{}
	add := func(k, v string) {
		if !slices.Contains(values[k], v) {
			values[k] = append(values[k], v)
		}
	}
	var ps []policy.Policy
	ps = append(append(ps, in.Identity...), in.Resource...)
	if in.Endpoint != nil {
		ps = append(ps, *in.Endpoint)
	}
	for _, p := range ps {
		for _, st := range p.Statements {
			for _, c := range st.Conditions {
				k := strings.ToLower(c.Key)
				if !callerChosen(k) || slices.Contains(fixed, k) {
					continue
				}
				if _, ok := values[k]; !ok {
					values[k] = nil
				}
				if c.Operator == "Null" {
					// It asks only whether the key is there; a value
					// that makes a request valid is not known here.
					continue
				}
				for _, v := range c.Values {
					if !strings.Contains(v, "${") {
						add(k, strings.NewReplacer("*", "x", "?", "x").Replace(v))
					}
				}
			}
		}
	}
	for k := range values {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		for _, v := range values[k] {
			tries = append(tries, choice{k, v})
		}
	}
	return keys, tries
}

// withChoice is ctx with one caller-chosen key set.
func withChoice(ctx policy.Context, ch choice) policy.Context {
	out := make(policy.Context, len(ctx)+1)
	for k, v := range ctx {
		out[k] = v
	}
	out.Set(ch.key, ch.value)
	return out
}

// freeContext is ctx with each of keys unknown: the caller may leave it
// out or send any value.
func freeContext(ctx policy.Context, keys []string) policy.Context {
	out := make(policy.Context, len(ctx)+len(keys))
	for k, v := range ctx {
		out[k] = v
	}
	for _, k := range keys {
		out.SetUnknown(k, "the caller chooses it for each request")
	}
	return out
}

// chooser judges one caller's rows on one bucket over the requests it may
// send (see callerChosen): the plain request an SDK sends proves an allow;
// otherwise the free request, where every caller-chosen key the policies
// test is unknown, decides for every choice at once; otherwise each of
// tries may prove an allow.
type chooser struct {
	path  network.Path
	keys  []string
	tries []choice
	// req is the plain request, free its free form; prepared caches
	// their Prepared by try (-2 free, -1 plain, else the index in tries)
	// and level (bucket or object).
	req, free policy.Request
	in        policy.Input
	prepared  map[[2]int]*policy.Prepared
}

func newChooser(path network.Path, req policy.Request, in policy.Input, fixed []string) *chooser {
	ch := &chooser{path: path, req: req, free: req, in: in, prepared: map[[2]int]*policy.Prepared{}}
	ch.keys, ch.tries = choices(in, fixed)
	if len(ch.keys) > 0 {
		ch.free.Context = freeContext(req.Context, ch.keys)
	}
	return ch
}

func (ch *chooser) get(try, level int, resource string) *policy.Prepared {
	k := [2]int{try, level}
	if p, ok := ch.prepared[k]; ok {
		return p
	}
	r := ch.req
	switch {
	case try == -2:
		r = ch.free
	case try >= 0:
		r.Context = withChoice(ch.req.Context, ch.tries[try])
	}
	r.Resource = resource
	p := policy.Prepare(r, ch.in)
	ch.prepared[k] = p
	return p
}

// decide is the row's decision over the caller's choices. keepDefaultKey
// leaves out the encryption headers (see encryptionHeaders).
func (ch *chooser) decide(action, resource string, level int, keepDefaultKey bool) (decision, reason, by string) {
	if len(ch.keys) == 0 {
		return decide(ch.path, ch.get(-1, level, resource), action)
	}
	// A plain request that is allowed proves the row: try it first.
	pd, pr, pb := decide(ch.path, ch.get(-1, level, resource), action)
	if pd == Allowed {
		return pd, pr, pb
	}
	decision, reason, by = decide(ch.path, ch.get(-2, level, resource), action)
	if decision != Unknown {
		// Decided for every choice. The plain request's reason shows its
		// values (request: true) where the free one says "unknown".
		if pd == decision {
			return pd, pr, pb
		}
		return decision, reason, by
	}
	free := reason
	for i, t := range ch.tries {
		if keepDefaultKey && strings.HasPrefix(t.key, encryptionHeaders) {
			continue
		}
		if d, r, b := decide(ch.path, ch.get(i, level, resource), action); d == Allowed {
			return d, r + " (for a request with " + t.key + " " + t.value + ")", b
		}
	}
	if pd == Unknown {
		return pd, pr, pb
	}
	return Unknown, pr + " for a plain SDK request, but the caller chooses " + strings.Join(ch.keys, ", ") + " for each request, and another choice may not be refused: " + free, ""
}
