package match

import (
	"cmp"
	"slices"
	"strings"

	"github.com/accountsync/accountsync-operator/api/v1alpha1"
	"github.com/accountsync/accountsync-operator/internal/provider"
)

// DefaultUserMatchKeys is the API default of spec.users.matchBy, used when none are given.
var DefaultUserMatchKeys = []v1alpha1.UserMatchKey{v1alpha1.MatchByEmail, v1alpha1.MatchByPhone, v1alpha1.MatchByName}

// AmbiguousUser is a tool user with several unlinked PSA users matching on the deciding key.
type AmbiguousUser struct {
	ToolUser provider.User
	// Candidates are in PSA listing order.
	Candidates []provider.User
}

// UserResult is the outcome of matching the end users of one mapped pair.
type UserResult struct {
	// Links are every tool user → PSA user link after this match (kept, overridden and new),
	// sorted by ToolUserID. It is the new value of the mapping's status.userLinks.
	Links []v1alpha1.UserOverride
	// Ambiguous tool users, sorted by tool user id.
	Ambiguous []AmbiguousUser
	// Unmatched tool users (no candidate on any key), sorted by id. With createMissing the caller
	// creates them in the PSA.
	Unmatched []provider.User
	// Unlinked are the existing links whose PSA user no longer exists, sorted by ToolUserID. Their
	// tool users were matched afresh and appear in Links, Ambiguous or Unmatched.
	Unlinked []v1alpha1.UserOverride
}

// Users matches the end users of one mapped pair (the CyberQP seed).
//
//   - overrides (spec.userOverrides, a person's picks) win when both users exist; when two
//     overrides pin the same PSA user, the first in list order wins and the other tool user is
//     matched as if it had no override;
//   - existing links (status.userLinks) whose users both still exist are kept, unless an override
//     took either user;
//   - an existing link whose PSA user disappeared is reported in Unlinked and its tool user is
//     matched afresh (the seed: a deleted PSA user removes the match);
//   - every other tool user, in listing order, is tried on keys in order; the first key that
//     yields at least one candidate decides: one candidate links, several are ambiguous unless
//     onMultiple is First (then the first in PSA listing order links); no candidate on any key is
//     unmatched. A PSA user already linked is never a candidate (one to one), so with First an
//     earlier tool user takes the PSA user and a later one moves on.
//
// Users with an empty id are ignored and duplicate ids count once (first occurrence). Empty keys
// default to DefaultUserMatchKeys; unknown key names are skipped. The work is linear in the
// number of users, except that each ambiguous user lists all its candidates.
func Users(tool, psa []provider.User, keys []v1alpha1.UserMatchKey, onMultiple v1alpha1.MultipleMatches,
	overrides []v1alpha1.UserOverride, existing []v1alpha1.UserOverride) UserResult {
	tool = uniqueUsers(tool)
	psa = uniqueUsers(psa)
	if len(keys) == 0 {
		keys = DefaultUserMatchKeys
	}

	toolExists := make(map[string]bool, len(tool))
	for _, u := range tool {
		toolExists[u.ID] = true
	}
	psaExists := make(map[string]bool, len(psa))
	for _, u := range psa {
		psaExists[u.ID] = true
	}

	var res UserResult
	psaOf := make(map[string]string, len(tool)) // tool id → linked PSA id
	linked := make(map[string]bool, len(psa))   // PSA ids already linked
	link := func(toolID, psaID string) {
		if _, ok := psaOf[toolID]; ok || linked[psaID] {
			return
		}
		psaOf[toolID] = psaID
		linked[psaID] = true
	}

	for _, e := range existing {
		if !psaExists[e.PSAUserID] {
			res.Unlinked = append(res.Unlinked, e)
		}
	}
	for _, pairs := range [][]v1alpha1.UserOverride{overrides, existing} {
		for _, p := range pairs {
			if toolExists[p.ToolUserID] && psaExists[p.PSAUserID] {
				link(p.ToolUserID, p.PSAUserID)
			}
		}
	}

	// One index per key: key value → PSA users having it, in listing order. An index is built
	// when a tool user first needs it, so when e-mail settles everyone no name is normalised.
	keyFns := make([]func(provider.User) string, len(keys))
	for k, key := range keys {
		keyFns[k] = userKeyFunc(key)
	}
	indexes := make([]map[string][]int, len(keys))
	index := func(k int) map[string][]int {
		if indexes[k] == nil {
			idx := make(map[string][]int, len(psa))
			for i, u := range psa {
				if v := keyFns[k](u); v != "" {
					idx[v] = append(idx[v], i)
				}
			}
			indexes[k] = idx
		}
		return indexes[k]
	}

	first := onMultiple == v1alpha1.MultipleFirst
	for _, u := range tool {
		if _, ok := psaOf[u.ID]; ok {
			continue
		}
		decided := false
		for k, fn := range keyFns {
			if fn == nil {
				continue
			}
			v := fn(u)
			if v == "" {
				continue
			}
			cands := unlinkedCandidates(index(k), v, psa, linked, first)
			if len(cands) == 0 {
				continue
			}
			decided = true
			if len(cands) == 1 {
				link(u.ID, psa[cands[0]].ID)
				break
			}
			amb := AmbiguousUser{ToolUser: u, Candidates: make([]provider.User, len(cands))}
			for i, c := range cands {
				amb.Candidates[i] = psa[c]
			}
			res.Ambiguous = append(res.Ambiguous, amb)
			break
		}
		if !decided {
			res.Unmatched = append(res.Unmatched, u)
		}
	}

	res.Links = make([]v1alpha1.UserOverride, 0, len(psaOf))
	for t, p := range psaOf {
		res.Links = append(res.Links, v1alpha1.UserOverride{ToolUserID: t, PSAUserID: p})
	}
	byTool := func(a, b v1alpha1.UserOverride) int {
		return cmp.Or(strings.Compare(a.ToolUserID, b.ToolUserID), strings.Compare(a.PSAUserID, b.PSAUserID))
	}
	slices.SortFunc(res.Links, byTool)
	slices.SortFunc(res.Unlinked, byTool)
	slices.SortFunc(res.Ambiguous, func(a, b AmbiguousUser) int { return strings.Compare(a.ToolUser.ID, b.ToolUser.ID) })
	slices.SortFunc(res.Unmatched, func(a, b provider.User) int { return strings.Compare(a.ID, b.ID) })
	return res
}

