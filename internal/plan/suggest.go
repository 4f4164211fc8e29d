package plan

import (
	"github.com/accountsync/accountsync-operator/api/v1alpha1"
	"github.com/accountsync/accountsync-operator/internal/suggest"
)

func suggestRecord(r *record) suggest.Record {
	return suggest.Record{ID: r.id, Name: r.name, Website: r.profile.Website, Email: r.profile.Email,
		Phone: r.profile.Phone, Street: r.profile.Street, City: r.profile.City, PostalCode: r.profile.PostalCode}
}

func apiSignals(in []suggest.Signal) []v1alpha1.Signal {
	if len(in) == 0 {
		return nil
	}
	out := make([]v1alpha1.Signal, len(in))
	for i, s := range in {
		out[i] = v1alpha1.Signal(s)
	}
	return out
}

func apiSuggestions(in []suggest.Suggestion) []v1alpha1.ScoredRecord {
	if len(in) == 0 {
		return nil
	}
	out := make([]v1alpha1.ScoredRecord, len(in))
	for i, s := range in {
		out[i] = v1alpha1.ScoredRecord{ID: s.ID, Name: s.Name, Score: int32(s.Score), Signals: apiSignals(s.Signals)}
	}
	return out
}

// pool is the records of one side a suggestion may name, indexed, with their positions.
type pool struct {
	index *suggest.Index
	pos   map[string]int // id → index into the side's records
}

// newPool indexes the records of a side for which keep holds.
func newPool(records []record, keep func(*record) bool) pool {
	recs := make([]suggest.Record, 0, len(records))
	pos := make(map[string]int)
	for i := range records {
		if keep(&records[i]) {
			recs = append(recs, suggestRecord(&records[i]))
			pos[records[i].id] = i
		}
	}
	return pool{index: suggest.NewIndex(recs), pos: pos}
}

// soleAbove returns the one suggestion at or above min, if exactly one reaches it.
func soleAbove(s []suggest.Suggestion, floor int) (suggest.Suggestion, bool) {
	if len(s) == 0 || s[0].Score < floor || len(s) > 1 && s[1].Score >= floor {
		return suggest.Suggestion{}, false
	}
	return s[0], true
}

// autoLink links records that no name key matched when their suggestion reaches
// matching.autoLinkScore and is the only one to, in both directions: a tool organization whose
// sole strong suggestion is an account whose sole strong suggestion is that organization.
func (p *planner) autoLink() {
	if p.cfg.autoLink <= 0 {
		return
	}
	open := func(r *record) bool { return !r.held && r.outcome == outcomeNone }
	accts := newPool(p.accts, open)
	if accts.index.Len() == 0 {
		return
	}
	tools := newPool(p.tools, open)
	for t := range p.tools {
		tr := &p.tools[t]
		if !open(tr) {
			continue
		}
		best, ok := soleAbove(accts.index.Suggest(suggestRecord(tr), 2), p.cfg.autoLink)
		if !ok {
			continue
		}
		a := accts.pos[best.ID]
		if !open(&p.accts[a]) {
			continue // already linked to an earlier organization
		}
		back, ok := soleAbove(tools.index.Suggest(suggestRecord(&p.accts[a]), 2), p.cfg.autoLink)
		if !ok || back.ID != tr.id {
			continue
		}
		p.linkScored(t, a, best.Score)
	}
}

// suggest adds suggestions to the first SuggestedRecords unmatched records: the best records of
// the other side that no mapping holds and this plan neither links nor creates a counterpart
// for.
func (p *planner) suggest() {
	n := min(len(p.res.Unmatched), SuggestedRecords)
	if n == 0 {
		return
	}
	free := func(r *record) bool {
		return !r.held && r.outcome != outcomeLinked && r.outcome != outcomeCreating
	}
	var tools, accts *pool
	byID := func(records []record) map[string]int {
		m := make(map[string]int, len(records))
		for i := range records {
			m[records[i].id] = i
		}
		return m
	}
	toolPos, acctPos := byID(p.tools), byID(p.accts)
	for i := range n {
		u := &p.res.Unmatched[i]
		var q *record
		var other *pool
		if u.Side == v1alpha1.SideTool {
			if accts == nil {
				pl := newPool(p.accts, free)
				accts = &pl
			}
			q, other = &p.tools[toolPos[u.ID]], accts
		} else {
			if tools == nil {
				pl := newPool(p.tools, free)
				tools = &pl
			}
			q, other = &p.accts[acctPos[u.ID]], tools
		}
		u.Suggestions = apiSuggestions(other.index.Suggest(suggestRecord(q), suggest.DefaultLimit))
	}
}
