package cfndiff

import (
	"encoding/json"
	"fmt"
)

// cdkMetadataType is the resource CDK adds to every stack for its usage
// statistics. Its Analytics string changes with any construct, and it
// deploys nothing, so it is not compared.
const cdkMetadataType = "AWS::CDK::Metadata"

// parseSuppressions reads cdk-nag's suppressions from a resource's
// Metadata, where NagSuppressions.addResourceSuppressions writes them:
// {"cdk_nag": {"rules_to_suppress": [{"id", "reason", "applies_to"}]}}.
// Everything else in Metadata is left out.
func parseSuppressions(raw json.RawMessage) ([]Suppression, error) {
	var m struct {
		Metadata struct {
			CdkNag *struct {
				RulesToSuppress []struct {
					ID        string `json:"id"`
					Reason    string `json:"reason"`
					AppliesTo any    `json:"applies_to"`
				} `json:"rules_to_suppress"`
			} `json:"cdk_nag"`
		}
	}
	if err := json.Unmarshal(raw, &m); err != nil {
		return nil, fmt.Errorf("Metadata.cdk_nag: %w", err)
	}
	if m.Metadata.CdkNag == nil {
		return nil, nil
	}
	var out []Suppression
	for i, r := range m.Metadata.CdkNag.RulesToSuppress {
		if r.ID == "" {
			return nil, fmt.Errorf("Metadata.cdk_nag.rules_to_suppress[%d] has no id", i)
		}
		out = append(out, Suppression{Rule: r.ID, AppliesTo: r.AppliesTo, Reason: r.Reason})
	}
	return out, nil
}

// compareSuppressions matches suppressions by rule and AppliesTo, in the
// new template's order, then the removed ones in the old one's.
func compareSuppressions(old, new []Suppression) []SuppressionChange {
	key := func(s Suppression) string { return s.Rule + "\x00" + canonical(s.AppliesTo) }
	oldBy := map[string]Suppression{}
	for _, s := range old {
		oldBy[key(s)] = s
	}
	newBy := map[string]bool{}
	var out []SuppressionChange
	for _, s := range new {
		k := key(s)
		newBy[k] = true
		o, ok := oldBy[k]
		switch {
		case !ok:
			out = append(out, SuppressionChange{Suppression: s, Kind: Added})
		case o.Reason != s.Reason:
			out = append(out, SuppressionChange{Suppression: s, Kind: Modified, OldReason: o.Reason})
		}
	}
	for _, s := range old {
		if !newBy[key(s)] {
			out = append(out, SuppressionChange{Suppression: s, Kind: Removed})
		}
	}
	return out
}

// suppressionsChanged says whether a suppression was added or removed:
// a new reason for the same suppression hides no other finding.
func (c Change) suppressionsChanged() bool {
	for _, s := range c.Suppressions {
		if s.Kind != Modified {
			return true
		}
	}
	return false
}
