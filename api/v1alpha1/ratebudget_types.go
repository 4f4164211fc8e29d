package v1alpha1

// RateBudget says that a policy's syncs do not fit a vendor's documented rate limit at
// spec.interval, and the longer interval they run at instead.
type RateBudget struct {
	// Interval is the period syncs run at instead of spec.interval, e.g. "25m0s".
	Interval Duration `json:"interval"`
	// Side whose vendor limit sets it: PSA or Tool.
	Side Side `json:"side"`
	// Provider of that side, e.g. KaseyaBMS.
	Provider ProviderName `json:"provider"`
	// CallsPerSync is what one sync period cost on that connection (the listings of the
	// policy's sync and the mappings' writes).
	CallsPerSync int64 `json:"callsPerSync"`
	// Limit is the vendor's documented limit, e.g. "1500 calls/hour per endpoint".
	Limit string `json:"limit"`
}
