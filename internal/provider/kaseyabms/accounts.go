package kaseyabms

import (
	"context"
	"fmt"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/accountsync/accountsync-operator/internal/provider"
	"github.com/accountsync/accountsync-operator/internal/provider/httpx"
)

const (
	accountsSummaryPath = "v2/crm/accounts/summary"
	accountsLookupPath  = "v2/crm/accounts/lookup"
	accountsPath        = "v2/crm/accounts"
	accountTypesPath    = "v2/system/accounttypes/lookup"
	employeesPath       = "v2/hr/employees/searchselect"
)

// maxAccountCode is the length of the AccountCode the client derives from a name.
const maxAccountCode = 20

// mainLocationName names the main location sent inline with a new account; v2 creates an
// account's locations only inside the account create.
const mainLocationName = "Main"

// ErrNoStatuses explains why a status filter cannot work on BMS.
const noStatuses = "Kaseya BMS accounts have no status (only active or inactive); filter with spec.psa.filter.types and includeInactive"

// ListAccounts lists accounts through GET /v2/crm/accounts/summary. Filter.AccountTypeId takes
// one value, so several types are one listing each, merged; Filter.IsActive=true leaves out
// inactive accounts unless they are wanted.
func (c *Client) ListAccounts(ctx context.Context, f provider.AccountFilter) ([]provider.Account, error) {
	const op = "ListAccounts"
	if len(f.StatusIDs) > 0 {
		return nil, provider.Errorf(provider.KindUnsupported, op, "%s", noStatuses)
	}
	base := url.Values{}
	if !f.IncludeInactive {
		base.Set("Filter.IsActive", "true")
	}
	if len(f.TypeIDs) == 0 {
		return listAll(ctx, c, op, accountsSummaryPath, base, decodeAccount)
	}
	var out []provider.Account
	seen := map[string]bool{}
	for _, t := range f.TypeIDs {
		id, err := parseID(op, "TypeID", t)
		if err != nil {
			return nil, err
		}
		q := url.Values{"Filter.AccountTypeId": {strconv.FormatInt(id, 10)}}
		for k, v := range base {
			q[k] = v
		}
		page, err := listAll(ctx, c, op, accountsSummaryPath, q, decodeAccount)
		if err != nil {
			return nil, err
		}
		for _, a := range page {
			if !seen[a.ID] {
				seen[a.ID] = true
				out = append(out, a)
			}
		}
	}
	return out, nil
}

// FindAccountsByName returns every account named name (case-insensitive, surrounding blanks
// ignored), active or not, through GET /v2/crm/accounts/lookup?Filter.Name=&
// Filter.WithInactiveAccounts=true. The server's name filter may match more than the exact
// name, so the result is compared here.
func (c *Client) FindAccountsByName(ctx context.Context, name string) ([]provider.Account, error) {
	const op = "FindAccountsByName"
	name = strings.TrimSpace(name)
	if name == "" {
		return nil, provider.Errorf(provider.KindInvalid, op, "empty account name")
	}
	q := url.Values{"Filter.Name": {name}, "Filter.WithInactiveAccounts": {"true"}}
	all, err := listAll(ctx, c, op, accountsLookupPath, q, decodeAccount)
	if err != nil {
		return nil, err
	}
	var out []provider.Account
	for _, a := range all {
		if strings.EqualFold(strings.TrimSpace(a.Name), name) {
			out = append(out, a)
		}
	}
	return out, nil
}

// ListAccountStatuses reports that BMS has none: /v2/system/statuses/lookup lists ticket
// statuses, and an account carries only IsActive.
func (c *Client) ListAccountStatuses(context.Context) ([]provider.NamedRef, error) {
	return nil, provider.Errorf(provider.KindUnsupported, "ListAccountStatuses", "%s", noStatuses)
}

// ListAccountTypes reads GET /v2/system/accounttypes/lookup.
func (c *Client) ListAccountTypes(ctx context.Context) ([]provider.NamedRef, error) {
	return getList(ctx, c, "ListAccountTypes", accountTypesPath, nil, decodeRef)
}

// accountBody is AccountPostInputDto with the fields this client sets.
type accountBody struct {
	AccountName      string         `json:"AccountName"`
	AccountCode      string         `json:"AccountCode,omitempty"`
	AccountTypeID    int64          `json:"AccountTypeId"`
	BusinessTypeID   int64          `json:"BusinessTypeId"`
	AccountManagerID int64          `json:"AccountManagerId"`
	Locations        []locationBody `json:"Locations"`
}

