package v1alpha1_test

import (
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"testing"

	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"sigs.k8s.io/yaml"
)

// notForUsers matches what a field description must not say: `kubectl explain` prints these
// texts to people who have the cluster, not this repository or the documents it was built from.
var notForUsers = regexp.MustCompile(`(?i)\.go\b|\.md\b|\b(docs|internal|controllers|hack|charts)/|api/v1alpha1|\bseeds?\b|vendor-apis|services-apis|\bTODO\b|\bFIXME\b|\bissue #?\d+|#\d+\b`)

// webLink is a full URL; upstream Kubernetes descriptions point at its conventions this way.
var webLink = regexp.MustCompile(`https?://\S+`)

// badDescriptions walks a schema and returns "path: offending words" for every description that
// refers to repository files or documents users do not have.
func badDescriptions(path string, s apiextensionsv1.JSONSchemaProps) []string {
	var out []string
	if m := notForUsers.FindAllString(webLink.ReplaceAllString(s.Description, ""), -1); len(m) > 0 {
		out = append(out, path+": "+fmtList(m))
	}
	for name, p := range s.Properties {
		out = append(out, badDescriptions(path+"."+name, p)...)
	}
	if s.Items != nil && s.Items.Schema != nil {
		out = append(out, badDescriptions(path+"[]", *s.Items.Schema)...)
	}
	if s.AdditionalProperties != nil && s.AdditionalProperties.Schema != nil {
		out = append(out, badDescriptions(path+"{}", *s.AdditionalProperties.Schema)...)
	}
	return out
}

func fmtList(m []string) string {
	out := ""
	for i, s := range m {
		if i > 0 {
			out += ", "
		}
		out += "\"" + s + "\""
	}
	return out
}

func TestCRDDescriptionsAreWrittenForUsers(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("..", "..", "config", "crd", "bases", "*.yaml"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no CRDs found: %v", err)
	}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		crd := &apiextensionsv1.CustomResourceDefinition{}
		if err := yaml.Unmarshal(data, crd); err != nil {
			t.Fatal(err)
		}
		for _, v := range crd.Spec.Versions {
			bad := badDescriptions(crd.Spec.Names.Kind, *v.Schema.OpenAPIV3Schema)
			sort.Strings(bad)
			for _, b := range bad {
				t.Errorf("%s %s", v.Name, b)
			}
		}
	}
}

// TestNotForUsersCatchesRepositoryReferences keeps the pattern honest: each of these phrases
// would slip into a Go comment and so into `kubectl explain`.
func TestNotForUsersCatchesRepositoryReferences(t *testing.T) {
	for _, s := range []string{"see docs/providers/kaseyabms.md", "(the GravityZone seed)", "set in controllers/snapshot.go", "see api/v1alpha1/limits.go", "vendor-apis says", "TODO: later", "fixed in issue #12"} {
		if !notForUsers.MatchString(s) {
			t.Errorf("not caught: %q", s)
		}
	}
	for _, s := range []string{"More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#resources", "the PSA account's main location", "test connection", "GET /api/authinfo"} {
		if notForUsers.MatchString(webLink.ReplaceAllString(s, "")) {
			t.Errorf("wrongly caught: %q", s)
		}
	}
}
