package all_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	v1alpha1 "github.com/accountsync/accountsync-operator/api/v1alpha1"
	"github.com/accountsync/accountsync-operator/internal/provider"
	_ "github.com/accountsync/accountsync-operator/internal/provider/all"
)

// The registry is the one place that declares a product's name, side, Secret keys and default
// rate limit; the API's provider enum and each provider's page must agree with it.
func TestRegistryIsTheSourceOfProviderFacts(t *testing.T) {
	api := []v1alpha1.ProviderName{v1alpha1.ProviderKaseyaVSA, v1alpha1.ProviderGravityZone, v1alpha1.ProviderCyberQP, v1alpha1.ProviderKaseyaBMS, v1alpha1.ProviderConnectWisePSA, v1alpha1.ProviderHaloPSA}
	registered := provider.Names()
	if len(registered) != len(api) {
		t.Fatalf("registered %v, the API names %v", registered, api)
	}
	for _, name := range api {
		f, ok := provider.Lookup(provider.Name(name))
		if !ok {
			t.Errorf("the API accepts %s but no provider registers it", name)
			continue
		}
		if f.Side != provider.SidePSA && f.Side != provider.SideTool {
			t.Errorf("%s declares no side", name)
		}
		if len(f.RequiredKeys) == 0 || f.DefaultRequestsPerMinute <= 0 || f.DefaultBurst <= 0 {
			t.Errorf("%s lacks Secret keys or a default rate limit: %+v", name, f)
		}
		page, err := os.ReadFile(filepath.Join("..", "..", "..", "docs", "providers", strings.ToLower(string(name))+".md"))
		if err != nil {
			t.Errorf("%s has no provider page: %v", name, err)
			continue
		}
		for _, k := range append(append([]string{}, f.RequiredKeys...), f.OptionalKeys...) {
			if !strings.Contains(string(page), "`"+k+"`") {
				t.Errorf("docs/providers page of %s does not name its Secret key `%s`", name, k)
			}
		}
	}
}
