package sam

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
)

// role builds the AWS::IAM::Role SAM creates for a function
// (sam_resources.py _construct_role and role_utils/role_constructor.py),
// whether or not the caller ends up creating it.
func (res *Result) role(fnID, roleID string, r, props map[string]any) (map[string]any, error) {
	role := map[string]any{"Type": "AWS::IAM::Role"}
	for _, a := range []string{"Condition", "DeletionPolicy", "UpdateReplacePolicy"} {
		if v, ok := r[a]; ok {
			role[a] = v
		}
	}
	rp := map[string]any{}
	role["Properties"] = rp
	if v, ok := props["AssumeRolePolicyDocument"]; ok && v != nil {
		rp["AssumeRolePolicyDocument"] = v
	} else {
		rp["AssumeRolePolicyDocument"] = map[string]any{
			"Version": "2012-10-17",
			"Statement": []any{map[string]any{
				"Action": []any{"sts:AssumeRole"}, "Effect": "Allow",
				"Principal": map[string]any{"Service": []any{"lambda.amazonaws.com"}},
			}},
		}
	}
	basic := "AWSLambdaBasicExecutionRole"
	if v, ok := props["DurableConfig"]; ok && v != nil {
		basic = "AWSLambdaBasicDurableExecutionRolePolicy"
	}
	managed := []any{managedARN(basic)}
	if t := props["Tracing"]; truthy(t) && t != "Disabled" {
		// The X-Ray policy name of the aws partition; China and GovCloud
		// get AWSXRayDaemonWriteAccess (model/xray_utils.py).
		managed = append(managed, managedARN("AWSXrayWriteOnlyAccess"))
	}
	if v, ok := props["VpcConfig"]; ok && truthy(v) {
		managed = append(managed, managedARN("AWSLambdaVPCAccessExecutionRole"))
	}
	var docs []any
	if dlq, ok := props["DeadLetterQueue"]; ok && dlq != nil {
		d, err := deadLetterPolicy(fnID, dlq)
		if err != nil {
			return nil, err
		}
		docs = append(docs, d)
	}
	if v, ok := props["EventInvokeConfig"]; ok && v != nil {
		res.note("%s: EventInvokeConfig destinations are not modelled (an S3Bucket destination grants s3:PutObject and s3:ListBucket on that bucket)", fnID)
		// The role's permissions are unknown only where a destination may
		// be a bucket: its type is S3Bucket or not a plain string.
		dc, _ := v.(map[string]any)["DestinationConfig"].(map[string]any)
		for _, on := range []string{"OnFailure", "OnSuccess"} {
			d, ok := dc[on].(map[string]any)
			if !ok {
				continue
			}
			if typ, isStr := d["Type"].(string); !isStr || typ == "S3Bucket" {
				res.ResourceNotes[roleID] = append(res.ResourceNotes[roleID], fmt.Sprintf("SAM EventInvokeConfig %s destination of %s", on, fnID))
			}
		}
	}
	policies, err := res.policies(fnID, roleID, props["Policies"])
	if err != nil {
		return nil, err
	}
	for _, p := range policies {
		if p.managed != nil {
			if !slices.ContainsFunc(managed, func(m any) bool { return equal(m, p.managed) }) {
				managed = append(managed, p.managed)
			}
			continue
		}
		docs = append(docs, p.inline)
	}
	rp["ManagedPolicyArns"] = managed
	if len(docs) > 0 {
		rp["Policies"] = docs
	}
	for from, to := range map[string]string{"RolePath": "Path", "PermissionsBoundary": "PermissionsBoundary"} {
		if v, ok := props[from]; ok && v != nil {
			rp[to] = v
		}
	}
	return role, nil
}

// deadLetterPolicy is the DeadLetterQueue statement SAM adds
// (model/iam.py dead_letter_queue_policy).
func deadLetterPolicy(fnID string, v any) (any, error) {
	m, _ := v.(map[string]any)
	typ, _ := m["Type"].(string)
	action := map[string]string{"SQS": "sqs:SendMessage", "SNS": "sns:Publish"}[typ]
	if action == "" || m["TargetArn"] == nil {
		return nil, &Error{Resource: fnID, Property: "DeadLetterQueue", Err: errors.New("requires Type SQS or SNS and TargetArn")}
	}
	return map[string]any{
		"PolicyName": "DeadLetterQueuePolicy",
		"PolicyDocument": map[string]any{
			"Version":   "2012-10-17",
			"Statement": []any{map[string]any{"Action": action, "Resource": m["TargetArn"], "Effect": "Allow"}},
		},
	}, nil
}

// policy is one entry of Policies once expanded: an inline policy of the
// role, or a managed policy ARN.
type policy struct {
	inline  any
	managed any
}

type policyKind int

const (
	kindUnknown policyKind = iota
	kindStatement
	kindManaged
	kindTemplate
	kindOtherTemplate
)

