package connectwise

import (
	"net/http"
	"net/url"
	"testing"
)

func billingSim(t *testing.T) *simClient {
	f := DefaultFixture()
	f.Agreements = []Agreement{{ID: 17, Name: "Acme MSA", Company: &Ref{ID: 250}, Type: &Ref{ID: 3, Name: "Managed Services"}},
		{ID: 18, Name: "Acme old", Company: &Ref{ID: 250}, AgreementStatus: "Cancelled"}}
	f.Additions = []Addition{{ID: 301, AgreementID: 17, Product: &Ref{Identifier: "AV-SEAT"}, Quantity: 40},
		{ID: 302, AgreementID: 17, Product: &Ref{Identifier: "BACKUP"}, Quantity: 3}}
	return newSimClient(t, f)
}

func TestAgreementsAndAdditionsWire(t *testing.T) {
	c := billingSim(t)
	var agrs []Agreement
	q := url.Values{"conditions": {`company/id=250 and agreementStatus="Active" and type/name="Managed Services"`}}
	if resp := c.do("GET", "finance/agreements?"+q.Encode(), nil, &agrs); resp.StatusCode != 200 || len(agrs) != 1 || agrs[0].ID != 17 ||
		agrs[0].Company.Name != "Acme Corp" {
		t.Fatalf("agreements %d %+v", resp.StatusCode, agrs)
	}
	var adds []Addition
	q = url.Values{"conditions": {`product/identifier="AV-SEAT"`}}
	if resp := c.do("GET", "finance/agreements/17/additions?"+q.Encode(), nil, &adds); resp.StatusCode != 200 || len(adds) != 1 ||
		adds[0].ID != 301 || adds[0].Quantity != 40 || adds[0].Product.ID == 0 || adds[0].BillCustomer != "Billable" {
		t.Fatalf("additions %d %+v", resp.StatusCode, adds)
	}
	if resp := c.do("GET", "finance/agreements/99/additions", nil, nil); resp.StatusCode != http.StatusNotFound {
		t.Fatalf("unknown agreement: %d", resp.StatusCode)
	}

	// JSON Patch of the quantity, with or without a leading slash; other fields are untouched.
	var patched Addition
	if resp := c.do("PATCH", "finance/agreements/17/additions/301", []map[string]any{{"op": "replace", "path": "quantity", "value": 42}}, &patched); resp.StatusCode != 200 || patched.Quantity != 42 || patched.Product.Identifier != "AV-SEAT" {
		t.Fatalf("patch %d %+v", resp.StatusCode, patched)
	}
	if resp := c.do("PATCH", "finance/agreements/17/additions/301", []map[string]any{{"op": "replace", "path": "/quantity", "value": 43}}, &patched); resp.StatusCode != 200 || patched.Quantity != 43 {
		t.Fatalf("patch with a slash %d %+v", resp.StatusCode, patched)
	}
	for name, ops := range map[string][]map[string]any{
		"nested path":       {{"op": "replace", "path": "product/identifier", "value": "X"}},
		"read-only product": {{"op": "replace", "path": "product", "value": map[string]any{"identifier": "X"}}},
		"negative quantity": {{"op": "replace", "path": "quantity", "value": -1}},
		"bad billCustomer":  {{"op": "replace", "path": "billCustomer", "value": "Sometimes"}},
		"unknown op":        {{"op": "move", "path": "quantity", "value": 1}},
	} {
		if resp := c.do("PATCH", "finance/agreements/17/additions/301", ops, nil); resp.StatusCode != http.StatusBadRequest {
			t.Errorf("%s: %d, want 400", name, resp.StatusCode)
		}
	}
	if resp := c.do("PATCH", "finance/agreements/18/additions/301", []map[string]any{{"op": "replace", "path": "quantity", "value": 1}}, nil); resp.StatusCode != http.StatusNotFound {
		t.Fatalf("addition under another agreement: %d", resp.StatusCode)
	}

	// A create needs a product and billCustomer.
	var apiErr APIError
	if resp := c.do("POST", "finance/agreements/17/additions", map[string]any{"product": map[string]any{"identifier": "EDR"}, "quantity": 2}, &apiErr); resp.StatusCode != http.StatusBadRequest || len(apiErr.Errors) != 1 || apiErr.Errors[0].Field != "billCustomer" {
		t.Fatalf("create without billCustomer: %d %+v", resp.StatusCode, apiErr)
	}
	var created Addition
	if resp := c.do("POST", "finance/agreements/17/additions", map[string]any{"product": map[string]any{"identifier": "EDR"}, "quantity": 2, "billCustomer": "Billable"}, &created); resp.StatusCode != http.StatusCreated || created.ID == 0 || created.AgreementID != 17 || created.Quantity != 2 || created.EffectiveDate == "" {
		t.Fatalf("create %d %+v", resp.StatusCode, created)
	}
	if n := len(c.sim.Additions()); n != 3 {
		t.Fatalf("%d additions", n)
	}
}
