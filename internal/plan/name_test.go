package plan

import (
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/util/validation"
)

func TestMappingName(t *testing.T) {
	long := strings.Repeat("x", 300)
	tests := []struct {
		name, policy, side, id string
		want                   string // exact name, or a prefix when wantHash
		wantHash               bool
	}{
		{"valid id is kept as is", "vsa-bms", NameSideOrganization, "9001", "vsa-bms-org-9001", false},
		{"export side", "halo-gz", NameSideAccount, "250", "halo-gz-acct-250", false},
		{"dotted id stays valid", "p", NameSideOrganization, "a.b", "p-org-a.b", false},
		{"dotted policy stays valid", "team.sync", NameSideOrganization, "1", "team.sync-org-1", false},
		{"upper case is lowered and hashed", "p", NameSideOrganization, "ABC", "p-org-abc-", true},
		{"underscore becomes a dash", "p", NameSideOrganization, "a_1", "p-org-a-1-", true},
		{"braces of a GUID", "p", NameSideAccount, "{3F2504E0-4F89}", "p-acct-3f2504e0-4f89-", true},
		{"spaces and unicode", "p", NameSideOrganization, "Zürich 1", "p-org-z-rich-1-", true},
		{"empty labels are dropped", "p", NameSideOrganization, "..x..", "p-org.x", true},
		{"trailing dash is trimmed", "p", NameSideOrganization, "x-", "p-org-x-", true},
		{"too long is cut and hashed", "p", NameSideOrganization, long, "p-org-xxx", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := MappingName(tt.policy, tt.side, tt.id)
			if errs := validation.IsDNS1123Subdomain(got); len(errs) > 0 {
				t.Fatalf("MappingName(%q, %q, %q) = %q is not a DNS-1123 subdomain: %v", tt.policy, tt.side, tt.id, got, errs)
			}
			if !tt.wantHash {
				if got != tt.want {
					t.Fatalf("MappingName = %q, want %q", got, tt.want)
				}
				return
			}
			if !strings.HasPrefix(got, strings.TrimSuffix(tt.want, "-")) {
				t.Fatalf("MappingName = %q, want prefix %q", got, tt.want)
			}
			hash := got[len(got)-nameHashLen:]
			if got[len(got)-nameHashLen-1] != '-' || strings.Trim(hash, "0123456789abcdef") != "" {
				t.Fatalf("MappingName = %q, want a -<%d hex> hash suffix", got, nameHashLen)
			}
		})
	}
}

func TestMappingNameDistinguishesSanitisedIDs(t *testing.T) {
	ids := []string{"a-1", "A-1", "a_1", "a 1", "A_1", "a--1", "-a-1", "a-1-"}
	seen := map[string]string{}
	for _, id := range ids {
		n := MappingName("p", NameSideOrganization, id)
		if prev, ok := seen[n]; ok {
			t.Errorf("ids %q and %q both map to %q", prev, id, n)
		}
		seen[n] = id
	}
	if a, b := MappingName("p", NameSideOrganization, "1"), MappingName("p", NameSideAccount, "1"); a == b {
		t.Errorf("org and account names collide: %q", a)
	}
}

func TestMappingNameEmpty(t *testing.T) {
	got := MappingName("", "", "")
	if errs := validation.IsDNS1123Subdomain(got); len(errs) > 0 || len(got) != nameHashLen {
		t.Errorf("MappingName of nothing = %q, want a bare hash: %v", got, errs)
	}
}

func FuzzMappingName(f *testing.F) {
	f.Add("vsa-bms", "org", "9001")
	f.Add("p", "acct", "{GUID}")
	f.Add("a.b", "org", "..")
	f.Add("", "", "")
	f.Add(strings.Repeat("p", 253), "org", "1")
	f.Add("p", "org", "\xff\x00Ä.-.")
	f.Fuzz(func(t *testing.T, policy, side, id string) {
		got := MappingName(policy, side, id)
		if errs := validation.IsDNS1123Subdomain(got); len(errs) > 0 {
			t.Fatalf("MappingName(%q, %q, %q) = %q: %v", policy, side, id, got, errs)
		}
		if again := MappingName(policy, side, id); again != got {
			t.Fatalf("not deterministic: %q then %q", got, again)
		}
		raw := policy + "-" + side + "-" + id
		if len(validation.IsDNS1123Subdomain(raw)) == 0 && got != raw {
			t.Fatalf("valid name %q was changed to %q", raw, got)
		}
	})
}
