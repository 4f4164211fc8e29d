package halopsa

import (
	"net/http"
	"testing"
)

func TestRecurringInvoiceWire(t *testing.T) {
	f := testFixture()
	f.RecurringInvoices = []RecurringInvoice{
		{ID: -4, ClientID: 10, Lines: []InvoiceLine{{ID: 40, ItemCode: "AV-SEAT", QtyOrder: 5, UnitPrice: 3}, {ID: 41, ItemCode: "SUPPORT", QtyOrder: 1}}},
		{ID: 5, ClientID: 11, Lines: []InvoiceLine{{ID: 50, ItemCode: "AV-SEAT", QtyOrder: 2}}},
	}
	s := New(f)
	tok := token(t, s)
	type list struct {
		RecordCount int                `json:"record_count"`
		Invoices    []RecurringInvoice `json:"invoices"`
	}
	var got list
	if resp := call(t, s, "GET", "/api/RecurringInvoice?client_id=10&includelines=true", tok, "", "", &got); resp.StatusCode != 200 ||
		got.RecordCount != 1 || got.Invoices[0].ID != -4 || len(got.Invoices[0].Lines) != 2 || got.Invoices[0].Lines[0].IHID != -4 ||
		got.Invoices[0].ClientName != "Acme" {
		t.Fatalf("list %d %+v", resp.StatusCode, got)
	}
	got = list{}
	call(t, s, "GET", "/api/recurringinvoice?CLIENT_ID=10", tok, "", "", &got)
	if got.Invoices[0].Lines != nil {
		t.Fatalf("lines without includelines: %+v", got.Invoices[0].Lines)
	}
	if resp := call(t, s, "GET", "/api/RecurringInvoice?client_id=10", "", "", "", nil); resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("no token: %d", resp.StatusCode)
	}
	if resp := call(t, s, "GET", "/api/RecurringInvoice?includelines=maybe", tok, "", "", nil); resp.StatusCode != http.StatusBadRequest {
		t.Fatalf("bad includelines: %d", resp.StatusCode)
	}

	// Posted lines replace the invoice's lines: a line left out is dropped, a known id keeps
	// the fields it does not carry, a line without id is added.
	var saved RecurringInvoice
	body := `[{"id":-4,"lines":[{"id":40,"qty_order":12},{"item_code":"EDR","qty_order":3}]}]`
	if resp := call(t, s, "POST", "/api/RecurringInvoice", tok, "application/json", body, &saved); resp.StatusCode != 200 {
		t.Fatalf("post %d", resp.StatusCode)
	}
	if len(saved.Lines) != 2 || saved.Lines[0].ID != 40 || saved.Lines[0].QtyOrder != 12 || saved.Lines[0].UnitPrice != 3 ||
		saved.Lines[0].ItemCode != "AV-SEAT" || saved.Lines[1].ItemCode != "EDR" || saved.Lines[1].ID == 0 {
		t.Fatalf("saved %+v", saved.Lines)
	}
	for name, body := range map[string]string{
		"no id":               `[{"lines":[]}]`,
		"unknown invoice":     `[{"id":77,"lines":[]}]`,
		"foreign line":        `[{"id":-4,"lines":[{"id":50,"qty_order":1}]}]`,
		"new line, no item":   `[{"id":-4,"lines":[{"qty_order":1}]}]`,
		"negative quantity":   `[{"id":-4,"lines":[{"id":40,"qty_order":-1}]}]`,
		"not an array":        `{"id":-4}`,
		"quantity not number": `[{"id":-4,"lines":[{"id":40,"qty_order":"many"}]}]`,
	} {
		if resp := call(t, s, "POST", "/api/RecurringInvoice", tok, "application/json", body, nil); resp.StatusCode != http.StatusBadRequest {
			t.Errorf("%s: %d, want 400", name, resp.StatusCode)
		}
	}
	if resp := call(t, s, "POST", "/api/RecurringInvoice", tok, "text/plain", `[]`, nil); resp.StatusCode != http.StatusUnsupportedMediaType {
		t.Fatalf("text body: %d", resp.StatusCode)
	}
	if resp := call(t, s, "POST", "/api/RecurringInvoice/updatelines", tok, "application/json", `[{"id":40,"ihid":-4,"qty_order":1}]`, nil); resp.StatusCode != http.StatusNotFound {
		t.Fatalf("updatelines is not simulated: %d", resp.StatusCode)
	}
}
