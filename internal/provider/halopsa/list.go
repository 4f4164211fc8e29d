package halopsa

import (
	"context"
	"net/url"
	"strconv"

	"github.com/accountsync/accountsync-operator/internal/provider"
	"github.com/accountsync/accountsync-operator/internal/provider/httpx"
)

// pageSize is the page the client asks for. Halo's cap is undocumented; 100 is what the
// simulator serves at most and what Halo's own PowerShell module pages by. The loop follows the
// page_size the server reports, so a smaller server cap costs calls, not rows.
const pageSize = 100

// keyed is a wire record with an id, so pages can be merged without duplicates when a record
// moves between pages during the read.
type keyed interface{ key() int64 }

// listAll reads every page of a Halo list: pageinate=true, page_no from 1, until as many rows
// as record_count have arrived, a page comes back empty, or the server answers without paging
// (no page_size: all rows at once). Counting rows received, rather than multiplying page
// numbers by the requested size, stays right when the server caps page_size below the request.
// A server that ignores page_no never reaches record_count: httpx.PageGuard stops a page that
// repeats the previous one byte for byte (or passes the page cap), and a page that brings only
// records already read is stopped here too, because Halo's wrapper echoes page_no and such
// pages therefore differ in their bytes. Both are errors, so a truncated list is never used.
func listAll[T keyed](ctx context.Context, c *Client, op, path, wrapper string, q url.Values) ([]T, error) {
	var out []T
	seen := map[int64]bool{}
	var received int64
	guard := httpx.PageGuard{Operation: op}
	for pageNo := 1; ; pageNo++ {
		pq := url.Values{}
		for k, v := range q {
			pq[k] = v
		}
		pq.Set("pageinate", "true")
		pq.Set("page_size", strconv.Itoa(pageSize))
		pq.Set("page_no", strconv.Itoa(pageNo))
		resp, err := c.get(ctx, op, path, pq)
		if err != nil {
			return nil, err
		}
		if err := guard.Next(c.hc, resp.Body); err != nil {
			return nil, err
		}
		p, err := decodePage[T](resp.Body, wrapper)
		if err != nil {
			return nil, c.hc.Errorf(provider.KindInvalid, op, resp.StatusCode, "%v", err)
		}
		fresh := 0
		for _, item := range p.items {
			k := item.key()
			if k != 0 {
				if seen[k] {
					continue
				}
				seen[k] = true
			}
			fresh++
			out = append(out, item)
		}
		received += int64(len(p.items))
		switch {
		case len(p.items) == 0, p.pageSize == 0:
			return out, nil
		case fresh == 0:
			return nil, c.hc.Errorf(provider.KindTransient, op, resp.StatusCode,
				"%s %s: page %d of %s brings only records already read; the server ignores paging, listing stopped",
				provider.HaloPSA, op, pageNo, path)
		case p.recordCount > 0 && received >= p.recordCount:
			return out, nil
		case p.recordCount == 0 && int64(len(p.items)) < p.pageSize:
			return out, nil
		}
	}
}
