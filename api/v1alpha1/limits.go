package v1alpha1

// Bounds of the lists in status. Every list a controller writes into status is capped, so that
// the worst case a vendor can cause (thousands of look-alike names, thousands of users) keeps
// each object far below etcd's 1.5 MiB object limit. The CRD schemas declare the same numbers
// as maxItems (TestStatusListBoundsMatchTheCRDs keeps the two in step), and the counts in status
// (counts, planTotal, users) always tell the whole number.
const (
	// MaxStatusListItems caps SyncPolicy status.plan, status.ambiguous and status.unmatched.
	MaxStatusListItems = 50
	// MaxAmbiguousCandidates caps the candidates listed for one ambiguous record.
	MaxAmbiguousCandidates = 10
	// MaxUserLinks caps AccountMapping status.userLinks (the first links by tool user id).
	MaxUserLinks = 1000
	// MaxRecentEvents caps AccountMapping status.recentEvents.
	MaxRecentEvents = 10
	// MaxCapabilities caps IntegrationConnection status.capabilities (one per capability
	// interface of internal/provider, far fewer than this).
	MaxCapabilities = 32
	// MaxStatusNameLength caps a vendor record's name as shown in a status list; ids are
	// never shortened.
	MaxStatusNameLength = 256
	// MaxAmbiguousUsers caps AccountMapping status.ambiguousUsers, and MaxUserCandidates the
	// candidate PSA users listed for each.
	MaxAmbiguousUsers = 10
	MaxUserCandidates = 5
)
