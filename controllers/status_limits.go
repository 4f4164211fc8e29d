package controllers

import (
	v1alpha1 "github.com/accountsync/accountsync-operator/api/v1alpha1"
)

// The bounded* functions cut what a plan found down to what status holds (the caps of
// api/v1alpha1/limits.go), so that no vendor data can make an object too large to store. They
// copy: the plan's own slices stay whole.

func boundedAmbiguous(all []v1alpha1.AmbiguousRecord) []v1alpha1.AmbiguousRecord {
	all = firstN(all, v1alpha1.MaxStatusListItems)
	if all == nil {
		return nil
	}
	out := make([]v1alpha1.AmbiguousRecord, len(all))
	for i, a := range all {
		a.Name = boundedName(a.Name)
		cands := firstN(a.Candidates, v1alpha1.MaxAmbiguousCandidates)
		a.Candidates = boundedScored(cands)
		out[i] = a
	}
	return out
}

func boundedUnmatched(all []v1alpha1.UnmatchedRecord) []v1alpha1.UnmatchedRecord {
	all = firstN(all, v1alpha1.MaxStatusListItems)
	if all == nil {
		return nil
	}
	out := make([]v1alpha1.UnmatchedRecord, len(all))
	for i, u := range all {
		u.Name = boundedName(u.Name)
		u.Suggestions = boundedScored(u.Suggestions)
		out[i] = u
	}
	return out
}

// boundedScored copies scored records with their names shortened.
func boundedScored(in []v1alpha1.ScoredRecord) []v1alpha1.ScoredRecord {
	if in == nil {
		return nil
	}
	out := make([]v1alpha1.ScoredRecord, len(in))
	for i, r := range in {
		r.Name = boundedName(r.Name)
		out[i] = r
	}
	return out
}

func boundedPlan(all []v1alpha1.PlanItem) []v1alpha1.PlanItem {
	all = firstN(all, v1alpha1.MaxStatusListItems)
	if all == nil {
		return nil
	}
	out := make([]v1alpha1.PlanItem, len(all))
	for i, p := range all {
		p.Name = boundedName(p.Name)
		out[i] = p
	}
	return out
}

// boundedUserLinks keeps the first links (the caller sorts them by tool user id).
func boundedUserLinks(links []v1alpha1.UserOverride) []v1alpha1.UserOverride {
	return firstN(links, v1alpha1.MaxUserLinks)
}

// boundedName shortens a vendor's display name for a status list; ids are never shortened.
func boundedName(name string) string {
	return truncate(name, v1alpha1.MaxStatusNameLength)
}
