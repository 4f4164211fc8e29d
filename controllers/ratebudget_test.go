package controllers

import (
	"testing"
	"time"

	v1alpha1 "github.com/accountsync/accountsync-operator/api/v1alpha1"
	"github.com/accountsync/accountsync-operator/internal/provider"
	_ "github.com/accountsync/accountsync-operator/internal/provider/all"
)

func TestBudgetIntervalStretchesToTheVendorLimit(t *testing.T) {
	// 60,000 BMS assets in pages of 100 and a few other listings: 620 calls a period. At 90 %
	// of 1,500 calls/hour that needs 27.6 minutes, so a 10-minute policy syncs every 27m34s.
	got, b := budgetInterval(10*time.Minute,
		budgetSide{v1alpha1.SidePSA, provider.KaseyaBMS, 620},
		budgetSide{v1alpha1.SideTool, provider.KaseyaVSA, 617})
	if got != 27*time.Minute+34*time.Second || b == nil || b.Interval != "27m34s" || b.Side != v1alpha1.SidePSA ||
		b.Limit != "1500 calls/hour per endpoint" || b.CallsPerSync != 620 {
		t.Fatalf("got %s, %+v", got, b)
	}
	// A small tenant fits: the spec's interval, no budget in status.
	got, b = budgetInterval(10*time.Minute, budgetSide{v1alpha1.SidePSA, provider.KaseyaBMS, 40},
		budgetSide{v1alpha1.SideTool, provider.GravityZone, 30})
	if got != 10*time.Minute || b != nil {
		t.Fatalf("got %s, %+v", got, b)
	}
	// A 2-second interval hits a BMS endpoint 1,800 times an hour: 3 seconds fit.
	got, b = budgetInterval(2*time.Second, budgetSide{v1alpha1.SidePSA, provider.KaseyaBMS, 1})
	if got != 3*time.Second || b == nil {
		t.Fatalf("got %s, %+v", got, b)
	}
	// No published limit (VSA, ConnectWise): the token bucket paces, nothing is stretched.
	got, b = budgetInterval(time.Minute, budgetSide{v1alpha1.SidePSA, provider.ConnectWisePSA, 100000})
	if got != time.Minute || b != nil {
		t.Fatalf("got %s, %+v", got, b)
	}
}

func TestSpentCountsTheBusiestEndpointOfAPerEndpointLimit(t *testing.T) {
	from := &callMark{total: 100, ops: map[string]int64{"ListAllAssets": 60, "GetAsset": 40}}
	to := &callMark{total: 6600, ops: map[string]int64{"ListAllAssets": 125, "GetAsset": 5440, "ListAccounts": 16}}
	if got := spent(provider.LimitOf(provider.KaseyaBMS), from, to); got != 65 {
		t.Fatalf("per endpoint: %d, want the asset listing's 65 (the detail reads of a cold cache are warm-up)", got)
	}
	noWarmUp := provider.RateLimit{Requests: 1500, Per: time.Hour, PerEndpoint: true}
	if got := spent(noWarmUp, from, to); got != 5400 {
		t.Fatalf("per endpoint: %d, want the busiest endpoint's 5400", got)
	}
	if got := spent(provider.LimitOf(provider.HaloPSA), from, to); got != 6500 {
		t.Fatalf("per key: %d, want all 6500", got)
	}
	if got := spent(provider.LimitOf(provider.KaseyaBMS), nil, to); got != 0 {
		t.Fatalf("no previous period: %d", got)
	}
}
