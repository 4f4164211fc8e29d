package connectwise

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/accountsync/accountsync-operator/internal/provider"
	"github.com/accountsync/accountsync-operator/internal/provider/httpx"
)

const (
	maxCompanyName = 50
	// neutralAddress fills addressLine1, which CW requires on create (an address field must be
	// present) and which the tool side has no value for.
	neutralAddress = "N/A"
	mainSiteName   = "Main"
)

// parseIDs turns string ids into CW integer ids, keeping order and dropping duplicates.
func (c *Client) parseIDs(op, what string, ids []string) ([]int, error) {
	out := make([]int, 0, len(ids))
	seen := map[int]bool{}
	for _, s := range ids {
		n, err := parseID(s)
		if err != nil {
			return nil, c.http.Errorf(provider.KindInvalid, op, 0, "%s id %q is not a ConnectWise id", what, s)
		}
		if !seen[n] {
			seen[n] = true
			out = append(out, n)
		}
	}
	return out, nil
}

func parseID(s string) (int, error) {
	n, err := strconv.Atoi(strings.TrimSpace(s))
	if err != nil || n <= 0 {
		return 0, errorString("not a positive integer")
	}
	return n, nil
}

// accountQuery builds the conditions and childConditions of a filtered listing. It reports
// empty=true when the filter can match nothing (every requested status is inactive), so no
// request is needed.
func accountQuery(f provider.AccountFilter, statusIDs, typeIDs []int, inactive map[int]bool) (url.Values, bool) {
	var conds []Cond
	if len(statusIDs) > 0 {
		keep := statusIDs
		if !f.IncludeInactive {
			keep = nil
			for _, id := range statusIDs {
				if !inactive[id] {
					keep = append(keep, id)
				}
			}
			if len(keep) == 0 {
				return nil, true
			}
		}
		conds = append(conds, In("status/id", Ints(keep)...))
	} else if !f.IncludeInactive && len(inactive) > 0 {
		ids := make([]int, 0, len(inactive))
		for id := range inactive {
			ids = append(ids, id)
		}
		slices.Sort(ids) // map order is random; a stable query is easier to debug
		conds = append(conds, NotIn("status/id", Ints(ids)...))
	}
	// Deleted companies are gone for every purpose of a listing, inactive or not.
	conds = append(conds, Eq("deletedFlag", Bool(false)))
	q := url.Values{"conditions": {And(conds...).String()}}
	if len(typeIDs) > 0 {
		q.Set("childConditions", In("types/id", Ints(typeIDs)...).String())
	}
	return q, false
}

// ListAccounts implements provider.AccountLister with server-side conditions.
func (c *Client) ListAccounts(ctx context.Context, f provider.AccountFilter) ([]provider.Account, error) {
	const op = "ListAccounts"
	statusIDs, err := c.parseIDs(op, "status", f.StatusIDs)
	if err != nil {
		return nil, err
	}
	typeIDs, err := c.parseIDs(op, "type", f.TypeIDs)
	if err != nil {
		return nil, err
	}
	inactive, err := c.inactiveStatuses(ctx, op, true)
	if err != nil {
		return nil, err
	}
	q, empty := accountQuery(f, statusIDs, typeIDs, inactive)
	if empty {
		return []provider.Account{}, nil
	}
	list, err := listAll[company](ctx, c, op, "company/companies", q)
	if err != nil {
		return nil, err
	}
	out := make([]provider.Account, len(list))
	for i, co := range list {
		out[i] = toAccount(co, inactive)
	}
	return out, nil
}

// CountAccounts implements provider.AccountCounter with GET /company/companies/count and the
// same conditions as ListAccounts, so "filtered out" can be reported without listing
// everything. Status inactivity comes from the cache when a listing just refreshed it.
func (c *Client) CountAccounts(ctx context.Context, f provider.AccountFilter) (int, error) {
	const op = "CountAccounts"
	statusIDs, err := c.parseIDs(op, "status", f.StatusIDs)
	if err != nil {
		return 0, err
	}
	typeIDs, err := c.parseIDs(op, "type", f.TypeIDs)
	if err != nil {
		return 0, err
	}
	var inactive map[int]bool
	if !f.IncludeInactive {
		if inactive, err = c.inactiveStatuses(ctx, op, false); err != nil {
			return 0, err
		}
	}
	q, empty := accountQuery(f, statusIDs, typeIDs, inactive)
	if empty {
		return 0, nil
	}
	resp, err := c.api(ctx, httpx.Request{Operation: op, Method: http.MethodGet, Path: "company/companies/count", Query: q})
	if err != nil {
		return 0, err
	}
	if resp.StatusCode != http.StatusOK {
		return 0, c.statusErr(op, resp)
	}
	n, err := decodeCount(resp.Body)
	if err != nil {
		return 0, c.decodeErr(op, err)
	}
	return n, nil
}

