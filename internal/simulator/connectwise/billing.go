package connectwise

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Agreements and their additions: the recurring billing lines (services-apis.md, ConnectWise).
//
//   - GET finance/agreements (conditions such as company/id=250 and agreementStatus="Active" and
//     type/name="Managed Services") lists agreements like any CW list.
//   - GET finance/agreements/{id}/additions (conditions such as product/identifier="AV-SEAT")
//     lists one agreement's additions; an unknown agreement is a 404.
//   - PATCH finance/agreements/{id}/additions/{id} takes a JSON-patch array on top-level fields
//     (quantity, billCustomer, ...), with or without a leading slash, and answers the addition.
//   - POST finance/agreements/{id}/additions needs product {id or identifier} and billCustomer
//     (Billable, DoNotBill or NoCharge); quantity defaults to 0 and effectiveDate to the clock.
//     This simulator's choice: any product identifier is accepted (the catalog is not modelled),
//     and its product id is derived from the identifier so the same product always has one id.

// Agreement is an agreement record (the fields a billing sync reads).
type Agreement struct {
	ID              int    `json:"id" yaml:"id"`
	Name            string `json:"name" yaml:"name"`
	Type            *Ref   `json:"type,omitempty" yaml:"type,omitempty"`
	Company         *Ref   `json:"company,omitempty" yaml:"company,omitempty"`
	AgreementStatus string `json:"agreementStatus,omitempty" yaml:"agreementStatus,omitempty"`
	Info            Info   `json:"_info,omitempty" yaml:"_info,omitempty"`
}

// Addition is an agreement addition: a product billed on the agreement.
type Addition struct {
	ID            int     `json:"id" yaml:"id"`
	Product       *Ref    `json:"product,omitempty" yaml:"product,omitempty"`
	Quantity      float64 `json:"quantity" yaml:"quantity"`
	LessIncluded  float64 `json:"lessIncluded" yaml:"lessIncluded"`
	UnitPrice     float64 `json:"unitPrice" yaml:"unitPrice"`
	BillCustomer  string  `json:"billCustomer,omitempty" yaml:"billCustomer,omitempty"`
	EffectiveDate string  `json:"effectiveDate,omitempty" yaml:"effectiveDate,omitempty"`
	CancelledDate string  `json:"cancelledDate,omitempty" yaml:"cancelledDate,omitempty"`
	AgreementID   int     `json:"agreementId" yaml:"agreementId"`
	Info          Info    `json:"_info,omitempty" yaml:"_info,omitempty"`
}

func (a Agreement) clone() Agreement {
	a.Info = cloneInfo(a.Info)
	if a.Type != nil {
		t := *a.Type
		a.Type = &t
	}
	if a.Company != nil {
		c := *a.Company
		a.Company = &c
	}
	return a
}

func (a Addition) clone() Addition {
	a.Info = cloneInfo(a.Info)
	if a.Product != nil {
		p := *a.Product
		a.Product = &p
	}
	return a
}

// billingState is the agreements and additions behind Server.mu.
type billingState struct {
	agreements []*Agreement
	additions  []*Addition
	products   map[string]int // folded identifier -> product id
}

func init() {
	routes = append(routes,
		route{"GET", "finance/agreements", (*Server).listAgreements},
		route{"GET", "finance/agreements/{id}/additions", (*Server).listAdditions},
		route{"POST", "finance/agreements/{id}/additions", (*Server).createAddition},
		route{"PATCH", "finance/agreements/{id}/additions/{id}", (*Server).patchAddition},
	)
}

var billCustomerValues = map[string]bool{"Billable": true, "DoNotBill": true, "NoCharge": true}

func (st *state) productID(identifier string) int {
	if st.billing.products == nil {
		st.billing.products = map[string]int{}
	}
	key := strings.ToLower(identifier)
	if id, ok := st.billing.products[key]; ok {
		return id
	}
	id := st.newID("product", 0)
	st.billing.products[key] = id
	return id
}

