package v1alpha1_test

import (
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
