package review

import (
	"fmt"
	"io"
	"strings"

	v1alpha1 "github.com/accountsync/accountsync-operator/api/v1alpha1"
)

// Worklist is what needs a person, as `review -o yaml|json` prints it.
type Worklist struct {
	Conflicts []Conflict       `json:"conflicts"`
	Ambiguous []PolicyRecord   `json:"ambiguous"`
	Unmatched []PolicyRecord   `json:"unmatched"`
	Mappings  []MappingProblem `json:"mappings"`
}

// Conflict is a mapping blocked by the one-to-one rule or a name conflict.
type Conflict struct {
	Mapping string `json:"mapping"`
	Policy  string `json:"policy"`
	Reason  string `json:"reason"`
	Message string `json:"message"`
}

// MappingProblem is a linked mapping with events (state HasEvents) other than a conflict.
type MappingProblem = Conflict

// PolicyRecord is an ambiguous or unmatched record of a policy with the records it may belong to.
type PolicyRecord struct {
	Policy  string                  `json:"policy"`
	Side    v1alpha1.Side           `json:"side"`
	ID      string                  `json:"id"`
	Name    string                  `json:"name,omitempty"`
	Options []v1alpha1.ScoredRecord `json:"options"`
}

// BuildWorklist collects what needs a person in w, for one policy or (policy "") all.
func BuildWorklist(w *World, policy string) Worklist {
	wl := Worklist{}
	for _, am := range SortedMappings(w.Mappings) {
		if policy != "" && am.Spec.PolicyRef.Name != policy {
			continue
		}
		c := problemCondition(am.Status.Conditions)
		if c == nil || c.Status == "True" {
			continue
		}
		item := Conflict{Mapping: am.Name, Policy: am.Spec.PolicyRef.Name, Reason: c.Reason, Message: c.Message}
		switch {
		case c.Reason == v1alpha1.ReasonConflict || c.Reason == v1alpha1.ReasonNameConflict:
			wl.Conflicts = append(wl.Conflicts, item)
		case am.Status.State == v1alpha1.StateHasEvents:
			wl.Mappings = append(wl.Mappings, item)
		}
	}
	for _, sp := range w.Policies {
		if policy != "" && sp.Name != policy {
			continue
		}
		for _, a := range sp.Status.Ambiguous {
			wl.Ambiguous = append(wl.Ambiguous, PolicyRecord{Policy: sp.Name, Side: a.Side, ID: a.ID, Name: a.Name, Options: a.Candidates})
		}
		for _, u := range sp.Status.Unmatched {
			wl.Unmatched = append(wl.Unmatched, PolicyRecord{Policy: sp.Name, Side: u.Side, ID: u.ID, Name: u.Name, Options: u.Suggestions})
		}
	}
	return wl
}

// PrintWorklist prints the worklist as tables, with the command that accepts the first option
// of each record.
func PrintWorklist(out io.Writer, wl Worklist) {
	if len(wl.Conflicts)+len(wl.Mappings)+len(wl.Ambiguous)+len(wl.Unmatched) == 0 {
		fmt.Fprintln(out, "Nothing needs a person.")
		return
	}
	if len(wl.Conflicts) > 0 {
		fmt.Fprintf(out, "Conflicts (%d)\n", len(wl.Conflicts))
		t := table(out)
		fmt.Fprintln(t, "MAPPING\tPOLICY\tREASON\tMESSAGE")
		for _, c := range wl.Conflicts {
			fmt.Fprintf(t, "%s\t%s\t%s\t%s\n", c.Mapping, c.Policy, c.Reason, truncate(c.Message, 140))
		}
		_ = t.Flush()
		fmt.Fprintln(out)
	}
	if len(wl.Mappings) > 0 {
		fmt.Fprintf(out, "Mappings with events (%d)\n", len(wl.Mappings))
		t := table(out)
		fmt.Fprintln(t, "MAPPING\tPOLICY\tREASON\tMESSAGE")
		for _, c := range wl.Mappings {
			fmt.Fprintf(t, "%s\t%s\t%s\t%s\n", c.Mapping, c.Policy, c.Reason, truncate(c.Message, 140))
		}
		_ = t.Flush()
		fmt.Fprintln(out)
	}
	for _, sec := range []struct {
		title   string
		records []PolicyRecord
		none    string
	}{
		{"Ambiguous", wl.Ambiguous, "-"},
		{"Unmatched", wl.Unmatched, "(no suggestion)"},
	} {
		if len(sec.records) == 0 {
			continue
		}
		fmt.Fprintf(out, "%s (%d)\n", sec.title, len(sec.records))
		t := table(out)
		fmt.Fprintln(t, "POLICY\tSIDE\tID\tNAME\tSCORE\tCANDIDATE\tSIGNALS")
		for _, r := range sec.records {
			if len(r.Options) == 0 {
				fmt.Fprintf(t, "%s\t%s\t%s\t%s\t-\t%s\t-\n", r.Policy, r.Side, r.ID, r.Name, sec.none)
				continue
			}
			for i, o := range r.Options {
				policy, side, id, name := r.Policy, string(r.Side), r.ID, r.Name
				if i > 0 {
					policy, side, id, name = "", "", "", ""
				}
				fmt.Fprintf(t, "%s\t%s\t%s\t%s\t%d\t%s (%s)\t%s\n", policy, side, id, name, o.Score, o.Name, o.ID, signalList(o.Signals))
			}
		}
		_ = t.Flush()
		fmt.Fprintln(out)
	}
	if r, ok := firstDecision(wl); ok {
		tool, psa := r.ID, r.Options[0].ID
		if r.Side == v1alpha1.SidePSA {
			tool, psa = psa, tool
		}
		fmt.Fprintf(out, "Accept a candidate with a manual mapping, e.g.:\n  kubectl accountsync map %s --tool %s --psa %s -o yaml > mapping.yaml   # commit it; or --apply\n",
			r.Policy, tool, psa)
	}
}

func firstDecision(wl Worklist) (PolicyRecord, bool) {
	for _, list := range [][]PolicyRecord{wl.Unmatched, wl.Ambiguous} {
		for _, r := range list {
			if len(r.Options) > 0 {
				return r, true
			}
		}
	}
	return PolicyRecord{}, false
}

func signalList(s []v1alpha1.Signal) string {
	if len(s) == 0 {
		return "-"
	}
	parts := make([]string, len(s))
	for i, x := range s {
		parts[i] = string(x)
	}
	return strings.Join(parts, ",")
}