func (st *state) addAgreement(a Agreement) (Agreement, error) {
	if a.Company == nil {
		return Agreement{}, fmt.Errorf("agreement %q has no company", a.Name)
	}
	c, ok := st.byID[a.Company.ID]
	if !ok {
		return Agreement{}, fmt.Errorf("agreement %q: company %d does not exist", a.Name, a.Company.ID)
	}
	a.Company = &Ref{ID: c.ID, Identifier: c.Identifier, Name: c.Name}
	if a.AgreementStatus == "" {
		a.AgreementStatus = "Active"
	}
	a.ID = st.newID("agreement", a.ID)
	a.Info = st.stamp(nil)
	st.billing.agreements = append(st.billing.agreements, &a)
	return a.clone(), nil
}

func (st *state) agreement(id int) *Agreement {
	for _, a := range st.billing.agreements {
		if a.ID == id {
			return a
		}
	}
	return nil
}

func (st *state) addAddition(a Addition) (Addition, error) {
	if st.agreement(a.AgreementID) == nil {
		return Addition{}, fmt.Errorf("addition: agreement %d does not exist", a.AgreementID)
	}
	if a.Product == nil || strings.TrimSpace(a.Product.Identifier) == "" {
		return Addition{}, fmt.Errorf("addition of agreement %d has no product identifier", a.AgreementID)
	}
	a.Product = &Ref{ID: st.productID(a.Product.Identifier), Identifier: a.Product.Identifier}
	if a.BillCustomer == "" {
		a.BillCustomer = "Billable"
	}
	if a.EffectiveDate == "" {
		a.EffectiveDate = st.clock.Format(time.RFC3339)
	}
	a.ID = st.newID("addition", a.ID)
	a.Info = st.stamp(nil)
	st.billing.additions = append(st.billing.additions, &a)
	return a.clone(), nil
}

func (s *Server) listAgreements(w http.ResponseWriter, r *http.Request, _ int) {
	serveList(s, w, r, func(st *state) []*Agreement { return st.billing.agreements }, Agreement.clone)
}

// agreementID is the first {id} of a finance/agreements/{id}/additions path.
func agreementID(r *http.Request) int {
	_, rest, _ := strings.Cut(strings.ToLower(r.URL.Path), "/finance/agreements/")
	n, _ := strconv.Atoi(strings.SplitN(rest, "/", 2)[0])
	return n
}

func (s *Server) knownAgreement(w http.ResponseWriter, id int) bool {
	s.mu.Lock()
	ok := s.state.agreement(id) != nil
	s.mu.Unlock()
	if !ok {
		writeError(w, http.StatusNotFound, "NotFound", fmt.Sprintf("Agreement recId %d not found.", id))
	}
	return ok
}

func (s *Server) listAdditions(w http.ResponseWriter, r *http.Request, _ int) {
	agrID := agreementID(r)
	if !s.knownAgreement(w, agrID) {
		return
	}
	serveList(s, w, r, func(st *state) []*Addition {
		var out []*Addition
		for _, a := range st.billing.additions {
			if a.AgreementID == agrID {
				out = append(out, a)
			}
		}
		return out
	}, Addition.clone)
}

func (s *Server) createAddition(w http.ResponseWriter, r *http.Request, _ int) {
	agrID := agreementID(r)
	if !s.knownAgreement(w, agrID) {
		return
	}
	var in Addition
	if !decodeBody(w, r, &in) {
		return
	}
	var errs []FieldError
	if in.Product == nil || (in.Product.ID == 0 && strings.TrimSpace(in.Product.Identifier) == "") {
		errs = append(errs, FieldError{Code: "NullValue", Field: "product", Message: "product is required."})
	}
	if !billCustomerValues[in.BillCustomer] {
		errs = append(errs, FieldError{Code: "NullValue", Field: "billCustomer", Message: "billCustomer must be Billable, DoNotBill or NoCharge."})
	}
	if in.Quantity < 0 {
		errs = append(errs, FieldError{Code: "OutOfRange", Field: "quantity", Message: "quantity may not be negative."})
	}
	if len(errs) > 0 {
		writeInvalid(w, "agreementAddition", errs)
		return
	}
	s.mu.Lock()
	if in.Product.Identifier == "" {
		for ident, id := range s.state.billing.products {
			if id == in.Product.ID {
				in.Product.Identifier = ident
			}
		}
	}
	in.ID, in.Info, in.AgreementID = 0, nil, agrID
	out, err := s.state.addAddition(in)
	s.mu.Unlock()
	if err != nil {
		writeInvalid(w, "agreementAddition", []FieldError{{Code: "InvalidObject", Field: "product", Message: err.Error()}})
		return
	}
	s.SlowCreate(r)
	writeJSON(w, http.StatusCreated, out)
}

