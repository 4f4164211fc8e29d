package plan

import (
	"fmt"
	"testing"

	"github.com/accountsync/accountsync-operator/api/v1alpha1"
	"github.com/accountsync/accountsync-operator/internal/provider"
)

// benchInput is an n × n sync (n a multiple of 20): 1 in 10 pairs is already mapped, 1 in 20
// accounts duplicates its neighbour's name (ambiguous), 1 in 10 accounts is a prospect with no
// organization, and the rest match by normalised name with differing case and suffixes. The mode
// is Bidirectional with the largest batch, so every rule runs.
func benchInput(n int) Input {
	tools := make([]provider.Organization, n)
	accounts := make([]provider.Account, n)
	var mappings []v1alpha1.AccountMapping
	for i := range n {
		tools[i] = provider.Organization{ID: fmt.Sprint(100000 + i), Name: fmt.Sprintf("Customer %05d, Inc.", i)}
		name := fmt.Sprintf("CUSTOMER %05d LLC", i)
		switch {
		case i%10 == 8:
			name = fmt.Sprintf("Prospect %05d", i)
		case i%20 == 3:
			name = fmt.Sprintf("customer %05d", i-1) // a duplicate of the previous account
		}
		accounts[i] = provider.Account{ID: fmt.Sprint(500000 + i), Name: name}
		if i%10 == 0 {
			mappings = append(mappings, withStatus(gen(MappingName(testPolicy, NameSideOrganization, tools[i].ID), i%60,
				tools[i].ID, accounts[i].ID), tools[i].ID, accounts[i].ID))
		}
	}
	return Input{
		Policy: policy(func(s *v1alpha1.SyncPolicySpec) {
			s.Mode = v1alpha1.ModeBidirectional
			s.Creation.BatchSize = 1000
		}),
		ToolOrgs:    tools,
		PSAAccounts: accounts,
		Mappings:    mappings,
	}
}

func BenchmarkCompute10k(b *testing.B) {
	in := benchInput(10000)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Compute(in); err != nil {
			b.Fatal(err)
		}
	}
}

func TestBenchInputShape(t *testing.T) {
	res, err := Compute(benchInput(10000))
	if err != nil {
		t.Fatal(err)
	}
	if res.Counts.Mapped < 7000 || res.Counts.Ambiguous == 0 || len(res.Ensure) < 7000 {
		t.Fatalf("benchmark input does not exercise matching: %s", res)
	}
}
