package gravityzone

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/accountsync/accountsync-operator/internal/provider"
)

var (
	_ provider.AlertSource     = (*Client)(nil)
	_ provider.AlertNoteWriter = (*Client)(nil)
)

// Incidents (the ticketing source) live on service "incidents", API v1.2.
const (
	incidentsVersion = "v1.2"
	serviceIncidents = "incidents"
	incidentKey      = "gz-incident:"
	// incidentsPerPage is getIncidentsList's page size (10–10000 allowed).
	incidentsPerPage = 1000
)

// priorityFilter are the incident priorities at or above a minimum severity, as
// getIncidentsList's filters.priority takes them.
func priorityFilter(floor string) []string {
	all := []string{"low", "medium", "high", "critical"}
	rank := provider.SeverityRank(floor)
	if rank <= 1 {
		return all
	}
	return all[rank-1:]
}

// severityOf maps an incident priority to a severity name; "unknown" maps to "".
func severityOf(priority string) string {
	switch strings.ToLower(priority) {
	case "low":
		return provider.SeverityLow
	case "medium":
		return provider.SeverityMedium
	case "high":
		return provider.SeverityHigh
	case "critical":
		return provider.SeverityCritical
	}
	return ""
}

type incidentListParams struct {
	Page    int             `json:"page"`
	PerPage int             `json:"perPage"`
	Filters incidentFilters `json:"filters"`
}

type incidentFilters struct {
	Status   []string `json:"status"`
	Priority []string `json:"priority,omitempty"`
}

// incident is an incident as getIncidentsList and getIncident return it. company may be an
// object {id, name} or a bare id; status a name or the changeIncidentStatus number; the note
// may come as note or notes (the field is not confirmed).
type incident struct {
	IncidentID     string          `json:"incidentId"`
	IncidentNumber json.RawMessage `json:"incidentNumber"`
	IncidentType   string          `json:"incidentType"`
	Company        json.RawMessage `json:"company"`
	CompanyID      string          `json:"companyId"`
	Status         json.RawMessage `json:"status"`
	Priority       string          `json:"priority"`
	SeverityScore  json.RawMessage `json:"severityScore"`
	MainAction     string          `json:"mainAction"`
	Created        string          `json:"created"`
	Details        json.RawMessage `json:"details"`
	Note           *string         `json:"note"`
	Notes          *string         `json:"notes"`
	ComputerName   string          `json:"computerName"`
}

type incidentPage struct {
	Items      []incident `json:"items"`
	Total      int        `json:"total"`
	Page       int        `json:"page"`
	PagesCount int        `json:"pagesCount"`
}

func (in incident) companyID() string {
	raw := bytes.TrimSpace(in.Company)
	if len(raw) > 0 && raw[0] == '{' {
		var co struct {
			ID string `json:"id"`
		}
		if json.Unmarshal(raw, &co) == nil && co.ID != "" {
			return co.ID
		}
	}
	var id string
	if json.Unmarshal(raw, &id) == nil && id != "" {
		return id
	}
	return in.CompanyID
}

// open reads the status: open / in_progress (1, 2) are open; closed / false_positive (3, 4) not.
func (in incident) open() bool {
	raw := strings.Trim(strings.TrimSpace(string(in.Status)), `"`)
	switch strings.ToLower(raw) {
	case "closed", "false_positive", "3", "4":
		return false
	}
	return true
}

func (in incident) number() string {
	n := strings.Trim(strings.TrimSpace(string(in.IncidentNumber)), `"`)
	if n == "" || n == "null" {
		return in.IncidentID
	}
	return n
}

func (in incident) note() string {
	switch {
	case in.Note != nil:
		return *in.Note
	case in.Notes != nil:
		return *in.Notes
	}
	return ""
}

// noteType is the type updateIncidentNote and changeIncidentStatus take for this incident.
func (in incident) noteType() string {
	if strings.EqualFold(in.IncidentType, "extendedIncident") {
		return "extendedIncidents"
	}
	return "incidents"
}

