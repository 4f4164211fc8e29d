package gravityzone

import (
	"context"
	"strings"
	"unicode/utf8"

	"github.com/accountsync/accountsync-operator/internal/provider"
)

const (
	// maxFindResults is findCompaniesByName's documented ceiling for maxResults.
	maxFindResults = 100
	// maxNameLength is createCompany's documented limit on a company name.
	maxNameLength = 64
	// customerType is createCompany's type for a customer company (0 would be a partner).
	customerType = 1
)

type findParams struct {
	NameFilter string `json:"nameFilter"`
	MaxResults int    `json:"maxResults"`
}

type createParams struct {
	Type int    `json:"type"`
	Name string `json:"name"`
}

// ListOrganizations returns the companies directly below the key's company.
func (c *Client) ListOrganizations(ctx context.Context) ([]provider.Organization, error) {
	return c.listCompanies(ctx, opList)
}

func (c *Client) listCompanies(ctx context.Context, op string) ([]provider.Organization, error) {
	result, err := c.read(ctx, op, serviceCompanies, "getCompaniesList", struct{}{})
	if err != nil {
		return nil, err
	}
	orgs, err := decodeCompanies(result)
	if err != nil {
		return nil, c.http.Errorf(provider.KindInvalid, op, 0, "decode getCompaniesList: %v", err)
	}
	return orgs, nil
}

// FindOrganizationsByName returns every managed company named name, case-insensitively,
// suspended ones included.
func (c *Client) FindOrganizationsByName(ctx context.Context, name string) ([]provider.Organization, error) {
	if strings.TrimSpace(name) == "" {
		return nil, c.http.Errorf(provider.KindInvalid, opFind, 0, "an empty name matches no company")
	}
	result, err := c.read(ctx, opFind, serviceCompanies, "findCompaniesByName",
		findParams{NameFilter: nameFilter(name), MaxResults: maxFindResults})
	if err != nil {
		return nil, err
	}
	found, err := decodeCompanies(result)
	if err != nil {
		return nil, c.http.Errorf(provider.KindInvalid, opFind, 0, "decode findCompaniesByName: %v", err)
	}
	matches := exactMatches(nil, found, name)
	if len(found) >= maxFindResults {
		// A full page may have cut the exact holder off behind other names with the same prefix.
		all, err := c.listCompanies(ctx, opFind)
		if err != nil {
			return nil, err
		}
		matches = exactMatches(matches, all, name)
	}
	return matches, nil
}

// nameFilter is the findCompaniesByName filter for an exact look-up of name: the name itself,
// a prefix of itself. A name that starts with "*" turns into an "anywhere" search for the rest,
// which still contains the name; the exact comparison afterwards narrows either superset.
func nameFilter(name string) string { return name }

// exactMatches appends to dst the organizations of from named name (case-insensitively) that
// dst does not hold yet.
func exactMatches(dst, from []provider.Organization, name string) []provider.Organization {
	for _, o := range from {
		if !strings.EqualFold(o.Name, name) || containsID(dst, o.ID) {
			continue
		}
		dst = append(dst, o)
	}
	return dst
}

func containsID(orgs []provider.Organization, id string) bool {
	for _, o := range orgs {
		if o.ID == id {
			return true
		}
	}
	return false
}

// CreateOrganization creates a customer company under the key's company.
func (c *Client) CreateOrganization(ctx context.Context, name string) (provider.Organization, error) {
	if strings.TrimSpace(name) == "" {
		return provider.Organization{}, c.http.Errorf(provider.KindInvalid, opCreate, 0, "a company name is required")
	}
	if n := utf8.RuneCountInString(name); n > maxNameLength {
		return provider.Organization{}, c.http.Errorf(provider.KindInvalid, opCreate, 0,
			"company name %q has %d characters; GravityZone allows at most %d", name, n, maxNameLength)
	}
	result, fail, err := c.call(ctx, opCreate, serviceCompanies, "createCompany",
		createParams{Type: customerType, Name: name}, false)
	if err != nil {
		return provider.Organization{}, err
	}
	if fail != nil {
		return provider.Organization{}, c.createFailure(ctx, name, fail)
	}
	id, err := decodeCreatedID(result)
	if err != nil {
		// The call succeeded, so the company most likely exists: say so rather than "invalid".
		return provider.Organization{}, c.http.Errorf(provider.KindUnknownOutcome, opCreate, 0,
			"createCompany answered without a readable id: %v", err)
	}
	if id == "" {
		return c.createdWithoutID(ctx, name)
	}
	return provider.Organization{ID: id, Name: name}, nil
}

// createFailure interprets a JSON-RPC error from createCompany. The duplicate-name wording is
// undocumented, so an "Invalid params" answer is checked against the data: a company holding
// the name makes it a name conflict naming that company.
func (c *Client) createFailure(ctx context.Context, name string, fail *rpcFailure) error {
	if fail.err.Code != codeInvalidParams {
		return c.rpcError(opCreate, fail, true)
	}
	holders, ferr := c.FindOrganizationsByName(ctx, name)
	if ferr == nil && len(holders) > 0 {
		return c.http.Errorf(provider.KindNameConflict, opCreate, 0,
			"company name %q is already used by GravityZone company %s (%q)", name, holders[0].ID, holders[0].Name)
	}
	if readsLikeDuplicate(fail.err.Details) || readsLikeDuplicate(fail.err.Message) {
		return c.http.Errorf(provider.KindNameConflict, opCreate, 0,
			"company name %q is already in use: %s", name, fail.err.Details)
	}
	return c.rpcError(opCreate, fail, true)
}

// readsLikeDuplicate recognises a uniqueness complaint in the server's own words, for a holder
// the key cannot see (outside its company tree).
func readsLikeDuplicate(s string) bool {
	s = strings.ToLower(s)
	for _, w := range []string{"already exist", "already in use", "already used", "already taken", "duplicate", "unique"} {
		if strings.Contains(s, w) {
			return true
		}
	}
	return false
}

// createdWithoutID resolves a successful create whose answer carried no id by looking the exact
// name up; anything but one match leaves the outcome to the caller's own look-up.
func (c *Client) createdWithoutID(ctx context.Context, name string) (provider.Organization, error) {
	holders, err := c.FindOrganizationsByName(ctx, name)
	if err == nil && len(holders) == 1 {
		return holders[0], nil
	}
	return provider.Organization{}, c.http.Errorf(provider.KindUnknownOutcome, opCreate, 0,
		"createCompany succeeded without returning an id and the look-up of %q found %d companies", name, len(holders))
}
