package connectwise

import (
	"context"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"

	"github.com/accountsync/accountsync-operator/internal/provider"
	"github.com/accountsync/accountsync-operator/internal/provider/httpx"
)

var _ provider.TicketTarget = (*Client)(nil)

// Service tickets (the ticketing target). The alert key is the ticket's externalXRef (≤ 100
// characters), looked up with `externalXRef="key" and company/id=N` before any create; the
// board, status and priority are resolved by name once per run; a resolved alert closes its
// ticket with a status of the ticket's board whose closedStatus is true.

type ticketRecord struct {
	ID           int    `json:"id"`
	Summary      string `json:"summary"`
	Company      *ref   `json:"company"`
	Board        *ref   `json:"board"`
	Status       *ref   `json:"status"`
	ExternalXRef string `json:"externalXRef"`
	ClosedFlag   bool   `json:"closedFlag"`
}

func (t ticketRecord) ticket() provider.Ticket {
	out := provider.Ticket{ID: strconv.Itoa(t.ID), Number: "#" + strconv.Itoa(t.ID), Key: t.ExternalXRef, Summary: t.Summary, Closed: t.ClosedFlag}
	if t.Company != nil {
		out.AccountID = strconv.Itoa(t.Company.ID)
	}
	return out
}

type boardStatus struct {
	ID           int    `json:"id"`
	Name         string `json:"name"`
	ClosedStatus bool   `json:"closedStatus"`
	Inactive     bool   `json:"inactive"`
}

type namedRecord struct {
	ID   int    `json:"id"`
	Name string `json:"name"`
}

type ticketCreate struct {
	Summary            string     `json:"summary"`
	Company            idRef      `json:"company"`
	Board              *idRef     `json:"board,omitempty"`
	Status             *statusRef `json:"status,omitempty"`
	Priority           *idRef     `json:"priority,omitempty"`
	InitialDescription string     `json:"initialDescription,omitempty"`
	ExternalXRef       string     `json:"externalXRef"`
}

type ticketNote struct {
	Text                 string `json:"text"`
	InternalAnalysisFlag bool   `json:"internalAnalysisFlag"`
}

// pick finds name among records case-insensitively, or returns a *SettingError listing them.
func pick(setting, name string, recs []namedRecord) (int, error) {
	choices := make([]string, 0, len(recs))
	for _, r := range recs {
		if strings.EqualFold(strings.TrimSpace(r.Name), strings.TrimSpace(name)) {
			return r.ID, nil
		}
		choices = append(choices, r.Name)
	}
	sort.Strings(choices)
	return 0, &provider.SettingError{Setting: setting, Value: name, Choices: choices}
}

// ResolveTicketSettings resolves the board (required), the status on that board, the priority
// and the board's closed status.
func (c *Client) ResolveTicketSettings(ctx context.Context, in provider.TicketSettings) (provider.TicketSettings, error) {
	const op = "ResolveTicketSettings"
	if in.Type != "" {
		return in, &provider.SettingError{Setting: "spec.services.ticketing.target.type", Value: in.Type,
			Reason: "ConnectWise tickets are placed by board, status and priority; leave type empty"}
	}
	if strings.TrimSpace(in.Board) == "" {
		return in, &provider.SettingError{Setting: "spec.services.ticketing.target.board", Reason: "ConnectWise needs a service board name"}
	}
	boards, err := listAll[namedRecord](ctx, c, op, "service/boards", nil)
	if err != nil {
		return in, err
	}
	boardID, err := pick("spec.services.ticketing.target.board", in.Board, boards)
	if err != nil {
		return in, err
	}
	out := in
	out.Board = strconv.Itoa(boardID)
	statuses, err := listAll[boardStatus](ctx, c, op, "service/boards/"+out.Board+"/statuses", nil)
	if err != nil {
		return in, err
	}
	var open, closed []namedRecord
	for _, s := range statuses {
		if s.Inactive {
			continue
		}
		open = append(open, namedRecord{ID: s.ID, Name: s.Name})
		if s.ClosedStatus {
			closed = append(closed, namedRecord{ID: s.ID, Name: s.Name})
		}
	}
	if in.Status != "" {
		id, err := pick("spec.services.ticketing.target.status", in.Status, open)
		if err != nil {
			return in, err
		}
		out.Status = nameOf(id, open)
	}
	if len(closed) == 0 {
		return in, &provider.SettingError{Setting: "spec.services.ticketing.target.board", Value: in.Board,
			Reason: "the board has no status marked closed, so resolved alerts cannot close their tickets"}
	}
	out.ClosedStatus = closed[0].Name
	for _, s := range closed {
		if strings.EqualFold(s.Name, "Closed") {
			out.ClosedStatus = s.Name
		}
	}
	if in.Priority != "" {
		prios, err := listAll[namedRecord](ctx, c, op, "service/priorities", nil)
		if err != nil {
			return in, err
		}
		id, err := pick("spec.services.ticketing.target.priority", in.Priority, prios)
		if err != nil {
			return in, err
		}
		out.Priority = strconv.Itoa(id)
	}
	return out, nil
}

