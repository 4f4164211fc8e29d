package halopsa

import (
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"strings"
)

// Recurring invoices, the HaloPSA billing lines (services-apis.md, HaloPSA):
//
//   - GET /api/RecurringInvoice?client_id=&includelines=true answers {record_count, invoices:
//     [{id, client_id, client_name, disabled, lines: [...]}]}; without includelines the lines
//     are left out. Line fields are the swagger's: id, ihid, _itemid, item_code,
//     item_shortdescription, qty_order (double), unit_price, isinactive.
//   - POST /api/RecurringInvoice [{id, lines: [...]}] updates the invoice whose id it names.
//     Choice of this simulator where Halo's behaviour is only seen in live scripts (M): the
//     posted lines REPLACE the invoice's lines: a line with a known id keeps its other fields
//     and takes the ones posted, a line without id is added with a new id, and a line that is
//     not posted is dropped. That is why a client sends every line back.
//   - POST /api/RecurringInvoice/updatelines exists in the swagger with a body that is not
//     documented (L); it is not simulated (404), so no client can come to depend on a guess.
//   - An invoice posted without a known id is refused (400): creating invoices is not modelled.
//   - Invoice ids may be negative in Halo (templates); fixtures may seed them.

// RecurringInvoice is one recurring invoice header with its lines.
type RecurringInvoice struct {
	ID         int           `json:"id" yaml:"id"`
	ClientID   int           `json:"client_id" yaml:"client_id"`
	ClientName string        `json:"client_name,omitempty" yaml:"client_name,omitempty"`
	Disabled   bool          `json:"disabled" yaml:"disabled"`
	Lines      []InvoiceLine `json:"lines" yaml:"lines"`
}

// InvoiceLine is one line of a recurring invoice.
type InvoiceLine struct {
	ID                   int     `json:"id" yaml:"id"`
	IHID                 int     `json:"ihid" yaml:"ihid"`
	ItemID               int     `json:"_itemid" yaml:"_itemid"`
	ItemCode             string  `json:"item_code" yaml:"item_code"`
	ItemShortDescription string  `json:"item_shortdescription" yaml:"item_shortdescription"`
	QtyOrder             float64 `json:"qty_order" yaml:"qty_order"`
	UnitPrice            float64 `json:"unit_price" yaml:"unit_price"`
	IsInactive           bool    `json:"isinactive" yaml:"isinactive"`
}

func (inv RecurringInvoice) clone() RecurringInvoice {
	inv.Lines = append([]InvoiceLine(nil), inv.Lines...)
	return inv
}

// billingStore is the recurring invoices behind Server.mu.
type billingStore struct {
	invoices map[int]*RecurringInvoice
}

// AddRecurringInvoice seeds an invoice; its lines without an id get new ones.
func (s *Server) AddRecurringInvoice(inv RecurringInvoice) RecurringInvoice {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.billing.invoices == nil {
		s.billing.invoices = map[int]*RecurringInvoice{}
	}
	if inv.ID == 0 {
		inv.ID = s.claimID("recurringinvoice", 0)
	}
	if c, ok := s.clients[inv.ClientID]; ok {
		inv.ClientName = c.Name
	}
	for i := range inv.Lines {
		inv.Lines[i].ID = s.claimID("invoiceline", inv.Lines[i].ID)
		inv.Lines[i].IHID = inv.ID
	}
	stored := inv.clone()
	s.billing.invoices[inv.ID] = &stored
	return stored.clone()
}

// RecurringInvoices returns every invoice with its lines, ordered by id.
func (s *Server) RecurringInvoices() []RecurringInvoice {
	s.mu.Lock()
	defer s.mu.Unlock()
	return sortedByID(s.billing.invoices, func(inv *RecurringInvoice) RecurringInvoice { return inv.clone() })
}

// serveBilling answers /api/RecurringInvoice; false means the path is not a billing path.
func (s *Server) serveBilling(w http.ResponseWriter, r *http.Request, rest string) bool {
	if rest != "recurringinvoice" {
		return false
	}
	s.Count(r.Method + " /api/RecurringInvoice")
	if !allow(w, r, http.MethodGet, http.MethodPost) {
		return true
	}
	if !s.authorized(r) {
		w.Header().Set("WWW-Authenticate", `Bearer error="invalid_token"`)
		w.WriteHeader(http.StatusUnauthorized)
		return true
	}
	if s.Inject(w, r) {
		return true
	}
	if r.Method == http.MethodGet {
		s.listRecurringInvoices(w, r)
	} else {
		s.postRecurringInvoices(w, r)
	}
	return true
}

