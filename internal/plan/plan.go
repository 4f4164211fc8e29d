// Package plan decides what one sync of a SyncPolicy does: which AccountMappings to create,
// update or delete, which mappings lose the one-to-one rule, which records are ambiguous or
// unmatched, and which records get a counterpart created. It is a pure function of the listings
// and the existing mappings, so a dry run and a real sync plan exactly the same thing and every
// rule can be tested without a cluster or a vendor.
package plan

import (
	"cmp"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/accountsync/accountsync-operator/api/v1alpha1"
	"github.com/accountsync/accountsync-operator/internal/match"
	"github.com/accountsync/accountsync-operator/internal/provider"
	"github.com/accountsync/accountsync-operator/internal/suggest"
)

// DefaultBatchSize is the API default of spec.creation.batchSize, used when it is unset.
const DefaultBatchSize = 100

// SuggestedRecords is how many unmatched records (the first, in Result.Unmatched order) get
// suggestions: the ones status shows.
const SuggestedRecords = 50

// Input is everything one sync knows.
type Input struct {
	// Policy is the SyncPolicy being synced. Required.
	Policy *v1alpha1.SyncPolicy
	// ToolOrgs are every organization of the tool, as listed (the name patterns are applied
	// here).
	ToolOrgs []provider.Organization
	// PSAAccounts are the PSA accounts the server-side filter (statuses, types, inactive) let
	// through; the name patterns are applied here.
	PSAAccounts []provider.Account
	// PSAFilteredOutServer is how many accounts the server-side filter left out, as counted by
	// the caller.
	PSAFilteredOutServer int
	// ToolOrgsWithAssets holds the organizations that have at least one asset. Only read with
	// createWhen: Referenced; nil otherwise.
	ToolOrgsWithAssets map[string]bool
	// Mappings are every AccountMapping of the namespace whose spec.policyRef.name is this
	// policy, manual and generated. Others are ignored.
	Mappings []v1alpha1.AccountMapping
}

// MappingSpec is the desired spec of one generated mapping. Exactly one of ToolOrganizationID
// and CreateTool is set, and exactly one of PSAAccountID and CreatePSA.
type MappingSpec struct {
	Name               string
	ToolOrganizationID string
	CreateTool         bool
	PSAAccountID       string
	CreatePSA          bool
	// ToolName and PSAName are the names of the records as last listed (or as the mapping's
	// status last saw them); empty for a record still to be created, which takes the other
	// side's name.
	ToolName string
	PSAName  string
	// SuggestedScore is the suggestion score of a pair this plan links because it reached
	// matching.autoLinkScore; 0 for every other mapping.
	SuggestedScore int
}

// Result is the plan of one sync.
type Result struct {
	// Ensure lists every generated mapping that should exist after this sync, sorted by name:
	// the kept ones (with create:true converged to the created id once status shows it), new
	// links and new create-mappings. The caller creates missing ones and updates those whose
	// ids differ; it must never update an object that IsGenerated rejects.
	Ensure []MappingSpec
	// Remove lists generated mappings to delete, sorted: superseded by a manual mapping or an
	// older generated one, or whose ids are now excluded or left out by the name patterns.
	Remove []string
	// RemoveReasons says why each mapping in Remove goes, for the caller's event or log line.
	RemoveReasons map[string]string
	// Conflicts maps each manual mapping that loses the one-to-one rule to a message naming the
	// holder. The oldest claimant (creationTimestamp, then name) keeps the link; the caller
	// sets Ready=False reason Conflict on the others.
	Conflicts map[string]string
	// Counts are the policy's status.counts, except Created, which the caller fills.
	Counts v1alpha1.SyncCounts
	// Ambiguous and Unmatched are complete and sorted (tool side first, then by name and id);
	// the caller keeps the first 50 in status. Ambiguous candidates are scored and ranked; the
	// first SuggestedRecords unmatched records carry up to three suggestions each.
	Ambiguous []v1alpha1.AmbiguousRecord
	Unmatched []v1alpha1.UnmatchedRecord
	// Plan is every action of this sync in a stable order: RemoveMapping, Link,
	// CreatePSAAccount, CreateToolOrganization, (LinkUser, CreatePSAUser: see WithUserActions),
	// FlagAmbiguous, FlagUnmatched; within an action by mapping, then ids. status.planTotal is its length.
	Plan []v1alpha1.PlanItem
	// Deferred is how many creations exceeded spec.creation.batchSize; they are planned by a
	// later sync and are included in Counts.PendingCreate.
	Deferred int
	// RemovalsDeferred is how many generated mappings beyond spec.creation.batchSize this sync
	// leaves in place although they are to be removed: a filter that suddenly matches nothing
	// (a vendor that stopped sending names) removes at most one batch per sync.
	RemovalsDeferred int
}