// locationBody is AccountLocationInputDto; Addresses is required, and the sync knows no postal
// address, so the main location gets one empty main address.
type locationBody struct {
	LocationName string        `json:"LocationName"`
	IsMain       bool          `json:"IsMain"`
	IsActive     bool          `json:"IsActive"`
	Addresses    []addressBody `json:"Addresses"`
}

type addressBody struct {
	IsMain bool `json:"IsMain"`
}

// CreateAccount posts AccountPostInputDto to /v2/crm/accounts with what v2 requires: the type,
// business type and account manager (ids from ResolveCreateSettings) and the main location
// inline. A duplicate name is KindNameConflict; a create whose answer is lost is
// KindUnknownOutcome and must be followed by a look-up, never a blind retry.
func (c *Client) CreateAccount(ctx context.Context, in provider.AccountCreate) (provider.Account, error) {
	const op = "CreateAccount"
	name := strings.TrimSpace(in.Name)
	if name == "" {
		return provider.Account{}, provider.Errorf(provider.KindInvalid, op, "empty account name")
	}
	if in.StatusID != "" {
		return provider.Account{}, provider.Errorf(provider.KindUnsupported, op, "%s", noStatuses)
	}
	body := accountBody{AccountName: name, AccountCode: accountCode(name),
		Locations: []locationBody{{LocationName: mainLocationName, IsMain: true, IsActive: true, Addresses: []addressBody{{IsMain: true}}}}}
	for _, f := range []struct {
		field, value string
		dst          *int64
	}{
		{"account type (the first of spec.psa.filter.types)", in.TypeID, &body.AccountTypeID},
		{"business type (spec.creation.kaseyaBMS.businessType)", in.BusinessTypeID, &body.BusinessTypeID},
		{"account manager (spec.creation.kaseyaBMS.accountManager)", in.ManagerID, &body.AccountManagerID},
	} {
		if strings.TrimSpace(f.value) == "" {
			return provider.Account{}, provider.Errorf(provider.KindInvalid, op, "Kaseya BMS needs an %s to create an account", f.field)
		}
		n, err := parseID(op, f.field, f.value)
		if err != nil {
			return provider.Account{}, err
		}
		*f.dst = n
	}
	env, status, err := c.create(ctx, op, accountsPath, httpx.JSON(body))
	if err != nil {
		return provider.Account{}, err
	}
	acct, err := createdResult(env, decodeAccount, func(id string) provider.Account {
		return provider.Account{ID: id, Name: name}
	})
	if err != nil {
		return provider.Account{}, c.hc.Errorf(provider.KindUnknownOutcome, op, status, "%v", err)
	}
	return acct, nil
}

// accountCode derives the AccountCode BMS shows next to the name: the name's letters and
// digits, upper-cased, at most maxAccountCode long. A name without any gives no code (the
// field is optional in AccountPostInputDto).
func accountCode(name string) string {
	var b strings.Builder
	n := 0
	for _, r := range name {
		if n == maxAccountCode {
			break
		}
		if r < unicode.MaxASCII && (unicode.IsLetter(r) || unicode.IsDigit(r)) {
			b.WriteRune(unicode.ToUpper(r))
			n++
		}
	}
	return b.String()
}

// create posts a JSON body; a server-side failure is an unknown outcome.
func (c *Client) create(ctx context.Context, op, path string, body []byte) (envelope, int, error) {
	if err := c.login(ctx); err != nil {
		return envelope{}, 0, err
	}
	resp, err := c.hc.Do(ctx, httpx.Request{Operation: op, Method: "POST", Path: path, Body: body})
	if err != nil {
		return envelope{}, 0, err
	}
	env, err := c.check(op, resp, createCall)
	return env, resp.StatusCode, err
}

