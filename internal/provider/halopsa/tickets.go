package halopsa

import (
	"context"
	"encoding/json"
	"net/url"
	"sort"
	"strconv"
	"strings"

	"github.com/accountsync/accountsync-operator/internal/provider"
)

var _ provider.TicketTarget = (*Client)(nil)

// Tickets (the ticketing target). The alert key is written to supplier_reference, which
// GET /api/Tickets can search (search_supplier_reference), and to third_party_id_string; the
// search is a like-match, so only an exact key counts. Ticket type, status and priority are
// resolved by name from /api/TicketType, /api/Status and /api/Priority; the closed status is
// the tenant's status named "Closed" (id 9 by default).

type wireTicket struct {
	ID                flexInt    `json:"id"`
	Summary           flexString `json:"summary"`
	ClientID          flexInt    `json:"client_id"`
	StatusID          flexInt    `json:"status_id"`
	SupplierReference flexString `json:"supplier_reference"`
	ThirdPartyID      flexString `json:"third_party_id_string"`
}

type namedID struct {
	ID   flexInt    `json:"id"`
	Name flexString `json:"name"`
	Type flexString `json:"type"`
}

// defaultClosedStatus is Halo's out-of-the-box Closed status id.
const defaultClosedStatus = 9

func (c *Client) lookup(ctx context.Context, op, path string) ([]namedID, error) {
	resp, err := c.get(ctx, op, path, nil)
	if err != nil {
		return nil, err
	}
	var out []namedID
	if err := json.Unmarshal(resp.Body, &out); err != nil {
		return nil, c.hc.Errorf(provider.KindInvalid, op, resp.StatusCode, "decode %s: %v", path, err)
	}
	return out, nil
}

func pickNamed(setting, name string, recs []namedID) (string, error) {
	choices := make([]string, 0, len(recs))
	for _, r := range recs {
		if strings.EqualFold(strings.TrimSpace(string(r.Name)), strings.TrimSpace(name)) {
			return strconv.FormatInt(int64(r.ID), 10), nil
		}
		choices = append(choices, string(r.Name))
	}
	sort.Strings(choices)
	return "", &provider.SettingError{Setting: setting, Value: name, Choices: choices}
}

// ResolveTicketSettings resolves ticket type (required), status and priority by name, and the
// closed status.
func (c *Client) ResolveTicketSettings(ctx context.Context, in provider.TicketSettings) (provider.TicketSettings, error) {
	const op = "ResolveTicketSettings"
	if in.Board != "" {
		return in, &provider.SettingError{Setting: "spec.services.ticketing.target.board", Value: in.Board,
			Reason: "HaloPSA tickets are placed by ticket type (target.type); leave board empty"}
	}
	if strings.TrimSpace(in.Type) == "" {
		return in, &provider.SettingError{Setting: "spec.services.ticketing.target.type", Reason: "HaloPSA needs a ticket type name"}
	}
	out := in
	types, err := c.lookup(ctx, op, "api/TicketType")
	if err != nil {
		return in, err
	}
	if out.Type, err = pickNamed("spec.services.ticketing.target.type", in.Type, types); err != nil {
		return in, err
	}
	statuses, err := c.lookup(ctx, op, "api/Status")
	if err != nil {
		return in, err
	}
	if in.Status != "" {
		if out.Status, err = pickNamed("spec.services.ticketing.target.status", in.Status, statuses); err != nil {
			return in, err
		}
	}
	for _, s := range statuses {
		if strings.EqualFold(string(s.Name), "Closed") || (out.ClosedStatus == "" && int64(s.ID) == defaultClosedStatus) {
			out.ClosedStatus = strconv.FormatInt(int64(s.ID), 10)
		}
	}
	if out.ClosedStatus == "" {
		return in, &provider.SettingError{Setting: "spec.services.ticketing.closeWhenResolved",
			Reason: "HaloPSA has no status named Closed (nor the default id 9) to close tickets with"}
	}
	if in.Priority != "" {
		prios, err := c.lookup(ctx, op, "api/Priority")
		if err != nil {
			return in, err
		}
		if out.Priority, err = pickNamed("spec.services.ticketing.target.priority", in.Priority, prios); err != nil {
			return in, err
		}
	}
	return out, nil
}

