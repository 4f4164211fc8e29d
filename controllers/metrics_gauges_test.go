package controllers_test

import (
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	ctrlmetrics "sigs.k8s.io/controller-runtime/pkg/metrics"

	v1alpha1 "github.com/accountsync/accountsync-operator/api/v1alpha1"
	bmssim "github.com/accountsync/accountsync-operator/internal/simulator/kaseyabms"
	vsasim "github.com/accountsync/accountsync-operator/internal/simulator/kaseyavsa"
	"github.com/accountsync/accountsync-operator/internal/simulator/simkit"
)

// gauge returns "<value>/<reason>" of each series of metric whose labels include match, as
// the alerts would see them.
func gauge(metric string, match map[string]string) []string {
	families, err := ctrlmetrics.Registry.Gather()
	Expect(err).NotTo(HaveOccurred())
	var out []string
	for _, f := range families {
		if f.GetName() != metric {
			continue
		}
	series:
		for _, m := range f.GetMetric() {
			labels := map[string]string{}
			for _, l := range m.GetLabel() {
				labels[l.GetName()] = l.GetValue()
			}
			for k, v := range match {
				if labels[k] != v {
					continue series
				}
			}
			value := "0"
			if m.GetGauge().GetValue() == 1 {
				value = "1"
			}
			out = append(out, value+"/"+labels["reason"])
		}
	}
	return out
}

var _ = Describe("Condition gauges for alerts", Serial, func() {
	It("follow a policy through a vendor's rate limit and back, one series per object", func() {
		ns := newNamespace()
		vsa := vsasim.New(vsaFixture(3))
		bms := bmssim.New(bmsFixture())
		connect(ns, "vsa", v1alpha1.ProviderKaseyaVSA, serve(vsa), vsaCreds)
		connect(ns, "bms", v1alpha1.ProviderKaseyaBMS, serve(bms), bmsCreds)
		Eventually(func() []string {
			return gauge("accountsync_connection_ready", map[string]string{"namespace": ns, "connection": "bms", "provider": "KaseyaBMS"})
		}).Should(Equal([]string{"1/" + v1alpha1.ReasonConnected}))

		bms.SetFaults(simkit.Faults{ThrottleEvery: 1, RetryAfterSeconds: 1})
		policy(ns, "throttled", "bms", "vsa", func(s *v1alpha1.SyncPolicySpec) { s.Mode = v1alpha1.ModeMatchOnly })
		Eventually(func() []string {
			return gauge("accountsync_policy_synced", map[string]string{"namespace": ns, "policy": "throttled"})
		}).Should(Equal([]string{"0/" + v1alpha1.ReasonRateLimited}))

		bms.SetFaults(simkit.Faults{})
		Eventually(func() []string {
			return gauge("accountsync_policy_synced", map[string]string{"namespace": ns, "policy": "throttled"})
		}, 20*time.Second).Should(Equal([]string{"1/" + v1alpha1.ReasonSyncSucceeded}))
	})
})