// String summarises the result for a log line.
func (r Result) String() string {
	actions := make(map[v1alpha1.PlanAction]int, len(actionOrder))
	for _, p := range r.Plan {
		actions[p.Action]++
	}
	c := r.Counts
	return fmt.Sprintf("tool=%d psa=%d psaFilteredOut=%d excluded=%d mapped=%d link=%d createPSA=%d createTool=%d "+
		"remove=%d removalsDeferred=%d ensure=%d pendingCreate=%d deferred=%d ambiguous=%d unmatched=%d conflicts=%d",
		c.ToolOrganizations, c.PSAAccounts, c.PSAAccountsFilteredOut, c.Excluded, c.Mapped,
		actions[v1alpha1.ActionLink], actions[v1alpha1.ActionCreatePSAAccount],
		actions[v1alpha1.ActionCreateToolOrganization], len(r.Remove), r.RemovalsDeferred, len(r.Ensure),
		c.PendingCreate, r.Deferred, c.Ambiguous, c.Unmatched, c.Conflicts)
}

// actionOrder is the order of actions in Result.Plan: changes first, so a truncated plan in
// status shows what will happen before what is merely reported.
var actionOrder = map[v1alpha1.PlanAction]int{
	v1alpha1.ActionRemoveMapping:          0,
	v1alpha1.ActionLink:                   1,
	v1alpha1.ActionCreatePSAAccount:       2,
	v1alpha1.ActionCreateToolOrganization: 3,
	v1alpha1.ActionLinkUser:               4,
	v1alpha1.ActionCreatePSAUser:          5,
	v1alpha1.ActionFlagAmbiguous:          6,
	v1alpha1.ActionFlagUnmatched:          7,
}

// Compute plans one sync of in.Policy. It returns an error only for a configuration the user
// must fix: no policy, or a name pattern that is not valid RE2.
//
// The rules, in the order they apply:
//
//  1. Records are de-duplicated by id (first listing wins; empty ids are dropped). A record left
//     out by its side's namePattern/excludeNamePattern does not take part (PSA ones are counted
//     in PSAAccountsFilteredOut). A record that passes the patterns but is in spec.exclude does
//     not take part and is counted in Excluded.
//  2. Mappings claim records by their spec ids, or by the id their status shows for a side they
//     were asked to create. Manual mappings claim first, then generated ones, each oldest first
//     (creationTimestamp, then name). A manual mapping claiming a record an older manual one
//     claims is in Conflicts. A generated mapping claiming a record already claimed, or whose
//     record is excluded or left out by the name patterns, is removed (manual wins). A mapping
//     being deleted holds its records until it is gone but takes no part in conflicts.
//  3. Records no surviving mapping claims are matched by the matching.name key in hash maps: one
//     organization and one account with the same key link. Where a key has several records on a
//     side, Flag reports each record with several candidates as ambiguous; First links them in
//     listing order and reports the records left over as ambiguous.
//     With matching.autoLinkScore set, a record still without candidate whose best suggestion
//     reaches that score, and is the only one to, is linked to it when the same holds the other
//     way round.
//  4. Records with no candidate are created on the other side when the mode says so (Import:
//     organizations, only those with assets under createWhen Referenced; Export: accounts), at
//     most batchSize per sync counting generated mappings still waiting for their create;
//     otherwise they are unmatched.
func Compute(in Input) (Result, error) {
	cfg, err := newConfig(in.Policy)
	if err != nil {
		return Result{}, err
	}
	p := &planner{cfg: cfg, in: in, res: Result{Conflicts: map[string]string{}, RemoveReasons: map[string]string{}}}
	p.filterRecords()
	p.claimMappings()
	p.matchRecords()
	p.autoLink()
	p.planCreations()
	p.finish()
	p.suggest()
	return p.res, nil
}

// config is the policy spec with defaults applied and patterns compiled.
type config struct {
	policy       string
	key          func(string) string
	first        bool
	imports      bool
	exports      bool
	referenced   bool
	batch        int
	prefix       string
	toolInclude  *regexp.Regexp
	toolExclude  *regexp.Regexp
	psaInclude   *regexp.Regexp
	psaExclude   *regexp.Regexp
	excludedTool map[string]bool
	excludedPSA  map[string]bool
	autoLink     int
}

