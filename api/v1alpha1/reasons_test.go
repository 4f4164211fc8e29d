package v1alpha1_test

import (
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"

	v1alpha1 "github.com/accountsync/accountsync-operator/api/v1alpha1"
)

// docTable is one table of the troubleshooting guide: the heading above it and its rows, each
// row split into trimmed cells.
type docTable struct {
	heading string
	rows    [][]string
}

func troubleshootingTables(t *testing.T) []docTable {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "docs", "troubleshooting.md"))
	if err != nil {
		t.Fatal(err)
	}
	var out []docTable
	heading, inTable := "", false
	for _, line := range strings.Split(string(b), "\n") {
		switch {
		case strings.HasPrefix(line, "#"):
			heading, inTable = strings.TrimSpace(strings.TrimLeft(line, "#")), false
		case strings.HasPrefix(line, "|"):
			cells := strings.Split(strings.Trim(line, "|"), "|")
			for i := range cells {
				cells[i] = strings.TrimSpace(cells[i])
			}
			if !inTable {
				out, inTable = append(out, docTable{heading: heading}), true
			}
			if !strings.HasPrefix(cells[0], "---") {
				out[len(out)-1].rows = append(out[len(out)-1].rows, cells)
			}
		default:
			inTable = false
		}
	}
	return out
}

// reasonOf is the reason a first cell names: "`Linked` (True)" → "Linked".
func reasonOf(cell string) string {
	if !strings.HasPrefix(cell, "`") {
		return ""
	}
	return strings.SplitN(cell[1:], "`", 2)[0]
}

// The per-condition tables of the guide and the condition each documents.
var conditionSections = map[string]string{
	"IntegrationConnection":                           v1alpha1.OnConnectionReady,
	"Ready: can the policy run?":                      v1alpha1.OnPolicyReady,
	"Synced: how did the last sync go?":               v1alpha1.OnPolicySynced,
	"AccountMapping":                                  v1alpha1.OnMappingReady,
	"Billing and Ticketing: the integration services": "",
}

// TestReasonsDocumented keeps the troubleshooting guide and the reason table equal: each
// condition's table lists exactly its reasons, and the summary table gives each reason's
// conditions, event type and mapping state as the code does.
func TestReasonsDocumented(t *testing.T) {
	tables := troubleshootingTables(t)
	documented := map[string][]string{} // condition → reasons in its table
	var summary *docTable
	for i, tb := range tables {
		if tb.heading == "All reasons" {
			summary = &tables[i]
			continue
		}
		cond, ok := conditionSections[tb.heading]
		if !ok || len(tb.rows) == 0 || tb.rows[0][0] != "reason" {
			continue
		}
		for _, row := range tb.rows[1:] {
			r := reasonOf(row[0])
			info, known := v1alpha1.LookupReason(r)
			if !known {
				t.Errorf("section %q names %q, which is no condition reason", tb.heading, row[0])
				continue
			}
			c := cond
			if c == "" { // the services' table: each reason's own condition
				c = info.Conditions[0]
			}
			if !slices.Contains(documented[c], r) {
				documented[c] = append(documented[c], r)
			}
		}
	}
	for _, info := range v1alpha1.Reasons {
		for _, c := range info.Conditions {
			if c == v1alpha1.OnMappingEvent || c == v1alpha1.OnPolicyEvent {
				continue // an action's event: only in the summary
			}
			if !slices.Contains(documented[c], info.Reason) {
				t.Errorf("reason %s of %s is missing from the guide's table for %s", info.Reason, c, c)
			}
		}
	}
	for c, reasons := range documented {
		for _, r := range reasons {
			if info, _ := v1alpha1.LookupReason(r); !slices.Contains(info.Conditions, c) {
				t.Errorf("the guide lists %s under %s, but the code does not use it there", r, c)
			}
		}
	}
	if summary == nil {
		t.Fatal(`the guide has no "All reasons" table`)
	}
	checkSummary(t, summary.rows[1:])
}

func checkSummary(t *testing.T, rows [][]string) {
	seen := map[string]bool{}
	for _, row := range rows {
		r := reasonOf(row[0])
		info, ok := v1alpha1.LookupReason(r)
		if !ok {
			t.Errorf("All reasons: %q is no condition reason", row[0])
			continue
		}
		seen[r] = true
		if want := summaryRow(info); !slices.Equal(row, want) {
			t.Errorf("All reasons: row\n  %q\nwant\n  %q", row, want)
		}
	}
	var missing []string
	for _, info := range v1alpha1.Reasons {
		if !seen[info.Reason] {
			missing = append(missing, info.Reason)
		}
	}
	sort.Strings(missing)
	if len(missing) > 0 {
		t.Errorf("All reasons: missing %v", missing)
	}
}

// summaryRow is the guide's summary row for a reason.
func summaryRow(info v1alpha1.ReasonInfo) []string {
	conds := make([]string, 0, len(info.Conditions))
	onMapping := false
	for _, c := range info.Conditions {
		conds = append(conds, strings.Replace(c, "/", " ", 1))
		onMapping = onMapping || strings.HasPrefix(c, "AccountMapping/")
	}
	state := "`" + string(info.MappingState) + "`"
	switch {
	case !onMapping:
		state = "-"
	case info.Reason == v1alpha1.ReasonRateLimited:
		state = "linked: `HasEvents`, else `NotAvailable`"
	case info.MappingState == "":
		state = "kept"
	}
	return []string{"`" + info.Reason + "`", strings.Join(conds, ", "), info.EventType, state}
}

func TestReasonTable(t *testing.T) {
	seen := map[string]bool{}
	for _, info := range v1alpha1.Reasons {
		if seen[info.Reason] {
			t.Errorf("%s is in the table twice", info.Reason)
		}
		seen[info.Reason] = true
		if info.EventType != v1alpha1.EventNormal && info.EventType != v1alpha1.EventWarning {
			t.Errorf("%s: event type %q", info.Reason, info.EventType)
		}
		if len(info.Conditions) == 0 {
			t.Errorf("%s is used nowhere", info.Reason)
		}
	}
	if got := v1alpha1.ReasonEventType("NoSuchReason"); got != v1alpha1.EventWarning {
		t.Errorf("an unknown reason's event is %s, want Warning", got)
	}
	// The one rule: a person's choice (Suspended) is as routine on a policy as on a mapping.
	if got := v1alpha1.ReasonEventType(v1alpha1.ReasonSuspended); got != v1alpha1.EventNormal {
		t.Errorf("Suspended: %s", got)
	}
}