// FindTicket searches the client's tickets (open or closed) for the key.
func (c *Client) FindTicket(ctx context.Context, accountID, key string) ([]provider.Ticket, error) {
	const op = "FindTicket"
	id, err := c.parseID(op, "client", accountID)
	if err != nil {
		return nil, err
	}
	q := url.Values{"client_id": {strconv.FormatInt(id, 10)}, "search_supplier_reference": {key}}
	resp, err := c.get(ctx, op, "api/Tickets", q)
	if err != nil {
		return nil, err
	}
	var page struct {
		Tickets []wireTicket `json:"tickets"`
	}
	if err := json.Unmarshal(resp.Body, &page); err != nil {
		return nil, c.hc.Errorf(provider.KindInvalid, op, resp.StatusCode, "decode tickets: %v", err)
	}
	var out []provider.Ticket
	for _, t := range page.Tickets {
		if string(t.SupplierReference) == key || string(t.ThirdPartyID) == key {
			out = append(out, c.ticket(t))
		}
	}
	return out, nil
}

func (c *Client) ticket(t wireTicket) provider.Ticket {
	id := strconv.FormatInt(int64(t.ID), 10)
	return provider.Ticket{ID: id, Number: id, AccountID: strconv.FormatInt(int64(t.ClientID), 10),
		Key: string(t.SupplierReference), Summary: string(t.Summary), Closed: int64(t.StatusID) == defaultClosedStatus}
}

func idOrZero(s string) int64 {
	n, _ := strconv.ParseInt(s, 10, 64)
	return n
}

// CreateTicket posts a new ticket carrying the key in supplier_reference and
// third_party_id_string.
func (c *Client) CreateTicket(ctx context.Context, in provider.TicketCreate) (provider.Ticket, error) {
	const op = "CreateTicket"
	client, err := c.parseID(op, "client", in.AccountID)
	if err != nil {
		return provider.Ticket{}, err
	}
	rec := map[string]any{"summary": in.Summary, "details": in.Details, "client_id": client,
		"tickettype_id": idOrZero(in.Settings.Type), "supplier_reference": in.Key, "third_party_id_string": in.Key}
	if s := idOrZero(in.Settings.Status); s > 0 {
		rec["status_id"] = s
	}
	if p := idOrZero(in.Settings.Priority); p > 0 {
		rec["priority_id"] = p
	}
	resp, err := c.post(ctx, op, "api/Tickets", []any{rec}, false)
	if err != nil {
		return provider.Ticket{}, err
	}
	t, err := decodeOne[wireTicket](resp.Body)
	if err != nil || t.ID == 0 {
		return provider.Ticket{}, c.hc.Errorf(provider.KindUnknownOutcome, op, resp.StatusCode,
			"Halo accepted the ticket but its answer names no record; look it up by key")
	}
	return c.ticket(t), nil
}

// AddTicketNote posts an action hidden from the end user.
func (c *Client) AddTicketNote(ctx context.Context, ticketID, text string, _ provider.TicketSettings) error {
	const op = "AddTicketNote"
	id, err := c.parseID(op, "ticket", ticketID)
	if err != nil {
		return err
	}
	_, err = c.post(ctx, op, "api/Actions", []any{map[string]any{"ticket_id": id, "note": text, "hiddenfromuser": true}}, false)
	return err
}

// CloseTicket sets the closed status: an upsert by id, safe to resend.
func (c *Client) CloseTicket(ctx context.Context, ticketID string, s provider.TicketSettings) error {
	const op = "CloseTicket"
	id, err := c.parseID(op, "ticket", ticketID)
	if err != nil {
		return err
	}
	status, err := c.parseID(op, "closed status", s.ClosedStatus)
	if err != nil {
		return err
	}
	_, err = c.post(ctx, op, "api/Tickets", []any{map[string]any{"id": id, "status_id": status}}, true)
	return err
}