func newConfig(pol *v1alpha1.SyncPolicy) (config, error) {
	if pol == nil {
		return config{}, errors.New("plan: no SyncPolicy given")
	}
	s := &pol.Spec
	c := config{
		policy:       pol.Name,
		key:          match.KeyFunc(s.Matching.Name),
		first:        s.Matching.OnMultipleMatches == v1alpha1.MultipleFirst,
		imports:      s.Mode.Imports(),
		exports:      s.Mode.Exports(),
		referenced:   s.CreateWhen == v1alpha1.CreateReferenced,
		batch:        int(s.Creation.BatchSize),
		excludedTool: setOf(s.Exclude.ToolOrganizationIDs),
		excludedPSA:  setOf(s.Exclude.PSAAccountIDs),
		autoLink:     int(s.Matching.AutoLinkScore),
	}
	if c.batch <= 0 {
		c.batch = DefaultBatchSize
	}
	if s.Creation.OnNameConflict == v1alpha1.ConflictPrefix {
		c.prefix = s.Creation.NamePrefix
	}
	for _, f := range []struct {
		dst  **regexp.Regexp
		expr string
		path string
	}{
		{&c.toolInclude, s.Tool.Filter.NamePattern, "spec.tool.filter.namePattern"},
		{&c.toolExclude, s.Tool.Filter.ExcludeNamePattern, "spec.tool.filter.excludeNamePattern"},
		{&c.psaInclude, s.PSA.Filter.NamePattern, "spec.psa.filter.namePattern"},
		{&c.psaExclude, s.PSA.Filter.ExcludeNamePattern, "spec.psa.filter.excludeNamePattern"},
	} {
		if f.expr == "" {
			continue
		}
		re, err := regexp.Compile(f.expr)
		if err != nil {
			return config{}, fmt.Errorf("%s: invalid RE2 expression: %w", f.path, err)
		}
		*f.dst = re
	}
	return c, nil
}

// passes reports whether name is let through by an include and an exclude pattern.
func passes(include, exclude *regexp.Regexp, name string) bool {
	return (include == nil || include.MatchString(name)) && (exclude == nil || !exclude.MatchString(name))
}

// recordState is what the filters decided for a listed record.
type recordState uint8

const (
	stateTakesPart recordState = iota + 1
	stateFiltered              // left out by the name patterns
	stateExcluded              // in spec.exclude
)

// record is one listed organization or account taking part in matching.
type record struct {
	id, name string
	profile  provider.Profile
	// held: claimed by a mapping or reserved by a pending create, so not matched or created.
	held bool
	// outcome of matching, set by matchRecords.
	outcome outcome
	// candidates of an ambiguous record, indexes into the other side.
	candidates []int
}

type outcome uint8

const (
	outcomeNone      outcome = iota // no candidate: create or unmatched
	outcomeLinked                   // linked by this plan
	outcomeAmbiguous                // several candidates (or left over under First)
	outcomeWaiting                  // one candidate, itself ambiguous: left for a person
	outcomeBlocked                  // a match whose mapping name an unrelated mapping holds
	outcomeCreating                 // its counterpart is created by this plan or a later one
)

// mapping is one existing AccountMapping as the planner sees it.
type mapping struct {
	obj         *v1alpha1.AccountMapping
	name        string
	generated   bool
	terminating bool
	toolID      string // spec id, or the created id from status
	psaID       string
	createTool  bool // spec asks to create the tool side and status shows no result yet
	createPSA   bool
}

type removal struct {
	item   v1alpha1.PlanItem
	reason string
}

type planner struct {
	cfg   config
	in    Input
	res   Result
	tools []record
	accts []record
	// side states and names of every listed record, by id.
	toolState map[string]recordState
	psaState  map[string]recordState
	toolName  map[string]string
	psaName   map[string]string
	// toolOwner and psaOwner name the mapping holding each claimed id.
	toolOwner map[string]string
	psaOwner  map[string]string
	// reservedTool and reservedPSA hold the ExactKey of names a pending create will give, so the
	// record it creates is not mistaken for an unmatched one before the mapping's status shows it.
	reservedTool map[string]bool
	reservedPSA  map[string]bool
	// names of existing mappings that stay (kept, manual, terminating): a new mapping must not
	// take one of them.
	taken map[string]bool
	// removed holds the generated mappings to remove, by name, with the reason.
	removed map[string]removal
	// pendingGenerated counts generated mappings still waiting for their create (they use the
	// batch); pendingAll adds manual ones.
	pendingGenerated int
	pendingAll       int
	// room is how many creations this plan may hand out; created how many it has.
	room, created int
}

