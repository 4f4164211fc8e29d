package halopsa

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"net/url"
	"sort"
	"strconv"
	"strings"

	"github.com/accountsync/accountsync-operator/internal/provider"
)

// Billing lines are recurring-invoice lines (services-apis.md, HaloPSA): the client's enabled
// recurring invoice holds a line whose item_code is the policy's psaItem, and qty_order is its
// quantity.
//
// Of the two documented ways to change a quantity this client uses POST /api/RecurringInvoice
// [{id, lines: [every line]}]: live scripts send every line back so none is dropped (M), and it
// is an upsert by id of absolute values, safe to resend. POST /api/RecurringInvoice/updatelines
// has a known path but an undocumented body (L), so it is not used. Every line is sent back as
// it was read (all of its fields, also those this client does not know), only qty_order of the
// billed line changed; the invoice is read again just before the write so a line a person added
// in between is kept.

var _ provider.BillingLineManager = (*Client)(nil)

type wireInvoiceLine struct {
	ID         flexInt    `json:"id"`
	ItemCode   flexString `json:"item_code"`
	QtyOrder   float64    `json:"qty_order"`
	IsInactive flexBool   `json:"isinactive"`
}

type wireInvoice struct {
	ID       flexInt           `json:"id"`
	ClientID flexInt           `json:"client_id"`
	Disabled flexBool          `json:"disabled"`
	Lines    []json.RawMessage `json:"lines"`
}

type wireInvoices struct {
	Invoices []wireInvoice `json:"invoices"`
}