func (in incident) alert() provider.Alert {
	title := fmt.Sprintf("Incident %s", in.number())
	if in.MainAction != "" {
		title += ": " + in.MainAction
	}
	if in.ComputerName != "" {
		title = in.ComputerName + ": " + title
	}
	details := fmt.Sprintf("GravityZone %s %s, priority %s", in.IncidentType, in.number(), in.Priority)
	if s := strings.TrimSpace(string(in.SeverityScore)); s != "" && s != "null" {
		details += ", severity score " + s
	}
	if d := bytes.TrimSpace(in.Details); len(d) > 0 && string(d) != "null" {
		var text string
		if json.Unmarshal(d, &text) != nil {
			text = string(d)
		}
		details += "\n\n" + text
	}
	t, _ := time.Parse(time.RFC3339, in.Created)
	if t.IsZero() {
		t, _ = time.Parse("2006-01-02T15:04:05", in.Created)
	}
	return provider.Alert{Key: incidentKey + in.IncidentID, ID: in.IncidentID, OrganizationID: in.companyID(),
		Title: title, Details: details, Severity: severityOf(in.Priority), Time: t.UTC(), Open: in.open()}
}

// ListOpenAlerts pages through getIncidentsList (v1.2) for incidents open or in progress at or
// above q.MinSeverity, of every company below the key's (no companyId filter), 1000 a page.
func (c *Client) ListOpenAlerts(ctx context.Context, q provider.AlertQuery) ([]provider.Alert, error) {
	const op = "ListOpenAlerts"
	var out []provider.Alert
	for page := 1; ; page++ {
		raw, fail, err := c.callAt(ctx, op, incidentsVersion, serviceIncidents, "getIncidentsList", incidentListParams{
			Page: page, PerPage: incidentsPerPage,
			Filters: incidentFilters{Status: []string{"open", "in_progress"}, Priority: priorityFilter(q.MinSeverity)},
		}, true)
		if err != nil {
			return nil, err
		}
		if fail != nil {
			return nil, c.rpcError(op, fail, false)
		}
		var pg incidentPage
		if err := json.Unmarshal(raw, &pg); err != nil {
			return nil, c.http.Errorf(provider.KindInvalid, op, 0, "decode getIncidentsList: %v", err)
		}
		for _, in := range pg.Items {
			if a := in.alert(); a.Open && in.IncidentID != "" {
				out = append(out, a)
			}
		}
		if len(pg.Items) == 0 || page >= pg.PagesCount || page >= maxIncidentPages {
			return out, nil
		}
	}
}

// maxIncidentPages bounds a listing whose pagesCount never ends (1,000,000 incidents).
const maxIncidentPages = 1000

func (c *Client) getIncident(ctx context.Context, op, id string) (incident, error) {
	raw, fail, err := c.callAt(ctx, op, incidentsVersion, serviceIncidents, "getIncident", map[string]string{"id": id}, true)
	if err != nil {
		return incident{}, err
	}
	if fail != nil {
		if fail.err.Code == codeInvalidParams && strings.Contains(strings.ToLower(fail.err.Details), "not found") {
			return incident{}, c.http.Errorf(provider.KindNotFound, op, 0, "incident %s does not exist", id)
		}
		return incident{}, c.rpcError(op, fail, false)
	}
	var in incident
	if err := json.Unmarshal(raw, &in); err != nil {
		return incident{}, c.http.Errorf(provider.KindInvalid, op, 0, "decode getIncident: %v", err)
	}
	if in.IncidentID == "" {
		in.IncidentID = id
	}
	return in, nil
}

// GetAlert reads one incident (getIncident).
func (c *Client) GetAlert(ctx context.Context, id string) (provider.Alert, error) {
	in, err := c.getIncident(ctx, "GetAlert", id)
	if err != nil {
		return provider.Alert{}, err
	}
	return in.alert(), nil
}

// AppendAlertNote writes line into the incident's note, keeping what an analyst wrote:
// updateIncidentNote replaces the note, so the current one is read first. A note that already
// holds the line is left alone (a repeated run writes nothing).
func (c *Client) AppendAlertNote(ctx context.Context, id, line string) error {
	const op = "AppendAlertNote"
	in, err := c.getIncident(ctx, op, id)
	if err != nil {
		return err
	}
	current := in.note()
	if strings.Contains(current, line) {
		return nil
	}
	note := line
	if strings.TrimSpace(current) != "" {
		note = strings.TrimRight(current, "\n") + "\n" + line
	}
	// The call sets the note to an absolute value: resending it is harmless.
	_, fail, err := c.callAt(ctx, op, incidentsVersion, serviceIncidents, "updateIncidentNote",
		map[string]string{"type": in.noteType(), "incidentId": id, "note": note}, true)
	if err != nil {
		return err
	}
	if fail != nil {
		return c.rpcError(op, fail, true)
	}
	return nil
}