func (p *planner) filterRecords() {
	c := &p.res.Counts
	p.toolState = make(map[string]recordState, len(p.in.ToolOrgs))
	p.toolName = make(map[string]string, len(p.in.ToolOrgs))
	p.tools = make([]record, 0, len(p.in.ToolOrgs))
	for _, o := range p.in.ToolOrgs {
		if o.ID == "" || p.toolState[o.ID] != 0 {
			continue
		}
		p.toolName[o.ID] = o.Name
		switch {
		case !passes(p.cfg.toolInclude, p.cfg.toolExclude, o.Name):
			p.toolState[o.ID] = stateFiltered
		case p.cfg.excludedTool[o.ID]:
			p.toolState[o.ID] = stateExcluded
			c.Excluded++
		default:
			p.toolState[o.ID] = stateTakesPart
			p.tools = append(p.tools, record{id: o.ID, name: o.Name, profile: o.Profile})
		}
	}

	p.psaState = make(map[string]recordState, len(p.in.PSAAccounts))
	p.psaName = make(map[string]string, len(p.in.PSAAccounts))
	p.accts = make([]record, 0, len(p.in.PSAAccounts))
	c.PSAAccountsFilteredOut = int32(max(p.in.PSAFilteredOutServer, 0))
	for _, a := range p.in.PSAAccounts {
		if a.ID == "" || p.psaState[a.ID] != 0 {
			continue
		}
		p.psaName[a.ID] = a.Name
		switch {
		case !passes(p.cfg.psaInclude, p.cfg.psaExclude, a.Name):
			p.psaState[a.ID] = stateFiltered
			c.PSAAccountsFilteredOut++
		case p.cfg.excludedPSA[a.ID]:
			p.psaState[a.ID] = stateExcluded
			c.Excluded++
		default:
			p.psaState[a.ID] = stateTakesPart
			p.accts = append(p.accts, record{id: a.ID, name: a.Name, profile: a.Profile})
		}
	}
	c.ToolOrganizations = int32(len(p.tools))
	c.PSAAccounts = int32(len(p.accts))
}

// toolGone reports why a generated mapping may no longer hold tool organization id, or "".
func (p *planner) toolGone(id string) string {
	switch {
	case p.cfg.excludedTool[id]:
		return fmt.Sprintf("tool organization %q is in spec.exclude", id)
	case p.toolState[id] == stateFiltered:
		return fmt.Sprintf("tool organization %q is left out by spec.tool.filter", id)
	}
	return ""
}

// psaGone reports why a generated mapping may no longer hold PSA account id, or "".
func (p *planner) psaGone(id string) string {
	switch {
	case p.cfg.excludedPSA[id]:
		return fmt.Sprintf("PSA account %q is in spec.exclude", id)
	case p.psaState[id] == stateFiltered:
		return fmt.Sprintf("PSA account %q is left out by spec.psa.filter", id)
	}
	return ""
}