// invoices reads the client's recurring invoices with their lines, enabled ones only, by id.
func (c *Client) invoices(ctx context.Context, op string, clientID int64) ([]wireInvoice, error) {
	resp, err := c.get(ctx, op, "api/RecurringInvoice", url.Values{
		"client_id": {strconv.FormatInt(clientID, 10)}, "includelines": {"true"},
	})
	if err != nil {
		return nil, err
	}
	var w wireInvoices
	if err := json.Unmarshal(resp.Body, &w); err != nil {
		return nil, c.hc.Errorf(provider.KindInvalid, op, resp.StatusCode, "decode recurring invoices: %v", err)
	}
	var out []wireInvoice
	for _, inv := range w.Invoices {
		if !bool(inv.Disabled) && int64(inv.ClientID) == clientID {
			out = append(out, inv)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out, nil
}

func lineOf(raw json.RawMessage) (wireInvoiceLine, error) {
	var l wireInvoiceLine
	err := json.Unmarshal(raw, &l)
	return l, err
}

func (c *Client) billingLine(clientID int64, inv wireInvoice, l wireInvoiceLine) provider.BillingLine {
	return provider.BillingLine{
		ID: formatID(l.ID), AccountID: strconv.FormatInt(clientID, 10), ContainerID: formatID(inv.ID),
		Item: string(l.ItemCode), Quantity: int64(math.Round(l.QtyOrder)),
		Description: fmt.Sprintf("recurring invoice %d, line %d (%s)", inv.ID, l.ID, l.ItemCode),
	}
}

// FindBillingLine implements provider.BillingLineManager with one call: the client's recurring
// invoices with their lines. The first active line whose item code equals the item (case-
// insensitively) is the billing line; a missing one would be added to the first enabled invoice.
func (c *Client) FindBillingLine(ctx context.Context, q provider.BillingLineQuery) (provider.BillingLookup, error) {
	const op = "FindBillingLine"
	clientID, err := c.parseID(op, "account", q.AccountID)
	if err != nil {
		return provider.BillingLookup{}, err
	}
	invs, err := c.invoices(ctx, op, clientID)
	if err != nil {
		return provider.BillingLookup{}, err
	}
	if len(invs) == 0 {
		return provider.BillingLookup{Searched: fmt.Sprintf("an enabled recurring invoice of client %d, and found none", clientID)}, nil
	}
	ids := make([]string, 0, len(invs))
	for _, inv := range invs {
		ids = append(ids, formatID(inv.ID))
		for _, raw := range inv.Lines {
			l, err := lineOf(raw)
			if err != nil {
				return provider.BillingLookup{}, c.hc.Errorf(provider.KindInvalid, op, 0, "decode invoice %d line: %v", inv.ID, err)
			}
			if !bool(l.IsInactive) && strings.EqualFold(strings.TrimSpace(string(l.ItemCode)), q.Item) {
				line := c.billingLine(clientID, inv, l)
				return provider.BillingLookup{Line: &line, ContainerID: line.ContainerID, Container: "recurring invoice " + line.ContainerID}, nil
			}
		}
	}
	first := formatID(invs[0].ID)
	return provider.BillingLookup{ContainerID: first, Container: "recurring invoice " + first,
		Searched: fmt.Sprintf("a line with item code %q on the recurring invoices of client %d (%s)", q.Item, clientID, strings.Join(ids, ", "))}, nil
}

// invoice reads one enabled invoice of the client again, just before a write.
func (c *Client) invoice(ctx context.Context, op, accountID, invoiceID string) (int64, wireInvoice, error) {
	clientID, err := c.parseID(op, "account", accountID)
	if err != nil {
		return 0, wireInvoice{}, err
	}
	invs, err := c.invoices(ctx, op, clientID)
	if err != nil {
		return 0, wireInvoice{}, err
	}
	for _, inv := range invs {
		if formatID(inv.ID) == invoiceID {
			return clientID, inv, nil
		}
	}
	return 0, wireInvoice{}, c.hc.Errorf(provider.KindNotFound, op, 0, "client %d has no enabled recurring invoice %s", clientID, invoiceID)
}

// withQuantity returns raw with qty_order replaced, every other field kept as Halo sent it.
func withQuantity(raw json.RawMessage, quantity int64) (json.RawMessage, error) {
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(raw, &obj); err != nil {
		return nil, err
	}
	obj["qty_order"] = json.RawMessage(strconv.FormatInt(quantity, 10))
	return json.Marshal(obj)
}

// saveLines posts the invoice with the given lines and returns the saved invoice.
func (c *Client) saveLines(ctx context.Context, op string, inv wireInvoice, lines []json.RawMessage, idempotent bool) (wireInvoice, error) {
	body := []map[string]any{{"id": int64(inv.ID), "lines": lines}}
	resp, err := c.post(ctx, op, "api/RecurringInvoice", body, idempotent)
	if err != nil {
		return wireInvoice{}, err
	}
	saved, err := decodeOne[wireInvoice](resp.Body)
	if err != nil || saved.ID != inv.ID {
		kind := provider.KindInvalid
		if !idempotent {
			kind = provider.KindUnknownOutcome
		}
		return wireInvoice{}, c.hc.Errorf(kind, op, resp.StatusCode, "Halo accepted the invoice but its answer names no invoice %d", inv.ID)
	}
	return saved, nil
}

// SetBillingQuantity implements provider.BillingLineManager: the invoice is read again and
// posted back with every line, the billed one with the new qty_order.
func (c *Client) SetBillingQuantity(ctx context.Context, line provider.BillingLine, quantity int64) (provider.BillingLine, error) {
	const op = "SetBillingQuantity"
	clientID, inv, err := c.invoice(ctx, op, line.AccountID, line.ContainerID)
	if err != nil {
		return provider.BillingLine{}, err
	}
	lines := make([]json.RawMessage, len(inv.Lines))
	found := false
	for i, raw := range inv.Lines {
		lines[i] = raw
		l, err := lineOf(raw)
		if err != nil {
			return provider.BillingLine{}, c.hc.Errorf(provider.KindInvalid, op, 0, "decode invoice %d line: %v", inv.ID, err)
		}
		if formatID(l.ID) == line.ID {
			if lines[i], err = withQuantity(raw, quantity); err != nil {
				return provider.BillingLine{}, c.hc.Errorf(provider.KindInvalid, op, 0, "invoice %d line %s: %v", inv.ID, line.ID, err)
			}
			found = true
		}
	}
	if !found {
		return provider.BillingLine{}, c.hc.Errorf(provider.KindNotFound, op, 0, "recurring invoice %d no longer has line %s", inv.ID, line.ID)
	}
	saved, err := c.saveLines(ctx, op, inv, lines, true)
	if err != nil {
		return provider.BillingLine{}, err
	}
	return c.savedLine(op, clientID, saved, func(l wireInvoiceLine) bool { return formatID(l.ID) == line.ID })
}

func (c *Client) savedLine(op string, clientID int64, saved wireInvoice, want func(wireInvoiceLine) bool) (provider.BillingLine, error) {
	for _, raw := range saved.Lines {
		if l, err := lineOf(raw); err == nil && want(l) {
			return c.billingLine(clientID, saved, l), nil
		}
	}
	return provider.BillingLine{}, c.hc.Errorf(provider.KindUnknownOutcome, op, 0, "Halo saved recurring invoice %d but its answer does not show the line", saved.ID)
}

// CreateBillingLine implements provider.BillingLineManager: the invoice is posted back with
// every line plus a new one (item_code, qty_order). Not idempotent: a lost answer is
// KindUnknownOutcome, and the billing controller looks again before any second attempt.
// Assumption (docs/providers/halopsa.md): Halo resolves the item from item_code alone.
func (c *Client) CreateBillingLine(ctx context.Context, q provider.BillingLineQuery, containerID string, quantity int64) (provider.BillingLine, error) {
	const op = "CreateBillingLine"
	clientID, inv, err := c.invoice(ctx, op, q.AccountID, containerID)
	if err != nil {
		return provider.BillingLine{}, err
	}
	before := map[string]bool{}
	for _, raw := range inv.Lines {
		if l, err := lineOf(raw); err == nil {
			before[formatID(l.ID)] = true
		}
	}
	added, _ := json.Marshal(map[string]any{"item_code": q.Item, "item_shortdescription": q.Item, "qty_order": quantity})
	lines := append(append([]json.RawMessage(nil), inv.Lines...), json.RawMessage(added))
	saved, err := c.saveLines(ctx, op, inv, lines, false)
	if err != nil {
		return provider.BillingLine{}, err
	}
	return c.savedLine(op, clientID, saved, func(l wireInvoiceLine) bool {
		return !before[formatID(l.ID)] && strings.EqualFold(string(l.ItemCode), q.Item)
	})
}
