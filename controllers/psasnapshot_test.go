package controllers

import (
	"context"
	"errors"
	"testing"
	"time"

	v1alpha1 "github.com/accountsync/accountsync-operator/api/v1alpha1"
	"github.com/accountsync/accountsync-operator/internal/provider"
)

func TestInventoryFailureIsReportedNotFatal(t *testing.T) {
	// A deadline: the mappings report it and the policy looks again soon.
	inv := &pairInventory{fresh: map[string]bool{}, failed: context.DeadlineExceeded}
	if got := inv.assetInputs("1"); !errors.Is(got.err, context.DeadlineExceeded) || got.haveAssets {
		t.Fatalf("assetInputs = %+v", got)
	}
	if !(&Snapshot{inventory: inv}).inventoryRetry() {
		t.Fatal("a deadline should bring the next sync forward")
	}
	// A vendor's Retry-After: reported with the time left, honoured by the next sync.
	limited := &provider.Error{Kind: provider.KindRateLimited, Op: "ListAllAssets", RetryAfter: time.Hour}
	inv = &pairInventory{fresh: map[string]bool{}, failed: limited, retryAt: time.Now().Add(10 * time.Minute)}
	if (&Snapshot{inventory: inv}).inventoryRetry() {
		t.Fatal("a Retry-After is waited out, not retried soon")
	}
	if d, ok := retryAfter(inv.failure()); !ok || d > 10*time.Minute || d < 9*time.Minute {
		t.Fatalf("retry after %s", d)
	}
	sp := &v1alpha1.SyncPolicy{Spec: v1alpha1.SyncPolicySpec{Assets: v1alpha1.AssetSync{Enabled: true}}}
	next := takeInventory(context.Background(), sp, nil, nil, nil, nil, inv)
	if next.failed == nil || !next.retryAt.Equal(inv.retryAt) {
		t.Fatalf("the next sync must not ask before the vendor's time: %+v", next)
	}
}
