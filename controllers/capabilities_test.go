package controllers

import (
	"net/url"
	"strings"
	"testing"
	"time"

	v1alpha1 "github.com/accountsync/accountsync-operator/api/v1alpha1"
	"github.com/accountsync/accountsync-operator/internal/provider"
	_ "github.com/accountsync/accountsync-operator/internal/provider/all"
)

// built returns the real client of a provider (no request is sent to build one).
func built(t *testing.T, name provider.Name) provider.Client {
	t.Helper()
	f, ok := provider.Lookup(name)
	if !ok {
		t.Fatalf("provider %s is not registered", name)
	}
	creds := provider.Credentials{}
	for _, k := range f.RequiredKeys {
		creds[k] = []byte("x")
	}
	u, _ := url.Parse("https://vendor.example")
	cl, err := provider.Build(name, provider.Config{URL: u, Timeout: time.Second}, creds)
	if err != nil {
		t.Fatalf("build %s: %v", name, err)
	}
	return cl
}

func TestMissingCapabilities(t *testing.T) {
	spec := func(mutate func(*v1alpha1.SyncPolicySpec)) *v1alpha1.SyncPolicySpec {
		s := &v1alpha1.SyncPolicySpec{Mode: v1alpha1.ModeMatchOnly}
		mutate(s)
		return s
	}
	tests := []struct {
		name      string
		psa, tool provider.Name
		spec      *v1alpha1.SyncPolicySpec
		// want are substrings of the problems, one per problem, in order; none means usable.
		want []string
	}{
		{"match only works everywhere", provider.HaloPSA, provider.CyberQP, spec(func(*v1alpha1.SyncPolicySpec) {}), nil},
		{"export to a tool that cannot create customers", provider.HaloPSA, provider.CyberQP,
			spec(func(s *v1alpha1.SyncPolicySpec) { s.Mode = v1alpha1.ModeExport }),
			[]string{"spec.mode Export needs CreateOrganization, which CyberQP does not offer"}},
		{"bidirectional asks both sides to create", provider.HaloPSA, provider.CyberQP,
			spec(func(s *v1alpha1.SyncPolicySpec) { s.Mode = v1alpha1.ModeBidirectional }),
			[]string{"spec.mode Bidirectional needs CreateOrganization, which CyberQP"}},
		{"export to a tool that can", provider.HaloPSA, provider.GravityZone,
			spec(func(s *v1alpha1.SyncPolicySpec) { s.Mode = v1alpha1.ModeExport }), nil},
		{"import into a PSA that can", provider.KaseyaBMS, provider.KaseyaVSA,
			spec(func(s *v1alpha1.SyncPolicySpec) { s.Mode = v1alpha1.ModeImport }), nil},
		{"assets from a tool without assets", provider.HaloPSA, provider.GravityZone,
			spec(func(s *v1alpha1.SyncPolicySpec) { s.Assets.Enabled = true }),
			[]string{"spec.assets.enabled needs ListToolAssets, which GravityZone does not offer"}},
		{"assets from VSA into BMS", provider.KaseyaBMS, provider.KaseyaVSA,
			spec(func(s *v1alpha1.SyncPolicySpec) { s.Assets.Enabled = true }), nil},
		{"createWhen Referenced without assets", provider.HaloPSA, provider.CyberQP,
			spec(func(s *v1alpha1.SyncPolicySpec) {
				s.Mode = v1alpha1.ModeImport
				s.CreateWhen = v1alpha1.CreateReferenced
			}),
			[]string{"spec.createWhen Referenced needs ListToolAssets, which CyberQP does not offer"}},
		{"users from a tool without users", provider.HaloPSA, provider.GravityZone,
			spec(func(s *v1alpha1.SyncPolicySpec) { s.Users.Enabled = true }),
			[]string{"spec.users.enabled needs ListUsers, which GravityZone does not offer"}},
		{"users between CyberQP and Halo, created in Halo", provider.HaloPSA, provider.CyberQP,
			spec(func(s *v1alpha1.SyncPolicySpec) { s.Users = v1alpha1.UserSync{Enabled: true, CreateMissing: true} }), nil},
		{"several problems, in spec order", provider.HaloPSA, provider.GravityZone,
			spec(func(s *v1alpha1.SyncPolicySpec) {
				s.Mode = v1alpha1.ModeImport
				s.CreateWhen = v1alpha1.CreateReferenced
				s.Users.Enabled = true
			}),
			[]string{"spec.createWhen Referenced needs ListToolAssets", "spec.users.enabled needs ListUsers"}},
		{"billing VSA agents into ConnectWise", provider.ConnectWisePSA, provider.KaseyaVSA,
			spec(func(s *v1alpha1.SyncPolicySpec) { s.Services.Billing = billingOf(v1alpha1.UsageAgents) }), nil},
		{"billing GravityZone endpoints into Halo", provider.HaloPSA, provider.GravityZone,
			spec(func(s *v1alpha1.SyncPolicySpec) { s.Services.Billing = billingOf(v1alpha1.UsageEndpoints) }), nil},
		{"billing CyberQP users into Halo", provider.HaloPSA, provider.CyberQP,
			spec(func(s *v1alpha1.SyncPolicySpec) { s.Services.Billing = billingOf(v1alpha1.UsageUsers) }), nil},
		{"billing into BMS is refused with the vendor's reason", provider.KaseyaBMS, provider.KaseyaVSA,
			spec(func(s *v1alpha1.SyncPolicySpec) { s.Services.Billing = billingOf(v1alpha1.UsageAgents) }),
			[]string{"spec.services.billing needs BillingLines, which KaseyaBMS does not offer: the Kaseya BMS v2 API has no call that lists a contract's recurring services or changes their Units"}},
		{"billing a usage the tool does not count", provider.ConnectWisePSA, provider.GravityZone,
			spec(func(s *v1alpha1.SyncPolicySpec) { s.Services.Billing = billingOf(v1alpha1.UsageAgents) }),
			[]string{"spec.services.billing.usage Agents needs ListToolAssets, which GravityZone does not offer"}},
		{"ticketing from CyberQP, which has no alert API", provider.HaloPSA, provider.CyberQP,
			spec(func(s *v1alpha1.SyncPolicySpec) { s.Services.Ticketing = &v1alpha1.TicketingService{} }),
			[]string{"spec.services.ticketing needs Alerts, which CyberQP does not offer"}},
		{"ticketing from VSA into ConnectWise", provider.ConnectWisePSA, provider.KaseyaVSA,
			spec(func(s *v1alpha1.SyncPolicySpec) { s.Services.Ticketing = &v1alpha1.TicketingService{} }), nil},
		{"ticketing from GravityZone into HaloPSA", provider.HaloPSA, provider.GravityZone,
			spec(func(s *v1alpha1.SyncPolicySpec) { s.Services.Ticketing = &v1alpha1.TicketingService{} }), nil},
		{"createWhen Referenced by the alerts of a tool without assets", provider.HaloPSA, provider.GravityZone,
			spec(func(s *v1alpha1.SyncPolicySpec) {
				s.Mode = v1alpha1.ModeImport
				s.CreateWhen = v1alpha1.CreateReferenced
				s.Services.Ticketing = &v1alpha1.TicketingService{}
			}), nil},
		{"ticketing from VSA into Kaseya BMS", provider.KaseyaBMS, provider.KaseyaVSA,
			spec(func(s *v1alpha1.SyncPolicySpec) { s.Services.Ticketing = &v1alpha1.TicketingService{} }), nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := missingCapabilities(tc.spec, built(t, tc.psa), built(t, tc.tool))
			if len(got) != len(tc.want) {
				t.Fatalf("got %d problems %q, want %d %q", len(got), got, len(tc.want), tc.want)
			}
			for i := range got {
				if !strings.Contains(got[i], tc.want[i]) {
					t.Errorf("problem %d = %q, want it to contain %q", i, got[i], tc.want[i])
				}
			}
		})
	}
}

// Every provider offers what any sync needs at all: listing its side's records.
func TestEveryProviderCanTakePartInASync(t *testing.T) {
	for _, name := range provider.Names() {
		cl := built(t, name)
		want := provider.CapListAccounts
		if cl.Side() == provider.SideTool {
			want = provider.CapListOrganizations
		}
		if !provider.Has(cl, want) {
			t.Errorf("%s lacks %s", name, want)
		}
	}
}

func billingOf(u v1alpha1.BillingUsage) *v1alpha1.BillingService {
	return &v1alpha1.BillingService{Usage: u, PSAItem: "AV-SEAT"}
}