// ResolveCreateSettings implements provider.CreateSettingsResolver:
//   - accountManager: an employee's id, e-mail, user name or full name, looked up in
//     GET /v2/hr/employees/searchselect (active employees);
//   - businessType: an id, taken as is (v2 documents no business-type look-up);
//   - assetCategory: an id, or a category name found on the tenant's hardware assets
//     (GET /v2/servicedesk/hardwareasset/searchselect rows carry CategoryId and CategoryName;
//     v2 documents no category look-up);
//   - accountType: the id the policy resolved from spec.psa.filter.types.
func (c *Client) ResolveCreateSettings(ctx context.Context, in provider.CreateSettings) (provider.CreateSettings, error) {
	out := in
	// A value that is given is checked even when the policy creates nothing yet: a manual
	// mapping may ask for a create, and a wrong value is better reported now.
	if in.ForAccounts && strings.TrimSpace(in.AccountType) == "" {
		return out, &provider.SettingError{Setting: "accountType",
			Reason: "Kaseya BMS needs an account type to create an account; list it first in spec.psa.filter.types"}
	}
	if in.ForAccounts || strings.TrimSpace(in.BusinessType) != "" {
		if strings.TrimSpace(in.BusinessType) == "" {
			return out, &provider.SettingError{Setting: "businessType", Reason: "Kaseya BMS needs a business type id to create an account"}
		}
		if _, err := parseID("ResolveCreateSettings", "businessType", in.BusinessType); err != nil {
			return out, &provider.SettingError{Setting: "businessType", Value: in.BusinessType,
				Reason: "give the numeric id: the v2 API offers no business-type look-up by name"}
		}
		out.BusinessType = strings.TrimSpace(in.BusinessType)
	}
	if in.ForAccounts || strings.TrimSpace(in.AccountManager) != "" {
		id, err := c.resolveEmployee(ctx, in.AccountManager)
		if err != nil {
			return out, err
		}
		out.AccountManager = id
	}
	if in.ForAssets || strings.TrimSpace(in.AssetCategory) != "" {
		id, err := c.resolveCategory(ctx, in.AssetCategory)
		if err != nil {
			return out, err
		}
		out.AssetCategory = id
	}
	return out, nil
}

// resolveEmployee finds exactly one active employee by id, e-mail, user name or full name.
func (c *Client) resolveEmployee(ctx context.Context, value string) (string, error) {
	v := strings.TrimSpace(value)
	if v == "" {
		return "", &provider.SettingError{Setting: "accountManager", Reason: "Kaseya BMS needs an account manager (an employee) to create an account"}
	}
	staff, err := listAll(ctx, c, "ResolveAccountManager", employeesPath, url.Values{"Filter.IsActive": {"true"}}, decodeEmployee)
	if err != nil {
		return "", err
	}
	var hits []employee
	for _, e := range staff {
		if string(e.ID) == v || strings.EqualFold(strings.TrimSpace(string(e.Email)), v) ||
			strings.EqualFold(strings.TrimSpace(string(e.Username)), v) || strings.EqualFold(e.fullName(), v) {
			hits = append(hits, e)
		}
	}
	if len(hits) == 1 {
		return string(hits[0].ID), nil
	}
	choices := make([]string, 0, len(staff))
	for _, e := range staff {
		choices = append(choices, fmt.Sprintf("%s <%s> (%s)", e.fullName(), e.Email, e.ID))
	}
	sort.Strings(choices)
	se := &provider.SettingError{Setting: "accountManager", Value: v, Choices: firstN(choices, 20)}
	if len(hits) > 1 {
		se.Reason = fmt.Sprintf("it names %d employees; give the e-mail or id", len(hits))
		se.Choices = nil
	}
	return "", se
}

// categoryTTL is how long category names learnt from the tenant's assets are trusted.
const categoryTTL = time.Hour

// resolveCategory takes an id as is and finds a name among the categories the tenant's
// hardware assets use.
func (c *Client) resolveCategory(ctx context.Context, value string) (string, error) {
	v := strings.TrimSpace(value)
	if v == "" {
		return "", &provider.SettingError{Setting: "assetCategory", Reason: "Kaseya BMS needs a hardware-asset category to create an asset"}
	}
	if _, err := parseID("", "", v); err == nil {
		return v, nil
	}
	c.mu.Lock()
	cats, at := c.categories, c.categoriesAt
	c.mu.Unlock()
	if cats == nil || time.Since(at) > categoryTTL {
		rows, err := listAll(ctx, c, "ResolveAssetCategory", assetsSearchPath, nil, decodeCategoryRow)
		if err != nil {
			return "", err
		}
		cats = map[string]namedID{}
		for _, r := range rows {
			if k := strings.ToLower(strings.TrimSpace(r.name)); k != "" {
				cats[k] = r
			}
		}
		c.mu.Lock()
		c.categories, c.categoriesAt = cats, time.Now()
		c.mu.Unlock()
	}
	if r, ok := cats[strings.ToLower(v)]; ok {
		return r.id, nil
	}
	choices := make([]string, 0, len(cats))
	for _, r := range cats {
		choices = append(choices, fmt.Sprintf("%s (%s)", r.name, r.id))
	}
	sort.Strings(choices)
	return "", &provider.SettingError{Setting: "assetCategory", Value: v, Choices: firstN(choices, 20),
		Reason: "no hardware asset uses a category of that name, and v2 has no category look-up; give the category id"}
}

func firstN(s []string, n int) []string {
	if len(s) > n {
		return append(s[:n:n], fmt.Sprintf("… %d more", len(s)-n))
	}
	return s
}