// claimMappings applies the one-to-one rule to the existing mappings (rule 2 of Compute).
func (p *planner) claimMappings() {
	ms := make([]mapping, 0, len(p.in.Mappings))
	for i := range p.in.Mappings {
		obj := &p.in.Mappings[i]
		if obj.Spec.PolicyRef.Name != p.cfg.policy {
			continue
		}
		ms = append(ms, newMapping(obj, p.cfg.policy))
	}
	slices.SortFunc(ms, func(a, b mapping) int {
		if a.generated != b.generated {
			if a.generated {
				return 1
			}
			return -1
		}
		return cmp.Or(a.obj.CreationTimestamp.Compare(b.obj.CreationTimestamp.Time), strings.Compare(a.name, b.name))
	})

	p.toolOwner = make(map[string]string, len(ms))
	p.psaOwner = make(map[string]string, len(ms))
	p.reservedTool = map[string]bool{}
	p.reservedPSA = map[string]bool{}
	p.taken = make(map[string]bool, len(ms))
	p.removed = map[string]removal{}
	c := &p.res.Counts

	for _, m := range ms {
		if m.terminating {
			continue
		}
		if m.generated {
			if why := p.cannotKeep(m); why != "" {
				p.removed[m.name] = removal{reason: why, item: v1alpha1.PlanItem{Action: v1alpha1.ActionRemoveMapping,
					ToolOrganizationID: m.toolID, PSAAccountID: m.psaID, Mapping: m.name,
					Name: p.recordName(p.toolName, m.toolID, m.obj.Status.ToolOrganization)}}
				continue
			}
		} else if msg := p.conflict(m); msg != "" {
			p.res.Conflicts[m.name] = msg
		}
		p.claim(m)
		p.taken[m.name] = true
		_, inConflict := p.res.Conflicts[m.name]
		if !inConflict && m.toolID != "" && m.psaID != "" {
			c.Mapped++
		}
		if !inConflict && readyReasonIn(m.obj, v1alpha1.ReasonConflict, v1alpha1.ReasonNameConflict) {
			c.Conflicts++
		}
		if m.createTool || m.createPSA {
			p.reserve(m)
			// A create blocked by a name conflict waits for a person, not for the batch: counting
			// it would let a few conflicts stall every later creation.
			if !readyReasonIn(m.obj, v1alpha1.ReasonNameConflict) {
				p.pendingAll++
				if m.generated {
					p.pendingGenerated++
				}
			}
		}
		if m.generated {
			p.res.Ensure = append(p.res.Ensure, MappingSpec{
				Name:               m.name,
				ToolOrganizationID: m.toolID,
				CreateTool:         m.createTool,
				PSAAccountID:       m.psaID,
				CreatePSA:          m.createPSA,
				ToolName:           p.recordName(p.toolName, m.toolID, m.obj.Status.ToolOrganization),
				PSAName:            p.recordName(p.psaName, m.psaID, m.obj.Status.PSAAccount),
			})
		}
	}
	// Mappings being deleted keep their records out of matching until they are gone, and their
	// names out of reuse, but never make a live mapping lose.
	for _, m := range ms {
		if m.terminating {
			p.claim(m)
			p.taken[m.name] = true
		}
	}
}

func newMapping(obj *v1alpha1.AccountMapping, policy string) mapping {
	m := mapping{
		obj:         obj,
		name:        obj.Name,
		generated:   IsGenerated(obj, policy),
		terminating: obj.DeletionTimestamp != nil,
		toolID:      obj.Spec.Tool.OrganizationID,
		psaID:       obj.Spec.PSA.AccountID,
	}
	if m.toolID == "" && obj.Spec.Tool.Create {
		if s := obj.Status.ToolOrganization; s != nil && s.ID != "" {
			m.toolID = s.ID
		} else {
			m.createTool = true
		}
	}
	if m.psaID == "" && obj.Spec.PSA.Create {
		if s := obj.Status.PSAAccount; s != nil && s.ID != "" {
			m.psaID = s.ID
		} else {
			m.createPSA = true
		}
	}
	return m
}

// cannotKeep says why a generated mapping must be removed, or "".
func (p *planner) cannotKeep(m mapping) string {
	switch {
	case m.toolID == "" && !m.createTool, m.psaID == "" && !m.createPSA, m.createTool && m.createPSA:
		return "spec names no record on one side"
	}
	if m.toolID != "" {
		if why := p.toolGone(m.toolID); why != "" {
			return why
		}
		if owner := p.toolOwner[m.toolID]; owner != "" {
			return fmt.Sprintf("tool organization %q is linked by AccountMapping %q", m.toolID, owner)
		}
	}
	if m.psaID != "" {
		if why := p.psaGone(m.psaID); why != "" {
			return why
		}
		if owner := p.psaOwner[m.psaID]; owner != "" {
			return fmt.Sprintf("PSA account %q is linked by AccountMapping %q", m.psaID, owner)
		}
	}
	return ""
}

// conflict returns the Conflict message of a manual mapping claiming a record an older mapping
// claims, or "".
func (p *planner) conflict(m mapping) string {
	var msgs []string
	if owner := p.toolOwner[m.toolID]; m.toolID != "" && owner != "" {
		msgs = append(msgs, fmt.Sprintf("tool organization %q is already linked by AccountMapping %q", m.toolID, owner))
	}
	if owner := p.psaOwner[m.psaID]; m.psaID != "" && owner != "" {
		msgs = append(msgs, fmt.Sprintf("PSA account %q is already linked by AccountMapping %q", m.psaID, owner))
	}
	return strings.Join(msgs, "; ")
}

