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

// pageSize is the PageSize of every paged call. The swagger sets no maximum; 100 is an
// assumption small enough for any server-side cap we might not know. The loop never relies on
// the server honouring it: it ends on an empty page or when TotalRecords is reached.
const pageSize = 100

// firstPage is the PageNumber of the first page. The public PowerQuery client pages from 1
// (GetPagedData.m); its one-shot example sends 0, which the server evidently reads as the
// first page too. Starting at 1 is right under both readings.
const firstPage = 1

// parseID turns a provider id into the integer BMS uses.
func parseID(op, field, id string) (int64, error) {
	n, err := strconv.ParseInt(strings.TrimSpace(id), 10, 32)
	if err != nil || n <= 0 {
		return 0, provider.Errorf(provider.KindInvalid, op, "%s %q is not a BMS id (a positive 32-bit integer)", field, id)
	}
	return n, nil
}

// get reads one envelope (not paged).
func (c *Client) get(ctx context.Context, op, path string, q url.Values) (envelope, int, error) {
	if err := c.login(ctx); err != nil {
		return envelope{}, 0, err
	}
	resp, err := c.hc.Do(ctx, httpx.Request{Operation: op, Method: http.MethodGet, Path: path, Query: q})
	if err != nil {
		return envelope{}, 0, err
	}
	env, err := c.check(op, resp, readCall)
	return env, resp.StatusCode, err
}

// getList reads an unpaged list endpoint (the /lookup calls that take no PageSize).
func getList[T any](ctx context.Context, c *Client, op, path string, q url.Values,
	decode func(json.RawMessage) (T, string, error)) ([]T, error) {
	env, status, err := c.get(ctx, op, path, q)
	if err != nil {
		return nil, err
	}
	items, err := listResult(env)
	if err != nil {
		return nil, c.hc.Errorf(provider.KindTransient, op, status, "%v", err)
	}
	out := make([]T, 0, len(items))
	seen := map[string]bool{}
	for _, raw := range items {
		v, id, err := decode(raw)
		if err != nil {
			return nil, c.hc.Errorf(provider.KindTransient, op, status, "undecodable record: %v", err)
		}
		if !seen[id] {
			seen[id] = true
			out = append(out, v)
		}
	}
	return out, nil
}

// listAll reads every page of a v2 list endpoint (PageSize/PageNumber plus the Filter.*
// parameters in filter), decodes each record and drops repeats (a record created between two
// pages shifts the window). It stops on an empty page, or once TotalRecords (sent by paged
// responses only) records were seen; httpx.PageGuard stops a server that ignores PageNumber.
func listAll[T any](ctx context.Context, c *Client, op, path string, filter url.Values,
	decode func(json.RawMessage) (T, string, error)) ([]T, error) {
	var out []T
	seen := map[string]bool{}
	guard := httpx.PageGuard{Operation: op}
	for page := firstPage; ; page++ {
		q := url.Values{"PageSize": {strconv.Itoa(pageSize)}, "PageNumber": {strconv.Itoa(page)}}
		for k, v := range filter {
			q[k] = v
		}
		if err := c.login(ctx); err != nil {
			return nil, err
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
		if len(items) == 0 {
			return out, nil
		}
		if err := guard.Next(c.hc, resp.Body); err != nil {
			return nil, err
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
		if env.TotalRecords != nil && int64(len(seen)) >= int64(*env.TotalRecords) {
			return out, nil
		}
	}
}
