package controllers

import (
	"github.com/prometheus/client_golang/prometheus"
	"k8s.io/apimachinery/pkg/types"
	ctrlmetrics "sigs.k8s.io/controller-runtime/pkg/metrics"
)

var (
	ticketsCreated = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "accountsync_tickets_created_total",
		Help: "PSA tickets the ticketing service created from tool alerts (roll-ups count once).",
	}, []string{"namespace", "policy"})
	ticketsClosed = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "accountsync_tickets_closed_total",
		Help: "PSA tickets the ticketing service closed because their alerts cleared.",
	}, []string{"namespace", "policy"})
	ticketingFailures = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "accountsync_ticketing_failures_total",
		Help: "Mappings whose part of a ticketing run failed (reason TicketingFailed).",
	}, []string{"namespace", "policy"})
)

func init() {
	ctrlmetrics.Registry.MustRegister(ticketsCreated, ticketsClosed, ticketingFailures)
}

// forgetTicketingMetrics drops a policy's ticketing series.
func forgetTicketingMetrics(policy types.NamespacedName) {
	for _, v := range []*prometheus.CounterVec{ticketsCreated, ticketsClosed, ticketingFailures} {
		v.DeleteLabelValues(policy.Namespace, policy.Name)
	}
}