func (s *Server) listRecurringInvoices(w http.ResponseWriter, r *http.Request) {
	params := map[string]string{}
	for k, v := range r.URL.Query() {
		if len(v) > 0 {
			params[strings.ToLower(k)] = v[0]
		}
	}
	clientID := 0
	if v, ok := params["client_id"]; ok {
		n, err := strconv.Atoi(v)
		if err != nil {
			writeMessage(w, http.StatusBadRequest, "The value '"+v+"' is not valid for client_id.")
			return
		}
		clientID = n
	}
	withLines := false
	if v, ok := params["includelines"]; ok {
		b, err := strconv.ParseBool(v)
		if err != nil {
			writeMessage(w, http.StatusBadRequest, "The value '"+v+"' is not valid for includelines.")
			return
		}
		withLines = b
	}
	s.mu.Lock()
	all := sortedByID(s.billing.invoices, func(inv *RecurringInvoice) RecurringInvoice { return inv.clone() })
	s.mu.Unlock()
	rows := []RecurringInvoice{}
	for _, inv := range all {
		if clientID != 0 && inv.ClientID != clientID {
			continue
		}
		if !withLines {
			inv.Lines = nil
		}
		rows = append(rows, inv)
	}
	writeJSON(w, http.StatusOK, map[string]any{"record_count": len(rows), "invoices": rows})
}

func (s *Server) postRecurringInvoices(w http.ResponseWriter, r *http.Request) {
	objs, ok := readUpsertBody(w, r)
	if !ok {
		return
	}
	var saved []RecurringInvoice
	created := false
	for _, f := range objs {
		inv, isNew, err := s.upsertInvoice(f)
		if err != nil {
			writeMessage(w, http.StatusBadRequest, err.Error())
			return
		}
		created = created || isNew
		saved = append(saved, inv)
	}
	if created {
		s.SlowCreate(r)
	}
	if len(saved) == 1 {
		writeJSON(w, http.StatusOK, saved[0])
		return
	}
	writeJSON(w, http.StatusOK, saved)
}

type postedLine struct {
	ID                   *int     `json:"id"`
	ItemID               *int     `json:"_itemid"`
	ItemCode             *string  `json:"item_code"`
	ItemShortDescription *string  `json:"item_shortdescription"`
	QtyOrder             *float64 `json:"qty_order"`
	UnitPrice            *float64 `json:"unit_price"`
	IsInactive           *bool    `json:"isinactive"`
}

// upsertInvoice applies one posted invoice; isNew reports a line added (a create).
func (s *Server) upsertInvoice(f fields) (RecurringInvoice, bool, error) {
	rd := &reader{f: f}
	var id int
	if !rd.int("id", &id) {
		return RecurringInvoice{}, false, fmt.Errorf("An id is required: creating recurring invoices is not supported.")
	}
	var lines []postedLine
	hasLines := rd.get("lines", &lines)
	var disabled bool
	hasDisabled := rd.get("disabled", &disabled)
	if rd.err != nil {
		return RecurringInvoice{}, false, rd.err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	cur, ok := s.billing.invoices[id]
	if !ok {
		return RecurringInvoice{}, false, fmt.Errorf("Recurring invoice %d not found.", id)
	}
	if hasDisabled {
		cur.Disabled = disabled
	}
	isNew := false
	if hasLines {
		old := map[int]InvoiceLine{}
		for _, l := range cur.Lines {
			old[l.ID] = l
		}
		next := make([]InvoiceLine, 0, len(lines))
		for _, p := range lines {
			var l InvoiceLine
			if p.ID != nil && *p.ID != 0 {
				prev, known := old[*p.ID]
				if !known {
					return RecurringInvoice{}, false, fmt.Errorf("Invoice line %d does not belong to recurring invoice %d.", *p.ID, id)
				}
				l = prev
			} else {
				if p.ItemCode == nil && p.ItemID == nil {
					return RecurringInvoice{}, false, fmt.Errorf("A new line needs item_code or _itemid.")
				}
				l = InvoiceLine{ID: s.claimID("invoiceline", 0), IHID: id}
				isNew = true
			}
			if p.ItemID != nil {
				l.ItemID = *p.ItemID
			}
			if p.ItemCode != nil {
				l.ItemCode = *p.ItemCode
			}
			if p.ItemShortDescription != nil {
				l.ItemShortDescription = *p.ItemShortDescription
			}
			if p.QtyOrder != nil {
				if *p.QtyOrder < 0 {
					return RecurringInvoice{}, false, fmt.Errorf("qty_order may not be negative.")
				}
				l.QtyOrder = *p.QtyOrder
			}
			if p.UnitPrice != nil {
				l.UnitPrice = *p.UnitPrice
			}
			if p.IsInactive != nil {
				l.IsInactive = *p.IsInactive
			}
			next = append(next, l)
		}
		sort.SliceStable(next, func(i, j int) bool { return next[i].ID < next[j].ID })
		cur.Lines = next
	}
	return cur.clone(), isNew, nil
}
