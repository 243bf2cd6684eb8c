package matrix

import (
	"strings"
	"testing"
)

// An action the Service Authorization Reference does not list is refused
// before anything is judged, with the nearest real names.
func TestUnknownActionRefused(t *testing.T) {
	const doc = `{"Resources": {"Data": {"Type": "AWS::S3::Bucket"}}}`
	for _, tc := range []struct{ action, want string }{
		{"s3:GetObjekt", `action "s3:GetObjekt" is not an S3 action (AWS's Service Authorization Reference, "Actions, resources, and condition keys for Amazon S3", lists none of that name); did you mean s3:GetObject?`},
		{"PutObject", `did you mean s3:PutObject?`},
		{"s3:PutObjectTaging", `did you mean s3:PutObjectTagging?`},
		{"s3:Frobnicate", `lists none of that name)`},
		{"kms:Decrypt", `action "kms:Decrypt" is not an S3 action`},
		{"s3:Get*", `action "s3:Get*" is a pattern: a request names one action`},
	} {
		_, err := BuildWith(Options{Actions: []string{"s3:GetObject", tc.action}}, parseInline(t, "t.json", doc))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("BuildWith(action %q) error = %v, want it to contain %q", tc.action, err, tc.want)
		}
		if tc.action == "s3:Frobnicate" && err != nil && strings.Contains(err.Error(), "did you mean") {
			t.Errorf("BuildWith(action %q) suggests %v, want no suggestion for a name far from every action", tc.action, err)
		}
	}
	// IAM matches action names case-insensitively (IAM User Guide, "IAM
	// JSON policy elements: Action": "The prefix and the action name are
	// case insensitive").
	if _, err := BuildWith(Options{Actions: []string{"S3:getobject"}}, parseInline(t, "t.json", doc)); err != nil {
		t.Errorf("BuildWith(S3:getobject) error = %v, want the action found whatever its case", err)
	}
}

func TestEditDistance(t *testing.T) {
	for _, tc := range []struct {
		a, b string
		want int
	}{{"", "", 0}, {"abc", "", 3}, {"kitten", "sitting", 3}, {"s3:getobjekt", "s3:getobject", 1}} {
		if got := editDistance(tc.a, tc.b); got != tc.want {
			t.Errorf("editDistance(%q, %q) = %d, want %d", tc.a, tc.b, got, tc.want)
		}
	}
}
