package review

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	v1alpha1 "github.com/accountsync/accountsync-operator/api/v1alpha1"
)

const (
	// mappingRows bounds the mapping table; the total is printed with it.
	mappingRows = 25
	// attentionRows bounds the "needs a person" list.
	attentionRows = 10
	// planRowsPerAction bounds how many items of each planned action the status lists.
	planRowsPerAction = 4
)

// PrintStatus prints what a person looks at after a sync: are the connections up, what did each
// policy find and do, which links exist and which need a person, and what a dry run would do.
// `kubectl accountsync status` and the report of `make demo` both print it.
func PrintStatus(out io.Writer, w *World) {
	fmt.Fprintf(out, "Connections\n")
	t := table(out)
	fmt.Fprintln(t, "NAME\tPROVIDER\tSIDE\tREADY\tREASON\tVERSION\tURL")
	for _, ic := range w.Connections {
		status, reason := condition(ic.Status.Conditions, v1alpha1.ConditionReady)
		fmt.Fprintf(t, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", ic.Name, ic.Spec.Provider, dash(string(ic.Status.Side)),
			status, reason, dash(ic.Status.ServerVersion), ic.Spec.URL)
	}
	_ = t.Flush()

	fmt.Fprintf(out, "\nPolicies (counts of the last sync)\n")
	t = table(out)
	fmt.Fprintln(t, "NAME\tMODE\tSYNCED\tTOOL ORGS\tPSA ACCTS\tFILTERED OUT\tMAPPED\tCREATED\tPENDING\tAMBIGUOUS\tUNMATCHED\tCONFLICTS\tEXCLUDED\tAPI CALLS PSA/TOOL\tDURATION")
	for _, sp := range w.Policies {
		status, reason := condition(sp.Status.Conditions, v1alpha1.ConditionSynced)
		c := sp.Status.Counts
		mode := string(sp.Spec.Mode)
		if sp.Spec.DryRun {
			mode += " (dry run)"
		}
		fmt.Fprintf(t, "%s\t%s\t%s/%s\t%d\t%d\t%d\t%d\t%d\t%d\t%d\t%d\t%d\t%d\t%d/%d\t%s\n", sp.Name, mode, status, reason,
			c.ToolOrganizations, c.PSAAccounts, c.PSAAccountsFilteredOut, c.Mapped, c.Created, c.PendingCreate,
			c.Ambiguous, c.Unmatched, c.Conflicts, c.Excluded, sp.Status.APICalls.PSA, sp.Status.APICalls.Tool,
			dash(sp.Status.LastSyncDuration))
	}
	_ = t.Flush()

	printMappings(out, w)
	printAttention(out, w)
	for i := range w.Policies {
		if sp := &w.Policies[i]; sp.Spec.DryRun {
			fmt.Fprintln(out)
			PrintPlan(out, sp, planRowsPerAction)
		}
	}
}

func printMappings(out io.Writer, w *World) {
	states := map[v1alpha1.MappingState]int{}
	manual := 0
	for i := range w.Mappings {
		states[w.Mappings[i].Status.State]++
		if !IsGenerated(&w.Mappings[i]) {
			manual++
		}
	}
	// The demo's test reads this line; keep its shape.
	fmt.Fprintf(out, "\nMappings: %d total, %d OK, %d HasEvents, %d NotAvailable (%d manual)\n", len(w.Mappings),
		states[v1alpha1.StateOK], states[v1alpha1.StateHasEvents], states[v1alpha1.StateNotAvailable], manual)
	t := table(out)
	fmt.Fprintln(t, "POLICY\tTOOL ORG\tPSA ACCOUNT\tSTATE\tLOCATION\tASSETS\tUSERS\tBILLING USE/QTY\tREASON")
	sorted := SortedMappings(w.Mappings)
	for i, am := range sorted {
		if i == mappingRows {
			break
		}
		psa := refName(am.Status.PSAAccount)
		if psa == "" && am.Spec.PSA.Create {
			psa = "(to be created)"
		}
		tool := refName(am.Status.ToolOrganization)
		switch {
		case tool == "" && am.Spec.Tool.Create:
			tool = "(to be created)"
		case tool == "" && am.Spec.Tool.OrganizationID != "":
			// The controller leaves status.toolOrganization unset while the other side cannot
			// be created (NameConflict); the id is what the spec says.
			tool = "id " + am.Spec.Tool.OrganizationID
		}
		if !IsGenerated(&am) {
			tool += " [manual]"
		}
		assets := "-"
		if a := am.Status.Assets; a != nil {
			assets = fmt.Sprint(a.Total)
		}
		users := "-"
		if u := am.Status.Users; u != nil {
			users = fmt.Sprintf("%d matched, %d created", u.Matched, u.Created)
			if u.Ambiguous+u.Unmatched > 0 {
				users += fmt.Sprintf(", %d open", u.Ambiguous+u.Unmatched)
			}
		}
		reason := ""
		if c := problemCondition(am.Status.Conditions); c != nil && c.Reason != v1alpha1.ReasonLinked {
			reason = c.Reason
		}
		fmt.Fprintf(t, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", am.Spec.PolicyRef.Name, dash(tool), dash(psa),
			dash(string(am.Status.State)), am.Spec.Location.Mode, assets, users, billingColumn(&am), reason)
	}
	_ = t.Flush()
	if n := len(sorted) - mappingRows; n > 0 {
		fmt.Fprintf(out, "... and %d more (kubectl get am)\n", n)
	}
}

