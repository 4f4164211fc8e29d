// Package chart holds the tests of the Helm charts under charts/: lint, golden renders,
// tenant isolation (no two releases collide on a cluster-scoped name, lease or Role) and the
// values schema. The tests run the helm binary from $HELM or bin/helm (`make helm`).
package chart