// claim records m as the holder of its ids that no older mapping holds. A manual mapping in
// conflict still holds its free side: it states a person's intent for that record, and a second
// manual mapping claiming it is a conflict too.
func (p *planner) claim(m mapping) {
	if m.toolID != "" && p.toolOwner[m.toolID] == "" {
		p.toolOwner[m.toolID] = m.name
	}
	if m.psaID != "" && p.psaOwner[m.psaID] == "" {
		p.psaOwner[m.psaID] = m.name
	}
}

// reserve keeps the record a pending create will make out of matching: until the mapping's
// status shows the new id, the new record would otherwise look unmatched and, in Bidirectional
// mode, be created back on the first side.
func (p *planner) reserve(m mapping) {
	add := func(set map[string]bool, name string) {
		if name == "" {
			return
		}
		set[match.ExactKey(name)] = true
		if p.cfg.prefix != "" {
			set[match.ExactKey(p.cfg.prefix+name)] = true
		}
	}
	if m.createPSA {
		add(p.reservedPSA, p.recordName(p.toolName, m.toolID, m.obj.Status.ToolOrganization))
	}
	if m.createTool {
		add(p.reservedTool, p.recordName(p.psaName, m.psaID, m.obj.Status.PSAAccount))
	}
}

// recordName is the listed name of id, or the name the mapping's status last saw.
func (p *planner) recordName(names map[string]string, id string, seen *v1alpha1.RecordRef) string {
	if id == "" {
		return ""
	}
	if n, ok := names[id]; ok {
		return n
	}
	if seen != nil && seen.ID == id {
		return seen.Name
	}
	return ""
}

// readyReasonIn reports whether m's Ready condition is not True with one of reasons.
func readyReasonIn(m *v1alpha1.AccountMapping, reasons ...string) bool {
	c := meta.FindStatusCondition(m.Status.Conditions, v1alpha1.ConditionReady)
	return c != nil && c.Status != metav1.ConditionTrue && slices.Contains(reasons, c.Reason)
}

// group is the unclaimed records of both sides sharing one key, in listing order.
type group struct{ tools, accts []int }

// matchRecords links unclaimed records by key (rule 3 of Compute).
func (p *planner) matchRecords() {
	groups := make(map[string]*group, len(p.tools)+len(p.accts))
	var order []*group
	add := func(key string, tool bool, i int) {
		g := groups[key]
		if g == nil {
			g = &group{}
			groups[key] = g
			order = append(order, g)
		}
		if tool {
			g.tools = append(g.tools, i)
		} else {
			g.accts = append(g.accts, i)
		}
	}
	for i := range p.tools {
		r := &p.tools[i]
		r.held = p.toolOwner[r.id] != "" || len(p.reservedTool) > 0 && p.reservedTool[match.ExactKey(r.name)]
		if r.held {
			continue
		}
		// A name with no key (no letter or digit) cannot match anything; it is not grouped so
		// such names do not all match each other.
		if key := p.cfg.key(r.name); key != "" {
			add(key, true, i)
		}
	}
	for i := range p.accts {
		r := &p.accts[i]
		r.held = p.psaOwner[r.id] != "" || len(p.reservedPSA) > 0 && p.reservedPSA[match.ExactKey(r.name)]
		if r.held {
			continue
		}
		if key := p.cfg.key(r.name); key != "" {
			add(key, false, i)
		}
	}

	for _, g := range order {
		nt, na := len(g.tools), len(g.accts)
		switch {
		case nt == 0 || na == 0:
			// No candidate: left as outcomeNone for planCreations.
		case nt == 1 && na == 1:
			p.link(g.tools[0], g.accts[0])
		case p.cfg.first:
			k := min(nt, na)
			for i := range k {
				p.link(g.tools[i], g.accts[i])
			}
			for _, t := range g.tools[k:] {
				p.tools[t].outcome, p.tools[t].candidates = outcomeAmbiguous, g.accts
			}
			for _, a := range g.accts[k:] {
				p.accts[a].outcome, p.accts[a].candidates = outcomeAmbiguous, g.tools
			}
		default:
			for _, t := range g.tools {
				p.tools[t].outcome, p.tools[t].candidates = ambiguousOrWaiting(na), g.accts
			}
			for _, a := range g.accts {
				p.accts[a].outcome, p.accts[a].candidates = ambiguousOrWaiting(nt), g.tools
			}
		}
	}
}