// unlinkedCandidates returns the PSA users under key value v that are not linked yet, or only the
// first of them when first is set. Linked users are dropped from the index as they are met:
// links are never undone during a match, so each index entry is skipped at most once and a long
// run of taken candidates (a shared switchboard number) is not rescanned for every tool user.
func unlinkedCandidates(idx map[string][]int, v string, psa []provider.User, linked map[string]bool, first bool) []int {
	list := idx[v]
	kept := list[:0]
	for i, c := range list {
		if linked[psa[c].ID] {
			continue
		}
		kept = append(kept, c)
		if first {
			kept = append(kept, list[i+1:]...)
			break
		}
	}
	idx[v] = kept
	if first && len(kept) > 1 {
		return kept[:1]
	}
	return kept
}

// userKeyFunc returns the key of one match-by kind, or nil for an unknown kind.
func userKeyFunc(k v1alpha1.UserMatchKey) func(provider.User) string {
	switch k {
	case v1alpha1.MatchByEmail:
		return func(u provider.User) string { return EmailKey(u.Email) }
	case v1alpha1.MatchByPhone:
		return func(u provider.User) string { return PhoneKey(u.Phone) }
	case v1alpha1.MatchByName:
		return func(u provider.User) string { return PersonNameKey(UserDisplayName(u)) }
	}
	return nil
}

// UserDisplayName is the user's display name, or first and last name when the product gives no
// display name.
func UserDisplayName(u provider.User) string {
	if strings.TrimSpace(u.Name) != "" {
		return u.Name
	}
	return strings.TrimSpace(u.FirstName + " " + u.LastName)
}

// uniqueUsers drops users with an empty id and later duplicates of an id (paged listings can
// repeat a record when it changes during the listing).
func uniqueUsers(in []provider.User) []provider.User {
	seen := make(map[string]bool, len(in))
	out := make([]provider.User, 0, len(in))
	for _, u := range in {
		if u.ID == "" || seen[u.ID] {
			continue
		}
		seen[u.ID] = true
		out = append(out, u)
	}
	return out
}
