package kaseyabms

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/accountsync/accountsync-operator/internal/provider"
	"github.com/accountsync/accountsync-operator/internal/provider/httpx"
)

// pageSize is the $top of every list call. 100 is the cap the official Kaseya module documents
// for the OData paging BMS V1 shares with VSA; asking for more would be clamped and a client
// that trusted its own $top would stop early.
const pageSize = 100

// maxListed bounds one listing, so a server that ignores $skip cannot loop a sync forever.
const maxListed = 1_000_000

// quote renders s as an OData string literal: single quotes are doubled.
func quote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", "''") + "'"
}

// anyOf renders "(Prop eq 1 or Prop eq 2)" for numeric ids; a non-numeric id is refused here
// rather than spliced into the filter.
func anyOf(op, prop string, ids []string) (string, error) {
	seen := map[int64]bool{}
	var terms []string
	for _, id := range ids {
		n, err := parseID(op, prop, id)
		if err != nil {
			return "", err
		}
		if seen[n] {
			continue
		}
		seen[n] = true
		terms = append(terms, prop+" eq "+strconv.FormatInt(n, 10))
	}
	if len(terms) == 1 {
		return terms[0], nil
	}
	return "(" + strings.Join(terms, " or ") + ")", nil
}

// parseID turns a provider id into the integer BMS uses.
func parseID(op, field, id string) (int64, error) {
	n, err := strconv.ParseInt(strings.TrimSpace(id), 10, 64)
	if err != nil || n <= 0 {
		return 0, provider.Errorf(provider.KindInvalid, op, "%s %q is not a BMS id (a positive integer)", field, id)
	}
	return n, nil
}

// listAll reads every page of a V1 list endpoint ($top/$skip until TotalRecords), decodes each
// record and drops repeats (a record created between two pages shifts the $skip window).
func listAll[T any](ctx context.Context, c *Client, op, path, filter string,
	decode func(json.RawMessage) (T, string, error)) ([]T, error) {
	if err := c.login(ctx); err != nil {
		return nil, err
	}
	var out []T
	seen := map[string]bool{}
	for skip := 0; ; {
		q := url.Values{"$top": {strconv.Itoa(pageSize)}, "$skip": {strconv.Itoa(skip)}}
		if filter != "" {
			q.Set("$filter", filter)
		}
		resp, err := c.hc.Do(ctx, httpx.Request{Operation: op, Method: http.MethodGet, Path: path, Query: q})
		if err != nil {
			return nil, err
		}
		env, err := c.check(op, resp, readCall)
		if err != nil {
			return nil, err
		}
		items, err := listResult(env)
		if err != nil {
			return nil, c.hc.Errorf(provider.KindTransient, op, resp.StatusCode, "%v", err)
		}
		for _, raw := range items {
			v, id, err := decode(raw)
			if err != nil {
				return nil, c.hc.Errorf(provider.KindTransient, op, resp.StatusCode, "undecodable record: %v", err)
			}
			if seen[id] {
				continue
			}
			seen[id] = true
			out = append(out, v)
		}
		skip += len(items)
		switch {
		case len(items) == 0:
			return out, nil
		case env.TotalRecords != nil && int64(skip) >= int64(*env.TotalRecords):
			return out, nil
		case env.TotalRecords == nil && len(items) < pageSize:
			return out, nil
		case skip >= maxListed:
			return nil, c.hc.Errorf(provider.KindInvalid, op, resp.StatusCode,
				"listing did not end after %d records", maxListed)
		}
	}
}