// ambiguousOrWaiting is the Flag outcome of a record with n candidates in an ambiguous group:
// ambiguous with several, waiting (reported through its ambiguous candidate) with one.
func ambiguousOrWaiting(n int) outcome {
	if n > 1 {
		return outcomeAmbiguous
	}
	return outcomeWaiting
}

func (p *planner) link(t, a int) { p.linkScored(t, a, 0) }

// linkScored links tool t and account a; score is the suggestion score of an auto-link, else 0.
func (p *planner) linkScored(t, a, score int) {
	tr, ar := &p.tools[t], &p.accts[a]
	name := MappingName(p.cfg.policy, NameSideOrganization, tr.id)
	if p.taken[name] {
		// An existing mapping that claims other records already has this name. Overwriting it
		// is not ours to do, and creating counterparts for two records that match would
		// duplicate them: both are reported unmatched for a person.
		tr.outcome, ar.outcome = outcomeBlocked, outcomeBlocked
		return
	}
	tr.outcome, ar.outcome = outcomeLinked, outcomeLinked
	p.taken[name] = true
	p.res.Counts.Mapped++
	p.res.Ensure = append(p.res.Ensure, MappingSpec{Name: name, ToolOrganizationID: tr.id, PSAAccountID: ar.id,
		ToolName: tr.name, PSAName: ar.name, SuggestedScore: score})
	p.res.Plan = append(p.res.Plan, v1alpha1.PlanItem{Action: v1alpha1.ActionLink,
		ToolOrganizationID: tr.id, PSAAccountID: ar.id, Name: tr.name, Mapping: name})
}

// planCreations creates counterparts for records with no candidate, within the batch (rule 4 of
// Compute), and reports the rest. Organizations come first, in listing order, then accounts.
func (p *planner) planCreations() {
	p.room = max(p.cfg.batch-p.pendingGenerated, 0)
	for i := range p.tools {
		r := &p.tools[i]
		imports := p.cfg.imports && (!p.cfg.referenced || p.in.ToolOrgsWithAssets[r.id])
		p.settle(v1alpha1.SideTool, r, p.accts, imports)
	}
	for i := range p.accts {
		p.settle(v1alpha1.SidePSA, &p.accts[i], p.tools, p.cfg.exports)
	}
	p.res.Counts.PendingCreate = int32(p.pendingAll + p.created + p.res.Deferred)
}

// settle reports an unsettled record as ambiguous or unmatched, or plans the creation of its
// counterpart when create allows it, the batch has room and the mapping name is free.
func (p *planner) settle(side v1alpha1.Side, r *record, other []record, create bool) {
	switch {
	case r.held, r.outcome == outcomeLinked, r.outcome == outcomeWaiting:
		return
	case r.outcome == outcomeAmbiguous:
		p.flagAmbiguous(side, r, other)
		return
	case r.outcome == outcomeNone && create && creatable(r.name):
		spec, action := MappingSpec{}, v1alpha1.ActionCreatePSAAccount
		if side == v1alpha1.SideTool {
			spec = MappingSpec{Name: MappingName(p.cfg.policy, NameSideOrganization, r.id),
				ToolOrganizationID: r.id, CreatePSA: true, ToolName: r.name}
		} else {
			spec = MappingSpec{Name: MappingName(p.cfg.policy, NameSideAccount, r.id),
				PSAAccountID: r.id, CreateTool: true, PSAName: r.name}
			action = v1alpha1.ActionCreateToolOrganization
		}
		if p.taken[spec.Name] {
			break // see link: an unrelated mapping holds the name
		}
		r.outcome = outcomeCreating
		if p.created == p.room {
			p.res.Deferred++
			return
		}
		p.created++
		p.taken[spec.Name] = true
		p.res.Ensure = append(p.res.Ensure, spec)
		item := sidedItem(action, side, r)
		item.Mapping = spec.Name
		p.res.Plan = append(p.res.Plan, item)
		return
	}
	p.flagUnmatched(side, r)
}

