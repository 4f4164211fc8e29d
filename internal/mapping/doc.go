// Package mapping holds the rules of one AccountMapping as plain Go: what its status says
// (state, not the deltas of the last sync) and what a reconcile decides from what it observed.
// It makes no vendor call and knows no Kubernetes client: the controller observes, calls it,
// acts on the decision and reports.
package mapping
