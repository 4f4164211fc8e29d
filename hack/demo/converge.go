package main

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	v1alpha1 "github.com/accountsync/accountsync-operator/api/v1alpha1"
	"github.com/accountsync/accountsync-operator/internal/review"
	"github.com/accountsync/accountsync-operator/test/testenv"
)

// errTimeout marks a wait that ran out of time (as opposed to one interrupted).
var errTimeout = errors.New("timed out")

const (
	pollInterval = time.Second
	// stablePolls is how many polls in a row must see the same objects (resourceVersions) with
	// every condition met: a mapping still working writes its status within that time.
	stablePolls = 2
	// progressEvery bounds how often an unchanged progress line is repeated.
	progressEvery = 15 * time.Second
)

// world is the demo namespace as kubectl would show it.
type world struct {
	ics []v1alpha1.IntegrationConnection
	sps []v1alpha1.SyncPolicy
	ams []v1alpha1.AccountMapping
}

func observe(ctx context.Context, c client.Client) (*world, error) {
	w := &world{}
	var ics v1alpha1.IntegrationConnectionList
	var sps v1alpha1.SyncPolicyList
	var ams v1alpha1.AccountMappingList
	for _, l := range []client.ObjectList{&ics, &sps, &ams} {
		if err := c.List(ctx, l, client.InNamespace(demoNamespace)); err != nil {
			return nil, err
		}
	}
	w.ics, w.sps, w.ams = ics.Items, sps.Items, ams.Items
	return w, nil
}

// fingerprint changes whenever any object of the namespace changes.
func (w *world) fingerprint() string {
	var b strings.Builder
	for _, o := range w.ics {
		b.WriteString("ic/" + o.Name + "@" + o.ResourceVersion + " ")
	}
	for _, o := range w.sps {
		b.WriteString("sp/" + o.Name + "@" + o.ResourceVersion + " ")
	}
	for _, o := range w.ams {
		b.WriteString("am/" + o.Name + "@" + o.ResourceVersion + " ")
	}
	return b.String()
}

// progress says how far the namespace is from convergence: done when every connection is
// Ready, every policy has synced its current generation (a dry run included), and every mapping
// has a state for its current generation with no create in flight.
// A non-nil error is a problem waiting cannot fix (rejected credentials, an invalid spec).
func (w *world) progress(e expectations) (summary string, done bool, fatal error) {
	ready := 0
	for _, ic := range w.ics {
		c := meta.FindStatusCondition(ic.Status.Conditions, v1alpha1.ConditionReady)
		switch {
		case c == nil:
		case c.Status == metav1.ConditionTrue:
			ready++
		case c.Reason == v1alpha1.ReasonAuthenticationFailed || c.Reason == v1alpha1.ReasonInvalidSpec:
			return "", false, fmt.Errorf("IntegrationConnection %s is not Ready (%s): %s", ic.Name, c.Reason, c.Message)
		}
	}
	synced := 0
	for _, sp := range w.sps {
		if c := meta.FindStatusCondition(sp.Status.Conditions, v1alpha1.ConditionReady); c != nil &&
			c.Status == metav1.ConditionFalse && c.Reason == v1alpha1.ReasonInvalidSpec {
			return "", false, fmt.Errorf("SyncPolicy %s is not Ready (%s): %s", sp.Name, c.Reason, c.Message)
		}
		// Creations beyond spec.creation.batchSize wait for the next sync by design; what
		// this sync started is judged on the mappings below.
		c := meta.FindStatusCondition(sp.Status.Conditions, v1alpha1.ConditionSynced)
		if c != nil && c.Status == metav1.ConditionTrue && c.ObservedGeneration == sp.Generation &&
			sp.Status.LastSyncTime != nil {
			synced++
		}
	}
	states := map[v1alpha1.MappingState]int{}
	working := 0
	bills := map[string]bool{}
	for _, sp := range w.sps {
		bills[sp.Name] = sp.Spec.Services.Billing != nil && !sp.Spec.DryRun
	}
	for i := range w.ams {
		if settled(&w.ams[i]) && billed(&w.ams[i], bills) {
			states[w.ams[i].Status.State]++
		} else {
			working++
		}
	}
	manualFound := 0
	for _, name := range e.manual {
		for _, am := range w.ams {
			if am.Name == name {
				manualFound++
			}
		}
	}
	summary = fmt.Sprintf("connections %d/%d Ready · policies %d/%d synced · mappings %d: %d OK, %d HasEvents, %d NotAvailable, %d in progress",
		ready, e.connections, synced, e.policies, len(w.ams),
		states[v1alpha1.StateOK], states[v1alpha1.StateHasEvents], states[v1alpha1.StateNotAvailable], working)
	done = len(w.ics) == e.connections && ready == e.connections &&
		len(w.sps) == e.policies && synced == e.policies &&
		working == 0 && manualFound == len(e.manual) && len(w.ams) > len(e.manual)
	return summary, done, nil
}

