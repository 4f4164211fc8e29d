package connectwise

import (
	"context"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/accountsync/accountsync-operator/internal/provider"
	"github.com/accountsync/accountsync-operator/internal/provider/httpx"
)

// Billing lines are agreement additions (services-apis.md, ConnectWise, H): the company's active
// agreement (optionally of one type) holds an addition whose product identifier is the policy's
// psaItem; its quantity is set with a JSON Patch.

var _ provider.BillingLineManager = (*Client)(nil)

type agreement struct {
	ID   int    `json:"id"`
	Name string `json:"name"`
	Type *ref   `json:"type"`
}

type addition struct {
	ID            int     `json:"id"`
	Product       *ref    `json:"product"`
	Quantity      float64 `json:"quantity"`
	BillCustomer  string  `json:"billCustomer"`
	EffectiveDate string  `json:"effectiveDate"`
	CancelledDate string  `json:"cancelledDate"`
	AgreementID   int     `json:"agreementId"`
}

// productRef names a catalog item by its identifier alone.
type productRef struct {
	Identifier string `json:"identifier"`
}

type additionCreate struct {
	Product       productRef `json:"product"`
	Quantity      float64    `json:"quantity"`
	BillCustomer  string     `json:"billCustomer"`
	EffectiveDate string     `json:"effectiveDate"`
}

func (c *Client) activeAgreements(ctx context.Context, op string, companyID int, agreementType string) ([]agreement, error) {
	cond := []Cond{Eq("company/id", Int(companyID)), Eq("agreementStatus", Str("Active"))}
	if agreementType != "" {
		cond = append(cond, Eq("type/name", Str(agreementType)))
	}
	list, err := listAll[agreement](ctx, c, op, "finance/agreements", url.Values{"conditions": {And(cond...).String()}})
	if err != nil {
		return nil, err
	}
	sort.Slice(list, func(i, j int) bool { return list[i].ID < list[j].ID })
	return list, nil
}

func additionsPath(agreementID int) string {
	return "finance/agreements/" + strconv.Itoa(agreementID) + "/additions"
}

// cancelled reports an addition whose cancelledDate has passed: it no longer bills.
func (a addition) cancelled(now time.Time) bool {
	if a.CancelledDate == "" {
		return false
	}
	t, err := time.Parse(time.RFC3339, a.CancelledDate)
	return err != nil || !t.After(now)
}

func (a addition) line(companyID string, agreementID int) provider.BillingLine {
	item := ""
	if a.Product != nil {
		item = a.Product.Identifier
	}
	return provider.BillingLine{
		ID: strconv.Itoa(a.ID), AccountID: companyID, ContainerID: strconv.Itoa(agreementID), Item: item,
		Quantity:    int64(math.Round(a.Quantity)),
		Description: fmt.Sprintf("agreement %d, addition %d (%s)", agreementID, a.ID, item),
	}
}

// FindBillingLine implements provider.BillingLineManager: one listing of the company's active
// agreements, then the additions of each (ascending id) with the product identifier, until one
// holds a line that is not cancelled. A missing line would be added to the first agreement.
func (c *Client) FindBillingLine(ctx context.Context, q provider.BillingLineQuery) (provider.BillingLookup, error) {
	const op = "FindBillingLine"
	companyID, err := c.accountID(op, q.AccountID)
	if err != nil {
		return provider.BillingLookup{}, err
	}
	agreements, err := c.activeAgreements(ctx, op, companyID, q.AgreementType)
	if err != nil {
		return provider.BillingLookup{}, err
	}
	kind := "an active agreement"
	if q.AgreementType != "" {
		kind = fmt.Sprintf("an active agreement of type %q", q.AgreementType)
	}
	if len(agreements) == 0 {
		return provider.BillingLookup{Searched: fmt.Sprintf("%s of company %d, and found none", kind, companyID)}, nil
	}
	now := time.Now()
	ids := make([]string, 0, len(agreements))
	for _, agr := range agreements {
		ids = append(ids, strconv.Itoa(agr.ID))
		adds, err := listAll[addition](ctx, c, op, additionsPath(agr.ID),
			url.Values{"conditions": {Eq("product/identifier", Str(q.Item)).String()}})
		if err != nil {
			return provider.BillingLookup{}, err
		}
		for _, a := range adds {
			if !a.cancelled(now) {
				l := a.line(strconv.Itoa(companyID), agr.ID)
				return provider.BillingLookup{Line: &l, ContainerID: l.ContainerID, Container: "agreement " + l.ContainerID}, nil
			}
		}
	}
	first := strconv.Itoa(agreements[0].ID)
	return provider.BillingLookup{ContainerID: first, Container: "agreement " + first,
		Searched: fmt.Sprintf("an addition with product identifier %q on %s of company %d (agreements %s)",
			q.Item, kind, companyID, strings.Join(ids, ", "))}, nil
}

