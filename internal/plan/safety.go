package plan

import (
	"github.com/accountsync/accountsync-operator/api/v1alpha1"
)

// Defaults of spec.safety, used when a field is unset.
const (
	DefaultMaxShrinkPercent = 50
	DefaultMinRecords       = 10
)

// Shrunk reports whether a listing that had previous records at the last good sync and has
// current now is a suspect snapshot under s: empty after a non-empty one, or, from MinRecords
// records up, smaller by more than MaxShrinkPercent. It returns the listing's counts when it is
// suspect, nil otherwise. MaxShrinkPercent 100 turns the check off.
func Shrunk(s v1alpha1.Safety, listing string, previous, current int) *v1alpha1.ShrunkListing {
	maxShrink, minRecords := int(s.MaxShrinkPercent), int(s.MinRecords)
	if maxShrink <= 0 {
		maxShrink = DefaultMaxShrinkPercent
	}
	if minRecords <= 0 {
		minRecords = DefaultMinRecords
	}
	if maxShrink >= 100 || previous <= 0 || current >= previous {
		return nil
	}
	lost := previous - current
	if current > 0 && (previous < minRecords || lost*100 <= maxShrink*previous) {
		return nil
	}
	return &v1alpha1.ShrunkListing{Listing: listing, Previous: int32(min(previous, 1<<31-1)), Current: int32(current)}
}
