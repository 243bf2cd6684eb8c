package cfn

import (
	"errors"
	"reflect"
	"strings"
	"testing"
)

// A registered expander runs on the decoded template; the transforms
// beside it that nobody registered are noted, not applied; its notes reach
// the template and its resources; its errors are located in the file.
func TestRegisteredTransform(t *testing.T) {
	const fake = "Test::Fake"
	RegisterTransform(fake, func(tree map[string]any) (*Expansion, error) {
		res := tree["Resources"].(map[string]any)
		a := res["A"].(map[string]any)
		if a["Properties"] != nil {
			return nil, &Error{Resource: "A", Property: "Properties", Err: errors.New("the fake takes none")}
		}
		return &Expansion{
			Template:      map[string]any{"Resources": map[string]any{"A": map[string]any{"Type": "AWS::SNS::Topic"}}},
			Notes:         []string{"fake note"},
			ResourceNotes: map[string][]string{"A": {"fake resource note"}},
		}, nil
	})
	t.Cleanup(func() { delete(expanders, fake) })

	tp, err := Parse("t.json", []byte(`{"Transform": ["Test::Other", "Test::Fake"], "Resources": {"A": {"Type": "Test::Thing"}}}`))
	if err != nil {
		t.Fatal(err)
	}
	if got := tp.Resources["A"].Type; got != "AWS::SNS::Topic" {
		t.Errorf("resource A's type = %q, want the expansion's AWS::SNS::Topic", got)
	}
	if want := []string{"transform Test::Other was not applied", "fake note"}; !reflect.DeepEqual(tp.Notes, want) {
		t.Errorf("Notes = %q, want %q", tp.Notes, want)
	}
	if want := []string{"fake resource note"}; !reflect.DeepEqual(tp.Resources["A"].Notes, want) {
		t.Errorf("A's Notes = %q, want %q", tp.Resources["A"].Notes, want)
	}

	_, err = Parse("t.json", []byte(`{"Transform": "Test::Fake", "Resources": {"A": {"Type": "Test::Thing", "Properties": {}}}}`))
	if want := "t.json: resource A: property Properties: the fake takes none"; err == nil || err.Error() != want {
		t.Errorf("Parse(a template the expander refuses) error = %v, want %q", err, want)
	}

	_, err = Parse("t.json", []byte(`{"Transform": "AWS::LanguageExtensions", "Resources": {}}`))
	if want := "transforms are not supported, except Test::Fake"; err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("Parse(an unregistered transform) error = %v, want it to contain %q", err, want)
	}
}