// patchAddition applies a JSON-patch array to one addition of one agreement.
func (s *Server) patchAddition(w http.ResponseWriter, r *http.Request, id int) {
	agrID := agreementID(r)
	var ops []PatchOp
	if !decodeBody(w, r, &ops) {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var cur *Addition
	for _, a := range s.state.billing.additions {
		if a.ID == id && a.AgreementID == agrID {
			cur = a
		}
	}
	if cur == nil {
		writeError(w, http.StatusNotFound, "NotFound", fmt.Sprintf("Addition recId %d of agreement %d not found.", id, agrID))
		return
	}
	raw, _ := json.Marshal(cur)
	var doc map[string]json.RawMessage
	_ = json.Unmarshal(raw, &doc)
	fields := jsonFieldNames(Addition{})
	for _, op := range ops {
		path := strings.TrimPrefix(op.Path, "/")
		if strings.Contains(path, "/") || !fields[path] {
			writeInvalid(w, "agreementAddition", []FieldError{{Code: "InvalidPath", Field: op.Path, Message: fmt.Sprintf("%q is not a field of agreementAddition.", op.Path)}})
			return
		}
		if path == "id" || path == "_info" || path == "agreementId" || path == "product" {
			writeInvalid(w, "agreementAddition", []FieldError{{Code: "ReadOnly", Field: path, Message: path + " is read only."}})
			return
		}
		if op.Op != "replace" && op.Op != "add" {
			writeInvalid(w, "agreementAddition", []FieldError{{Code: "InvalidOperation", Field: path, Message: fmt.Sprintf("op %q is not add or replace.", op.Op)}})
			return
		}
		if op.Value == nil {
			writeInvalid(w, "agreementAddition", []FieldError{{Code: "NullValue", Field: path, Message: "value is required for " + op.Op + "."}})
			return
		}
		doc[path] = op.Value
	}
	raw, _ = json.Marshal(doc)
	var next Addition
	if err := json.Unmarshal(raw, &next); err != nil {
		writeError(w, http.StatusBadRequest, "InvalidObject", "The patched agreementAddition is not valid: "+err.Error())
		return
	}
	if next.Quantity < 0 || !billCustomerValues[next.BillCustomer] {
		writeInvalid(w, "agreementAddition", []FieldError{{Code: "OutOfRange", Field: "quantity", Message: "quantity may not be negative and billCustomer must be Billable, DoNotBill or NoCharge."}})
		return
	}
	next.ID, next.AgreementID, next.Product = cur.ID, cur.AgreementID, cur.Product
	next.Info = s.state.stamp(cur.Info)
	*cur = next
	writeJSON(w, http.StatusOK, cur.clone())
}

// AddAgreement seeds an agreement (ID 0 takes the next free id; status defaults to Active).
func (s *Server) AddAgreement(a Agreement) (Agreement, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.state.addAgreement(a)
}

// AddAddition seeds an addition of an existing agreement.
func (s *Server) AddAddition(a Addition) (Addition, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.state.addAddition(a)
}

// Additions returns a copy of every addition in creation order.
func (s *Server) Additions() []Addition {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Addition, len(s.state.billing.additions))
	for i, a := range s.state.billing.additions {
		out[i] = a.clone()
	}
	return out
}

func (st *state) seedBilling(f Fixture) error {
	for _, a := range f.Agreements {
		if _, err := st.addAgreement(a); err != nil {
			return err
		}
	}
	for _, a := range f.Additions {
		if _, err := st.addAddition(a); err != nil {
			return err
		}
	}
	return nil
}