// policies expands a function's Policies the way aws-sam-translator's
// ResourcePolicies and PolicyTemplatesForResourcePlugin read them: a string
// is a managed policy name or ARN, an object with Statement is a policy
// document, an object with one key naming a policy template is that
// template, any other intrinsic is a managed policy ARN, and Fn::If is read
// branch by branch.
func (res *Result) policies(fnID, roleID string, v any) ([]policy, error) {
	if v == nil {
		return nil, nil
	}
	list, ok := v.([]any)
	if !ok {
		list = []any{v}
	}
	var out []policy
	for i, p := range list {
		kind, err := kindOf(p)
		if err != nil {
			return nil, &Error{Resource: fnID, Property: fmt.Sprintf("Policies[%d]", i), Err: err}
		}
		name := fmt.Sprintf("%sPolicy%d", roleID, i)
		switch kind {
		case kindManaged:
			eachBranch(p, func(v any) {
				if s, ok := v.(string); ok && !strings.HasPrefix(s, "arn:") {
					if _, known := managedPolicyPaths[s]; !known {
						res.note("%s: managed policy %s (Policies[%d]) is not a name SAM resolves by itself; SAM would look it up in the account at deploy time, so it is not evaluated", fnID, s, i)
					}
				}
			})
			out = append(out, policy{managed: mapIf(p, managedValue)})
		case kindStatement:
			out = append(out, policy{inline: mapIf(p, func(doc any) any {
				return map[string]any{"PolicyName": name, "PolicyDocument": doc}
			})})
		case kindTemplate:
			var terr error
			doc := mapIf(p, func(t any) any {
				d, err := expandTemplate(t)
				if err != nil && terr == nil {
					terr = err
				}
				return map[string]any{"PolicyName": name, "PolicyDocument": d}
			})
			if terr != nil {
				return nil, &Error{Resource: fnID, Property: fmt.Sprintf("Policies[%d]", i), Err: terr}
			}
			out = append(out, policy{inline: doc})
		case kindOtherTemplate:
			var names []string
			eachBranch(p, func(t any) {
				for k := range t.(map[string]any) {
					names = append(names, k)
				}
			})
			res.note("%s: policy template %v (Policies[%d]) is not expanded; none of the templates but the S3 ones grants an s3: action", fnID, names, i)
		default:
			return nil, &Error{Resource: fnID, Property: fmt.Sprintf("Policies[%d]", i), Err: errors.New("not a managed policy, a policy document or a policy template SAM knows")}
		}
	}
	return out, nil
}

// kindOf is ResourcePolicies._get_type with policy templates recognised.
func kindOf(p any) (policyKind, error) {
	switch x := p.(type) {
	case string:
		return kindManaged, nil
	case map[string]any:
		if isIf(x) {
			items, _ := x["Fn::If"].([]any)
			if len(items) != 3 {
				return kindUnknown, errors.New("Fn::If takes [condition, value if true, value if false]")
			}
			a, err := kindOf(items[1])
			if err != nil {
				return kindUnknown, err
			}
			b, err := kindOf(items[2])
			if err != nil {
				return kindUnknown, err
			}
			switch {
			case a == b:
				return a, nil
			case isNoValue(items[1]):
				return b, nil
			case isNoValue(items[2]):
				return a, nil
			}
			return kindUnknown, errors.New("different policy types within the same Fn::If are not supported by SAM")
		}
		if isIntrinsic(x) {
			return kindManaged, nil
		}
		if _, ok := x["Statement"]; ok {
			return kindStatement, nil
		}
		if len(x) == 1 {
			for k := range x {
				if _, ok := s3Templates[k]; ok {
					return kindTemplate, nil
				}
				if otherPolicyTemplates[k] {
					return kindOtherTemplate, nil
				}
			}
		}
	}
	return kindUnknown, nil
}

// mapIf applies f to p, or to each branch of p's Fn::If that is not
// AWS::NoValue.
func mapIf(p any, f func(any) any) any {
	if !isIf(p) {
		return f(p)
	}
	items := p.(map[string]any)["Fn::If"].([]any)
	out := []any{items[0], items[1], items[2]}
	for i := 1; i <= 2; i++ {
		if !isNoValue(items[i]) {
			out[i] = f(items[i])
		}
	}
	return map[string]any{"Fn::If": out}
}

func eachBranch(p any, f func(any)) {
	mapIf(p, func(v any) any { f(v); return v })
}

// managedValue is a managed policy entry as SAM writes it into
// ManagedPolicyArns (role_constructor.py _get_managed_policy_arn): a name
// of its bundled list becomes that policy's ARN; an ARN, an intrinsic or an
// unknown name is kept as written (SAM would then ask IAM for the name at
// deploy time, which is not done offline).
func managedValue(p any) any {
	s, ok := p.(string)
	if !ok {
		return p
	}
	if _, known := managedPolicyPaths[s]; known {
		return managedARN(s)
	}
	return s
}

// managedARN is the ARN of an AWS managed policy in the stack's partition.
func managedARN(name string) any {
	path := managedPolicyPaths[name]
	if path != "" {
		path += "/"
	}
	return map[string]any{"Fn::Sub": "arn:${AWS::Partition}:iam::aws:policy/" + path + name}
}

