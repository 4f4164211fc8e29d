package halopsa

import (
	"context"
	"net/url"
	"strconv"
	"strings"

	"github.com/accountsync/accountsync-operator/internal/provider"
)

// ListAccounts lists Halo clients. TypeIDs are top level ids, filtered server-side with one
// paged series per id; Halo has no client statuses, so StatusIDs are refused.
func (c *Client) ListAccounts(ctx context.Context, filter provider.AccountFilter) ([]provider.Account, error) {
	const op = "ListAccounts"
	if len(filter.StatusIDs) > 0 {
		return nil, c.hc.Errorf(provider.KindUnsupported, op, 0,
			"HaloPSA clients have no statuses; filter by top level (types) instead")
	}
	// The MSP's own internal client is never a customer: it takes no part in matching.
	base := url.Values{"exclude_internal": {"true"}}
	if filter.IncludeInactive {
		base.Set("includeinactive", "true")
	}
	var series []url.Values
	seenType := map[int64]bool{}
	for _, t := range filter.TypeIDs {
		id, err := c.parseID(op, "top level", t)
		if err != nil {
			return nil, err
		}
		if seenType[id] {
			continue
		}
		seenType[id] = true
		q := url.Values{}
		for k, v := range base {
			q[k] = v
		}
		q.Set("toplevel_id", strconv.FormatInt(id, 10))
		series = append(series, q)
	}
	if len(series) == 0 {
		series = []url.Values{base}
	}
	var out []provider.Account
	seen := map[int64]bool{}
	for _, q := range series {
		rows, err := listAll[wireClient](ctx, c, op, "api/Client", "clients", q)
		if err != nil {
			return nil, err
		}
		for _, r := range rows {
			if seen[r.key()] {
				continue
			}
			seen[r.key()] = true
			out = append(out, toAccount(r))
		}
	}
	return out, nil
}

// FindAccountsByName returns every client, active or not, whose name equals name
// case-insensitively (surrounding white space ignored). Inactive clients are included because
// Halo allows duplicate names: a deactivated namesake must be found, not created again. The
// internal client is excluded as in ListAccounts, so it can never be linked.
func (c *Client) FindAccountsByName(ctx context.Context, name string) ([]provider.Account, error) {
	const op = "FindAccountsByName"
	want := strings.TrimSpace(name)
	if want == "" {
		return nil, c.hc.Errorf(provider.KindInvalid, op, 0, "empty name")
	}
	q := url.Values{"includeinactive": {"true"}, "exclude_internal": {"true"}}
	if term := searchTerm(want); term != "" {
		q.Set("search", term)
	}
	rows, err := listAll[wireClient](ctx, c, op, "api/Client", "clients", q)
	if err != nil {
		return nil, err
	}
	var out []provider.Account
	for _, r := range rows {
		if strings.EqualFold(strings.TrimSpace(string(r.Name)), want) {
			out = append(out, toAccount(r))
		}
	}
	return out, nil
}

// searchTerm is the text sent as search= for an exact look-up of name. Halo's search is a SQL
// like-match [I]: "%" and "_" only widen the match, which the exact client-side compare
// absorbs, but "[" starts a character class and would make the literal name unmatchable. For
// such names the longest part between brackets is searched; "" means no usable part (list all).
func searchTerm(name string) string {
	if !strings.ContainsAny(name, "[]") {
		return strings.TrimSpace(name)
	}
	best := ""
	for _, part := range strings.FieldsFunc(name, func(r rune) bool { return r == '[' || r == ']' }) {
		part = strings.TrimSpace(part)
		if len(part) > len(best) {
			best = part
		}
	}
	return best
}

// CreateAccount creates a client under the given top level. Halo allows duplicate client
// names, so no name conflict is reported here: the caller looks before it creates.
func (c *Client) CreateAccount(ctx context.Context, in provider.AccountCreate) (provider.Account, error) {
	const op = "CreateAccount"
	name := strings.TrimSpace(in.Name)
	if name == "" {
		return provider.Account{}, c.hc.Errorf(provider.KindInvalid, op, 0, "empty name")
	}
	if in.StatusID != "" {
		return provider.Account{}, c.hc.Errorf(provider.KindUnsupported, op, 0, "HaloPSA clients have no statuses")
	}
	rec := map[string]any{"name": name}
	if in.TypeID != "" {
		id, err := c.parseID(op, "top level", in.TypeID)
		if err != nil {
			return provider.Account{}, err
		}
		rec["toplevel_id"] = id
	}
	resp, err := c.post(ctx, op, "api/Client", []any{rec}, false)
	if err != nil {
		return provider.Account{}, err
	}
	created, err := decodeOne[wireClient](resp.Body)
	if err != nil || created.ID == 0 {
		return provider.Account{}, c.hc.Errorf(provider.KindUnknownOutcome, op, resp.StatusCode,
			"Halo accepted the client but its answer names no record; look it up by name")
	}
	return toAccount(created), nil
}

// ListAccountStatuses returns no statuses: Halo clients have none.
func (c *Client) ListAccountStatuses(ctx context.Context) ([]provider.NamedRef, error) {
	return []provider.NamedRef{}, nil
}

// ListAccountTypes lists Halo top levels. The swagger gives top levels (schema Tree) no
// inactive flag and GET /api/TopLevel no includeinactive parameter, so every one is listed.
func (c *Client) ListAccountTypes(ctx context.Context) ([]provider.NamedRef, error) {
	rows, err := listAll[wireTopLevel](ctx, c, "ListAccountTypes", "api/TopLevel", "toplevels", nil)
	if err != nil {
		return nil, err
	}
	out := make([]provider.NamedRef, 0, len(rows))
	for _, t := range rows {
		out = append(out, provider.NamedRef{ID: formatID(t.ID), Name: string(t.Name)})
	}
	return out, nil
}

func toAccount(r wireClient) provider.Account {
	a := provider.Account{ID: formatID(r.ID), Name: string(r.Name), Inactive: bool(r.Inactive)}
	if r.TopLevelName != "" {
		a.Types = []string{string(r.TopLevelName)}
	}
	return a
}