// SetBillingQuantity implements provider.BillingLineManager with a JSON Patch of the absolute
// quantity (path without a leading slash, as CW takes it), which is safe to resend.
func (c *Client) SetBillingQuantity(ctx context.Context, line provider.BillingLine, quantity int64) (provider.BillingLine, error) {
	const op = "SetBillingQuantity"
	agrID, err1 := parseID(line.ContainerID)
	addID, err2 := parseID(line.ID)
	if err1 != nil || err2 != nil {
		return provider.BillingLine{}, c.http.Errorf(provider.KindInvalid, op, 0, "line %q of agreement %q is not a ConnectWise addition", line.ID, line.ContainerID)
	}
	resp, err := c.api(ctx, httpx.Request{
		Operation: op, Method: http.MethodPatch, Idempotent: true,
		Path: additionsPath(agrID) + "/" + strconv.Itoa(addID),
		Body: httpx.JSON([]patchOp{{"replace", "quantity", quantity}}),
	})
	if err != nil {
		return provider.BillingLine{}, err
	}
	if resp.StatusCode != http.StatusOK {
		return provider.BillingLine{}, c.statusErr(op, resp)
	}
	a, err := decodeOne[addition](resp.Body)
	if err != nil || a.ID == 0 {
		return provider.BillingLine{}, c.decodeErr(op, fmt.Errorf("no addition in the answer: %w", err))
	}
	return a.line(line.AccountID, agrID), nil
}

// CreateBillingLine implements provider.BillingLineManager: a new addition, billed to the
// customer, effective today. It is not idempotent: a lost answer is KindUnknownOutcome.
func (c *Client) CreateBillingLine(ctx context.Context, q provider.BillingLineQuery, containerID string, quantity int64) (provider.BillingLine, error) {
	const op = "CreateBillingLine"
	agrID, err := parseID(containerID)
	if err != nil {
		return provider.BillingLine{}, c.http.Errorf(provider.KindInvalid, op, 0, "agreement id %q is not a ConnectWise agreement id", containerID)
	}
	body := additionCreate{
		Product: productRef{Identifier: q.Item}, Quantity: float64(quantity), BillCustomer: "Billable",
		EffectiveDate: time.Now().UTC().Truncate(24 * time.Hour).Format(time.RFC3339),
	}
	resp, err := c.api(ctx, httpx.Request{Operation: op, Method: http.MethodPost, Path: additionsPath(agrID), Body: httpx.JSON(body)})
	if err != nil {
		return provider.BillingLine{}, err
	}
	switch resp.StatusCode {
	case http.StatusCreated, http.StatusOK:
		a, err := decodeOne[addition](resp.Body)
		if err != nil || a.ID == 0 {
			return provider.BillingLine{}, c.http.Errorf(provider.KindUnknownOutcome, op, resp.StatusCode, "created, but the answer could not be read")
		}
		return a.line(q.AccountID, agrID), nil
	}
	return provider.BillingLine{}, c.statusErr(op, resp)
}