// FindAccountsByName implements provider.AccountFinder: `name="..."` narrows on the server with
// no status, type or deleted filter; the exact case-insensitive comparison happens here.
func (c *Client) FindAccountsByName(ctx context.Context, name string) ([]provider.Account, error) {
	const op = "FindAccountsByName"
	if strings.TrimSpace(name) == "" {
		return nil, c.http.Errorf(provider.KindInvalid, op, 0, "empty name")
	}
	q := url.Values{"conditions": {Eq("name", Str(name)).String()}}
	list, err := listAll[company](ctx, c, op, "company/companies", q)
	if err != nil {
		return nil, err
	}
	inactive, err := c.inactiveStatuses(ctx, op, false)
	if err != nil {
		return nil, err
	}
	var out []provider.Account
	for _, co := range list {
		if strings.EqualFold(co.Name, name) {
			out = append(out, toAccount(co, inactive))
		}
	}
	return out, nil
}

func toAccount(co company, inactive map[int]bool) provider.Account {
	a := provider.Account{ID: strconv.Itoa(co.ID), Name: co.Name, Inactive: co.DeletedFlag,
		Profile: provider.Profile{Website: co.Website, Phone: co.PhoneNumber, Street: co.AddressLine1, City: co.City, PostalCode: co.Zip}}
	if co.Status != nil {
		a.Status = co.Status.Name
		a.Inactive = a.Inactive || inactive[co.Status.ID]
	}
	for _, t := range co.Types {
		a.Types = append(a.Types, t.Name)
	}
	return a
}

// companyCreate is the POST body: references by id, the primary site named "Main".
type companyCreate struct {
	Identifier   string  `json:"identifier"`
	Name         string  `json:"name"`
	Status       *idRef  `json:"status,omitempty"`
	Types        []idRef `json:"types,omitempty"`
	Site         siteRef `json:"site"`
	AddressLine1 string  `json:"addressLine1"`
}

type siteRef struct {
	Name string `json:"name"`
}

// CreateAccount implements provider.AccountCreator.
func (c *Client) CreateAccount(ctx context.Context, in provider.AccountCreate) (provider.Account, error) {
	const op = "CreateAccount"
	if strings.TrimSpace(in.Name) == "" {
		return provider.Account{}, c.http.Errorf(provider.KindInvalid, op, 0, "empty name")
	}
	if n := utf8.RuneCountInString(in.Name); n > maxCompanyName {
		return provider.Account{}, c.http.Errorf(provider.KindInvalid, op, 0,
			"name %q has %d characters; ConnectWise allows %d", in.Name, n, maxCompanyName)
	}
	body := companyCreate{Name: in.Name, Site: siteRef{Name: mainSiteName}, AddressLine1: neutralAddress}
	if in.StatusID != "" {
		ids, err := c.parseIDs(op, "status", []string{in.StatusID})
		if err != nil {
			return provider.Account{}, err
		}
		body.Status = &idRef{ID: ids[0]}
	}
	if in.TypeID != "" {
		ids, err := c.parseIDs(op, "type", []string{in.TypeID})
		if err != nil {
			return provider.Account{}, err
		}
		body.Types = []idRef{{ID: ids[0]}}
	}
	for _, identifier := range identifierCandidates(in.Name) {
		body.Identifier = identifier
		resp, err := c.api(ctx, httpx.Request{Operation: op, Method: http.MethodPost, Path: "company/companies", Body: httpx.JSON(body)})
		if err != nil {
			return provider.Account{}, err
		}
		switch resp.StatusCode {
		case http.StatusCreated, http.StatusOK:
			co, err := decodeOne[company](resp.Body)
			if err != nil || co.ID == 0 {
				// The company exists but its answer is unreadable: the caller must look it up.
				return provider.Account{}, c.http.Errorf(provider.KindUnknownOutcome, op, resp.StatusCode,
					"created, but the answer could not be read")
			}
			inactive, _ := c.statuses.get()
			return toAccount(co, inactive), nil
		case http.StatusBadRequest:
			e, _ := decodeAPIError(resp.Body)
			if e.exists("name") {
				return provider.Account{}, c.http.Errorf(provider.KindNameConflict, op, resp.StatusCode,
					"a company named %q already exists", in.Name)
			}
			if e.exists("identifier") {
				continue
			}
		}
		return provider.Account{}, c.statusErr(op, resp)
	}
	return provider.Account{}, c.http.Errorf(provider.KindInvalid, op, 0,
		"no free company identifier for %q after %d attempts", in.Name, maxIdentifierAttempts)
}