func nameOf(id int, recs []namedRecord) string {
	for _, r := range recs {
		if r.ID == id {
			return r.Name
		}
	}
	return ""
}

// statusRef is a status as CW's ticket documentation writes it: by name, resolved on the
// ticket's board.
type statusRef struct {
	Name string `json:"name"`
}

// FindTicket looks the key up on the account's tickets, open or closed.
func (c *Client) FindTicket(ctx context.Context, accountID, key string) ([]provider.Ticket, error) {
	const op = "FindTicket"
	ids, err := c.parseIDs(op, "company", []string{accountID})
	if err != nil {
		return nil, err
	}
	q := url.Values{"conditions": {And(Eq("externalXRef", Str(key)), Eq("company/id", Int(ids[0]))).String()}}
	recs, err := listAll[ticketRecord](ctx, c, op, "service/tickets", q)
	if err != nil {
		return nil, err
	}
	var out []provider.Ticket
	for _, r := range recs {
		if r.ExternalXRef == key {
			out = append(out, r.ticket())
		}
	}
	return out, nil
}

func optionalRef(id string) *idRef {
	n, err := parseID(id)
	if err != nil {
		return nil
	}
	return &idRef{ID: n}
}

// CreateTicket posts a service ticket carrying the alert key in externalXRef.
func (c *Client) CreateTicket(ctx context.Context, in provider.TicketCreate) (provider.Ticket, error) {
	const op = "CreateTicket"
	ids, err := c.parseIDs(op, "company", []string{in.AccountID})
	if err != nil {
		return provider.Ticket{}, err
	}
	body := ticketCreate{Summary: in.Summary, Company: idRef{ID: ids[0]}, InitialDescription: in.Details, ExternalXRef: in.Key,
		Board: optionalRef(in.Settings.Board), Priority: optionalRef(in.Settings.Priority)}
	if in.Settings.Status != "" {
		body.Status = &statusRef{Name: in.Settings.Status}
	}
	resp, err := c.api(ctx, httpx.Request{Operation: op, Method: http.MethodPost, Path: "service/tickets", Body: httpx.JSON(body)})
	if err != nil {
		return provider.Ticket{}, err
	}
	switch {
	case resp.StatusCode == http.StatusCreated || resp.StatusCode == http.StatusOK:
		t, err := decodeOne[ticketRecord](resp.Body)
		if err != nil || t.ID == 0 {
			return provider.Ticket{}, c.http.Errorf(provider.KindUnknownOutcome, op, resp.StatusCode, "created, but the answer could not be read")
		}
		return t.ticket(), nil
	case resp.StatusCode >= 500:
		// A server error on a POST may follow a committed write: look before sending again.
		e := c.http.StatusError(op, resp, "")
		e.Kind = provider.KindUnknownOutcome
		return provider.Ticket{}, e
	}
	return provider.Ticket{}, c.statusErr(op, resp)
}

// AddTicketNote adds an internal-analysis note.
func (c *Client) AddTicketNote(ctx context.Context, ticketID, text string, _ provider.TicketSettings) error {
	const op = "AddTicketNote"
	ids, err := c.parseIDs(op, "ticket", []string{ticketID})
	if err != nil {
		return err
	}
	resp, err := c.api(ctx, httpx.Request{Operation: op, Method: http.MethodPost,
		Path: "service/tickets/" + strconv.Itoa(ids[0]) + "/notes", Body: httpx.JSON(ticketNote{Text: text, InternalAnalysisFlag: true})})
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusCreated && resp.StatusCode != http.StatusOK {
		return c.statusErr(op, resp)
	}
	return nil
}

// CloseTicket sets the board's closed status (by name) with an idempotent PATCH.
func (c *Client) CloseTicket(ctx context.Context, ticketID string, s provider.TicketSettings) error {
	const op = "CloseTicket"
	ids, err := c.parseIDs(op, "ticket", []string{ticketID})
	if err != nil {
		return err
	}
	if s.ClosedStatus == "" {
		return c.http.Errorf(provider.KindInvalid, op, 0, "no closed status resolved")
	}
	patch := []patchOp{{Op: "replace", Path: "status", Value: statusRef{Name: s.ClosedStatus}}}
	resp, err := c.api(ctx, httpx.Request{Operation: op, Method: http.MethodPatch, Idempotent: true,
		Path: "service/tickets/" + strconv.Itoa(ids[0]), Body: httpx.JSON(patch)})
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		return c.statusErr(op, resp)
	}
	return nil
}