// printAttention lists what a person must decide: mappings that are not OK, with the
// controller's message, and records the matcher could not decide on.
func printAttention(out io.Writer, w *World) {
	var lines []string
	for _, am := range SortedMappings(w.Mappings) {
		if am.Status.State == v1alpha1.StateOK {
			continue
		}
		c := problemCondition(am.Status.Conditions)
		if c == nil {
			continue
		}
		lines = append(lines, fmt.Sprintf("%s/%s %s: %s", am.Spec.PolicyRef.Name, am.Name, c.Reason, c.Message))
	}
	unmatched := 0
	for _, sp := range w.Policies {
		if sp.Spec.DryRun {
			continue
		}
		unmatched += int(sp.Status.Counts.Unmatched)
		for _, a := range sp.Status.Ambiguous {
			var cands []string
			for _, c := range a.Candidates {
				cands = append(cands, fmt.Sprintf("%q (%s)", c.Name, c.ID))
			}
			lines = append(lines, fmt.Sprintf("%s: %s record %q (%s) is ambiguous between %s", sp.Name, strings.ToLower(string(a.Side)),
				a.Name, a.ID, strings.Join(cands, " and ")))
		}
	}
	if len(lines) == 0 && unmatched == 0 {
		return
	}
	fmt.Fprintf(out, "\nNeeds a person (%d)\n", len(lines))
	for i, l := range lines {
		if i == attentionRows {
			fmt.Fprintf(out, "  ... and %d more\n", len(lines)-attentionRows)
			break
		}
		fmt.Fprintf(out, "  - %s\n", truncate(l, 220))
	}
	if unmatched > 0 {
		fmt.Fprintf(out, "  %d unmatched records: kubectl accountsync review lists them with suggestions\n", unmatched)
	}
}

// PrintPlan shows a dry run's plan: how many actions, and up to perAction of each kind
// (0: every item status keeps).
func PrintPlan(out io.Writer, sp *v1alpha1.SyncPolicy, perAction int) {
	_, reason := condition(sp.Status.Conditions, v1alpha1.ConditionSynced)
	fmt.Fprintf(out, "Dry run %s (%s): %d planned actions, nothing changed; status.plan keeps the first %d\n",
		sp.Name, reason, sp.Status.PlanTotal, len(sp.Status.Plan))
	byAction := map[v1alpha1.PlanAction][]v1alpha1.PlanItem{}
	var order []v1alpha1.PlanAction
	for _, p := range sp.Status.Plan {
		if _, seen := byAction[p.Action]; !seen {
			order = append(order, p.Action)
		}
		byAction[p.Action] = append(byAction[p.Action], p)
	}
	// A DETAIL column (a service action's line and old → new quantity, or its alert) only when
	// an item has one.
	details := false
	for _, p := range sp.Status.Plan {
		details = details || p.Detail != ""
	}
	t := table(out)
	header := "ACTION\tTOOL ORG ID\tPSA ACCOUNT ID\tUSER (TOOL → PSA)\tNAME\tMAPPING"
	if details {
		header += "\tDETAIL"
	}
	fmt.Fprintln(t, header)
	for _, a := range order {
		items := byAction[a]
		for i, p := range items {
			if perAction > 0 && i == perAction {
				fmt.Fprintf(t, "%s\t... %d more in the first %d\t\t\t\t\n", a, len(items)-perAction, len(sp.Status.Plan))
				break
			}
			row := fmt.Sprintf("%s\t%s\t%s\t%s\t%s\t%s", p.Action, dash(p.ToolOrganizationID), dash(p.PSAAccountID), planUser(p), p.Name, dash(p.Mapping))
			if details {
				row += "\t" + dash(p.Detail)
			}
			fmt.Fprintln(t, row)
		}
	}
	_ = t.Flush()
}

// planUser shows the end users of a user action: the tool user and the PSA user it is linked to,
// or "new" for one the sync would create in the PSA.
func planUser(p v1alpha1.PlanItem) string {
	switch {
	case p.ToolUserID == "":
		return "-"
	case p.Action == v1alpha1.ActionCreatePSAUser:
		return p.ToolUserID + " → new"
	default:
		return p.ToolUserID + " → " + dash(p.PSAUserID)
	}
}

func table(out io.Writer) *tabwriter.Writer {
	return tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
}

func condition(conds []metav1.Condition, typ string) (status, reason string) {
	c := meta.FindStatusCondition(conds, typ)
	if c == nil {
		return "Unknown", "-"
	}
	return string(c.Status), c.Reason
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func truncate(s string, n int) string {
	if len([]rune(s)) <= n {
		return s
	}
	return string([]rune(s)[:n-1]) + "…"
}

// problemCondition is the condition that explains a mapping's state: Ready, unless the link is
// Ready and a service (billing, ticketing) failed, which is then why the mapping has events.
func problemCondition(conds []metav1.Condition) *metav1.Condition {
	ready := meta.FindStatusCondition(conds, v1alpha1.ConditionReady)
	if ready == nil || ready.Status != metav1.ConditionTrue {
		return ready
	}
	for _, typ := range []string{v1alpha1.ConditionBilling, v1alpha1.ConditionTicketing} {
		if c := meta.FindStatusCondition(conds, typ); c != nil && c.Status == metav1.ConditionFalse {
			return c
		}
	}
	return ready
}

// billingColumn is the tool's usage and the PSA line's quantity ("42/40"), "missing" when the
// customer has no line, "-" when the mapping does not bill.
func billingColumn(am *v1alpha1.AccountMapping) string {
	if am.Status.Services == nil || am.Status.Services.Billing == nil {
		return "-"
	}
	b := am.Status.Services.Billing
	qty := "missing"
	if b.Quantity != nil {
		qty = fmt.Sprint(*b.Quantity)
	}
	usage := "?"
	if b.Usage != nil {
		usage = fmt.Sprint(*b.Usage)
	}
	return usage + "/" + qty
}