// billed reports whether a linked mapping that bills under a billing policy has its billing
// result for its current generation (the billing controller runs beside the link's sync).
func billed(am *v1alpha1.AccountMapping, bills map[string]bool) bool {
	if !bills[am.Spec.PolicyRef.Name] || !am.Spec.Services.Billing || am.Status.PSAAccount == nil || am.Status.ToolOrganization == nil {
		return true
	}
	c := meta.FindStatusCondition(am.Status.Conditions, v1alpha1.ConditionBilling)
	return c != nil && c.ObservedGeneration == am.Generation
}

// settled reports whether a mapping's status describes its current spec with nothing in flight.
func settled(am *v1alpha1.AccountMapping) bool {
	c := meta.FindStatusCondition(am.Status.Conditions, v1alpha1.ConditionReady)
	if am.Status.State == "" || c == nil || c.ObservedGeneration != am.Generation ||
		c.Reason == v1alpha1.ReasonCreating || am.Status.PendingCreate != nil {
		return false
	}
	// A created record's id is written into a generated mapping's spec by the policy; until then
	// the mapping is about to change.
	if am.Spec.PSA.Create && am.Status.PSAAccount != nil && am.Status.PSAAccount.ID != "" && isGenerated(am) {
		return false
	}
	if am.Spec.Tool.Create && am.Status.ToolOrganization != nil && am.Status.ToolOrganization.ID != "" && isGenerated(am) {
		return false
	}
	return true
}

func isGenerated(am *v1alpha1.AccountMapping) bool { return review.IsGenerated(am) }

// waitConverged polls until the namespace has converged and stayed unchanged for stablePolls
// polls. It returns the last observed state on every path, so a failure can still be shown.
func waitConverged(ctx context.Context, c client.Client, mgr *testenv.Process, e expectations,
	timeout time.Duration, report func(string)) (*world, error) {
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	tick := time.NewTicker(pollInterval)
	defer tick.Stop()
	var (
		last                 *world
		summary, lastSummary string
		prevFP               string
		stable               int
		lastReport           time.Time
	)
	for {
		w, err := observe(ctx, c)
		switch {
		case err == nil:
			last = w
			var done bool
			var fatal error
			summary, done, fatal = w.progress(e)
			if fatal != nil {
				return w, fatal
			}
			fp := w.fingerprint()
			if done && fp == prevFP {
				stable++
			} else {
				stable = 0
			}
			prevFP = fp
			if stable >= stablePolls {
				return w, nil
			}
			if summary != lastSummary || time.Since(lastReport) >= progressEvery {
				report(summary)
				lastSummary, lastReport = summary, time.Now()
			}
		case ctx.Err() == nil:
			// The API server is up (envtest waited for it); a failed list is retried.
			summary = "listing objects: " + err.Error()
		}
		select {
		case <-ctx.Done():
			return last, ctx.Err()
		case <-mgr.Done():
			return last, fmt.Errorf("the manager exited while the demo was converging: %w", mgr.ExitError())
		case <-deadline.C:
			return last, fmt.Errorf("%w after %s waiting for convergence (%s); raise DEMO_TIMEOUT if the machine is slow",
				errTimeout, timeout, summary)
		case <-tick.C:
		}
	}
}