func (p *planner) flagAmbiguous(side v1alpha1.Side, r *record, other []record) {
	rec := v1alpha1.AmbiguousRecord{Side: side, ID: r.id, Name: r.name, Candidates: make([]v1alpha1.ScoredRecord, len(r.candidates))}
	q := suggestRecord(r)
	for i, c := range r.candidates {
		score, signals := suggest.Score(q, suggestRecord(&other[c]))
		rec.Candidates[i] = v1alpha1.ScoredRecord{ID: other[c].id, Name: other[c].name, Score: int32(score), Signals: apiSignals(signals)}
	}
	// Best first (score, then how many signals agreed); otherwise the vendor's listing order,
	// which First follows.
	slices.SortStableFunc(rec.Candidates, func(a, b v1alpha1.ScoredRecord) int {
		return cmp.Or(cmp.Compare(b.Score, a.Score), cmp.Compare(len(b.Signals), len(a.Signals)))
	})
	p.res.Ambiguous = append(p.res.Ambiguous, rec)
	p.res.Plan = append(p.res.Plan, sidedItem(v1alpha1.ActionFlagAmbiguous, side, r))
}

func (p *planner) flagUnmatched(side v1alpha1.Side, r *record) {
	p.res.Unmatched = append(p.res.Unmatched, v1alpha1.UnmatchedRecord{Side: side, ID: r.id, Name: r.name})
	p.res.Plan = append(p.res.Plan, sidedItem(v1alpha1.ActionFlagUnmatched, side, r))
}

// creatable reports whether a counterpart can be created named like a record: a blank name
// would be refused by every vendor, so such records are reported unmatched instead.
func creatable(name string) bool { return strings.TrimSpace(name) != "" }

func sidedItem(action v1alpha1.PlanAction, side v1alpha1.Side, r *record) v1alpha1.PlanItem {
	item := v1alpha1.PlanItem{Action: action, Name: r.name}
	if side == v1alpha1.SideTool {
		item.ToolOrganizationID = r.id
	} else {
		item.PSAAccountID = r.id
	}
	return item
}

// finish folds removals into the result and sorts everything.
func (p *planner) finish() {
	ensured := make(map[string]bool, len(p.res.Ensure))
	for _, e := range p.res.Ensure {
		ensured[e.Name] = true
	}
	for name := range p.removed {
		// A removed mapping whose name this plan gives to a new link or create is updated in
		// place rather than deleted and re-created.
		if !ensured[name] {
			p.res.Remove = append(p.res.Remove, name)
		}
	}
	slices.Sort(p.res.Remove)
	if len(p.res.Remove) > p.cfg.batch {
		p.res.RemovalsDeferred = len(p.res.Remove) - p.cfg.batch
		p.res.Remove = p.res.Remove[:p.cfg.batch]
	}
	for _, name := range p.res.Remove {
		r := p.removed[name]
		p.res.RemoveReasons[name] = r.reason
		p.res.Plan = append(p.res.Plan, r.item)
	}

	c := &p.res.Counts
	c.Ambiguous = int32(len(p.res.Ambiguous))
	c.Unmatched = int32(len(p.res.Unmatched))
	c.Conflicts += int32(len(p.res.Conflicts))

	slices.SortFunc(p.res.Ensure, func(a, b MappingSpec) int { return strings.Compare(a.Name, b.Name) })
	slices.SortFunc(p.res.Ambiguous, func(a, b v1alpha1.AmbiguousRecord) int {
		return cmp.Or(sideOrder(a.Side)-sideOrder(b.Side), strings.Compare(a.Name, b.Name), strings.Compare(a.ID, b.ID))
	})
	slices.SortFunc(p.res.Unmatched, func(a, b v1alpha1.UnmatchedRecord) int {
		return cmp.Or(sideOrder(a.Side)-sideOrder(b.Side), strings.Compare(a.Name, b.Name), strings.Compare(a.ID, b.ID))
	})
	slices.SortFunc(p.res.Plan, comparePlanItems)
}

func comparePlanItems(a, b v1alpha1.PlanItem) int {
	return cmp.Or(actionOrder[a.Action]-actionOrder[b.Action], strings.Compare(a.Mapping, b.Mapping),
		strings.Compare(a.ToolOrganizationID, b.ToolOrganizationID), strings.Compare(a.PSAAccountID, b.PSAAccountID),
		strings.Compare(a.ToolUserID, b.ToolUserID), strings.Compare(a.PSAUserID, b.PSAUserID),
		strings.Compare(a.Name, b.Name))
}

func sideOrder(s v1alpha1.Side) int {
	if s == v1alpha1.SideTool {
		return 0
	}
	return 1
}

func setOf(ids []string) map[string]bool {
	m := make(map[string]bool, len(ids))
	for _, id := range ids {
		m[id] = true
	}
	return m
}