// expandTemplate turns {"S3ReadPolicy": {"BucketName": X}} into the policy
// document aws-sam-translator's PolicyTemplatesProcessor gives.
func expandTemplate(t any) (any, error) {
	m := t.(map[string]any)
	var name string
	var params any
	for name, params = range m {
	}
	def := s3Templates[name]
	pm, ok := params.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("must specify valid parameter values for policy template %s", name)
	}
	bucket, ok := pm["BucketName"]
	if !ok {
		return nil, fmt.Errorf("policy template %s needs its parameter BucketName", name)
	}
	return substitute(deepCopy(def), bucket), nil
}

// substitute replaces the template's {"Ref": "BucketName"} by the value.
func substitute(v any, bucket any) any {
	switch x := v.(type) {
	case map[string]any:
		if len(x) == 1 && x["Ref"] == "BucketName" {
			return deepCopy(bucket)
		}
		for k, e := range x {
			x[k] = substitute(e, bucket)
		}
	case []any:
		for i, e := range x {
			x[i] = substitute(e, bucket)
		}
	}
	return v
}

// s3TemplatesJSON holds the Definition of the four S3 policy templates of
// aws-sam-translator 1.110.0 (policy_templates_data/policy_templates.json),
// whose one parameter is BucketName. TestPolicyTemplatesMatchTranslator
// checks them against the installed translator.
const s3TemplatesJSON = `{
  "S3ReadPolicy": {"Statement": [{"Action": ["s3:GetObject", "s3:ListBucket", "s3:GetBucketLocation", "s3:GetObjectVersion", "s3:GetLifecycleConfiguration"], "Effect": "Allow",
    "Resource": [{"Fn::Sub": ["arn:${AWS::Partition}:s3:::${bucketName}", {"bucketName": {"Ref": "BucketName"}}]}, {"Fn::Sub": ["arn:${AWS::Partition}:s3:::${bucketName}/*", {"bucketName": {"Ref": "BucketName"}}]}]}]},
  "S3WritePolicy": {"Statement": [{"Action": ["s3:PutObject", "s3:PutObjectAcl", "s3:PutLifecycleConfiguration"], "Effect": "Allow",
    "Resource": [{"Fn::Sub": ["arn:${AWS::Partition}:s3:::${bucketName}", {"bucketName": {"Ref": "BucketName"}}]}, {"Fn::Sub": ["arn:${AWS::Partition}:s3:::${bucketName}/*", {"bucketName": {"Ref": "BucketName"}}]}]}]},
  "S3CrudPolicy": {"Statement": [{"Action": ["s3:GetObject", "s3:ListBucket", "s3:GetBucketLocation", "s3:GetObjectVersion", "s3:PutObject", "s3:PutObjectAcl", "s3:GetLifecycleConfiguration", "s3:PutLifecycleConfiguration", "s3:DeleteObject"], "Effect": "Allow",
    "Resource": [{"Fn::Sub": ["arn:${AWS::Partition}:s3:::${bucketName}", {"bucketName": {"Ref": "BucketName"}}]}, {"Fn::Sub": ["arn:${AWS::Partition}:s3:::${bucketName}/*", {"bucketName": {"Ref": "BucketName"}}]}]}]},
  "S3FullAccessPolicy": {"Statement": [
    {"Action": ["s3:GetObject", "s3:GetObjectAcl", "s3:GetObjectVersion", "s3:PutObject", "s3:PutObjectAcl", "s3:DeleteObject", "s3:DeleteObjectTagging", "s3:DeleteObjectVersionTagging", "s3:GetObjectTagging", "s3:GetObjectVersionTagging", "s3:PutObjectTagging", "s3:PutObjectVersionTagging"], "Effect": "Allow",
      "Resource": [{"Fn::Sub": ["arn:${AWS::Partition}:s3:::${bucketName}/*", {"bucketName": {"Ref": "BucketName"}}]}]},
    {"Action": ["s3:ListBucket", "s3:GetBucketLocation", "s3:GetLifecycleConfiguration", "s3:PutLifecycleConfiguration"], "Effect": "Allow",
      "Resource": [{"Fn::Sub": ["arn:${AWS::Partition}:s3:::${bucketName}", {"bucketName": {"Ref": "BucketName"}}]}]}]}
}`

var s3Templates = func() map[string]any {
	var m map[string]any
	if err := json.Unmarshal([]byte(s3TemplatesJSON), &m); err != nil {
		panic("sam: s3TemplatesJSON: " + err.Error()) // a constant: caught by any test
	}
	return m
}()

// truthy is Python's truth value of a decoded JSON value, which SAM tests
// with "if self.VpcConfig".
func truthy(v any) bool {
	switch x := v.(type) {
	case nil:
		return false
	case bool:
		return x
	case string:
		return x != ""
	case float64:
		return x != 0
	case map[string]any:
		return len(x) > 0
	case []any:
		return len(x) > 0
	}
	return true
}

func equal(a, b any) bool {
	ja, _ := json.Marshal(a)
	jb, _ := json.Marshal(b)
	return string(ja) == string(jb)
}
