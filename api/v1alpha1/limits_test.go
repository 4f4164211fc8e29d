package v1alpha1_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"sigs.k8s.io/yaml"

	v1alpha1 "github.com/accountsync/accountsync-operator/api/v1alpha1"
)

// statusSchema returns the status schema of the CRD generated for plural.
func statusSchema(t *testing.T, plural string) apiextensionsv1.JSONSchemaProps {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("..", "..", "config", "crd", "bases", "accountsync.io_"+plural+".yaml"))
	if err != nil {
		t.Fatal(err)
	}
	crd := &apiextensionsv1.CustomResourceDefinition{}
	if err := yaml.Unmarshal(data, crd); err != nil {
		t.Fatal(err)
	}
	return crd.Spec.Versions[0].Schema.OpenAPIV3Schema.Properties["status"]
}

// maxItemsAt follows a dotted path of properties ("[]" steps into a list's items).
func maxItemsAt(t *testing.T, s apiextensionsv1.JSONSchemaProps, path string) int64 {
	t.Helper()
	for _, step := range strings.Split(path, ".") {
		if step == "[]" {
			s = *s.Items.Schema
			continue
		}
		next, ok := s.Properties[step]
		if !ok {
			t.Fatalf("%s: no property %q", path, step)
		}
		s = next
	}
	if s.MaxItems == nil {
		t.Fatalf("%s has no maxItems", path)
	}
	return *s.MaxItems
}

// Every list in status is bounded, in the CRD and in the code, by the same number: the named
// constants of limits.go.
func TestStatusListBoundsMatchTheCRDs(t *testing.T) {
	cases := []struct {
		plural, path string
		want         int
	}{
		{"syncpolicies", "plan", v1alpha1.MaxStatusListItems},
		{"syncpolicies", "ambiguous", v1alpha1.MaxStatusListItems},
		{"syncpolicies", "ambiguous.[].candidates", v1alpha1.MaxAmbiguousCandidates},
		{"syncpolicies", "unmatched", v1alpha1.MaxStatusListItems},
		{"accountmappings", "userLinks", v1alpha1.MaxUserLinks},
		{"accountmappings", "recentEvents", v1alpha1.MaxRecentEvents},
		{"accountmappings", "ambiguousUsers", v1alpha1.MaxAmbiguousUsers},
		{"accountmappings", "ambiguousUsers.[].candidates", v1alpha1.MaxUserCandidates},
		{"integrationconnections", "capabilities", v1alpha1.MaxCapabilities},
	}
	for _, c := range cases {
		if got := maxItemsAt(t, statusSchema(t, c.plural), c.path); got != int64(c.want) {
			t.Errorf("%s status.%s: maxItems %d in the CRD, %d in limits.go", c.plural, c.path, got, c.want)
		}
	}
	// Every array of every status schema is bounded (conditions excepted: one per type).
	for _, plural := range []string{"syncpolicies", "accountmappings", "integrationconnections"} {
		var walk func(path string, s apiextensionsv1.JSONSchemaProps)
		walk = func(path string, s apiextensionsv1.JSONSchemaProps) {
			if s.Type == "array" {
				if s.MaxItems == nil && path != ".conditions" {
					t.Errorf("%s status%s is an unbounded list", plural, path)
				}
				if s.Items != nil && s.Items.Schema != nil {
					walk(path+"[]", *s.Items.Schema)
				}
			}
			for name, p := range s.Properties {
				walk(path+"."+name, p)
			}
		}
		walk("", statusSchema(t, plural))
	}
}

// The largest status the caps allow, with every id at the 128 bytes the spec allows for ids and
// every name at MaxStatusNameLength, stays far below etcd's 1.5 MiB object limit.
func TestWorstCaseStatusFitsInOneObject(t *testing.T) {
	const farBelow = 512 << 10
	id := strings.Repeat("i", 128)
	name := strings.Repeat("n", v1alpha1.MaxStatusNameLength)
	ref := v1alpha1.RecordRef{ID: id, Name: name}
	scored := v1alpha1.ScoredRecord{ID: id, Name: name, Score: 100,
		Signals: []v1alpha1.Signal{v1alpha1.SignalName, v1alpha1.SignalDomain, v1alpha1.SignalPhone, v1alpha1.SignalAddress}}

	sp := v1alpha1.SyncPolicyStatus{}
	for i := 0; i < v1alpha1.MaxStatusListItems; i++ {
		amb := v1alpha1.AmbiguousRecord{Side: v1alpha1.SideTool, ID: id, Name: name}
		for j := 0; j < v1alpha1.MaxAmbiguousCandidates; j++ {
			amb.Candidates = append(amb.Candidates, scored)
		}
		sp.Ambiguous = append(sp.Ambiguous, amb)
		sp.Unmatched = append(sp.Unmatched, v1alpha1.UnmatchedRecord{Side: v1alpha1.SidePSA, ID: id, Name: name,
			Suggestions: []v1alpha1.ScoredRecord{scored, scored, scored}})
		sp.Plan = append(sp.Plan, v1alpha1.PlanItem{Action: v1alpha1.ActionCreatePSAAccount, ToolOrganizationID: id, PSAAccountID: id, Name: name, Mapping: name})
	}
	am := v1alpha1.AccountMappingStatus{PSAAccount: &ref, ToolOrganization: &ref}
	for i := 0; i < v1alpha1.MaxUserLinks; i++ {
		am.UserLinks = append(am.UserLinks, v1alpha1.UserOverride{ToolUserID: id, PSAUserID: id})
	}
	for i := 0; i < v1alpha1.MaxAmbiguousUsers; i++ {
		u := v1alpha1.AmbiguousUser{ToolUserID: id, Name: name}
		for j := 0; j < v1alpha1.MaxUserCandidates; j++ {
			u.Candidates = append(u.Candidates, v1alpha1.UserRef{ID: id, Name: name, Email: name})
		}
		am.AmbiguousUsers = append(am.AmbiguousUsers, u)
	}
	for i := 0; i < v1alpha1.MaxRecentEvents; i++ {
		am.RecentEvents = append(am.RecentEvents, v1alpha1.MappingEvent{Reason: "AssetSyncFailed", Message: strings.Repeat("m", 512)})
	}
	for what, status := range map[string]any{"SyncPolicy": sp, "AccountMapping": am} {
		b, err := json.Marshal(status)
		if err != nil {
			t.Fatal(err)
		}
		if len(b) > farBelow {
			t.Errorf("%s: the worst-case status is %d bytes, more than %d", what, len(b), farBelow)
		}
		t.Logf("%s: worst-case status %d KiB", what, len(b)>>10)
	}
}
