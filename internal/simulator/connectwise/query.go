package connectwise

import (
	"fmt"
	"net/http"
	"net/url"
	"reflect"
	"sort"
	"strconv"
	"strings"
)

// MaxPageSize is CW's hard limit on pageSize ("Max Size = 1,000").
const MaxPageSize = 1000

// DefaultPageSize applies when pageSize is absent.
const DefaultPageSize = 25

// listQuery is a parsed list request.
type listQuery struct {
	page, pageSize int
	match          Matcher // nil: every record
	child          Matcher // nil: every record
	order          []orderKey
}

type orderKey struct {
	steps []step
	kind  leafKind
	desc  bool
}

// param returns a query parameter by case-insensitive name: the CW guide spells the same
// parameters pageSize and pagesize, childConditions and childconditions.
func param(q url.Values, name string) (string, bool) {
	for k, v := range q {
		if strings.EqualFold(k, name) && len(v) > 0 {
			return v[0], true
		}
	}
	return "", false
}

// parseListQuery validates the list parameters for records of type t; a non-empty message means
// the request deserves a 400.
func parseListQuery(r *http.Request, t reflect.Type) (listQuery, string) {
	q := r.URL.Query()
	lq := listQuery{page: 1, pageSize: DefaultPageSize}
	if strings.EqualFold(r.Header.Get("pagination-type"), "forward-only") {
		return lq, "forward-only pagination is not supported by this simulator"
	}
	for _, unsupported := range []string{"fields", "columns", "customFieldConditions"} {
		if _, ok := param(q, unsupported); ok {
			return lq, unsupported + " is not supported by this simulator"
		}
	}
	if v, ok := param(q, "page"); ok {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			return lq, fmt.Sprintf("page must be a positive integer, got %q", v)
		}
		lq.page = n
	}
	if v, ok := param(q, "pageSize"); ok {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > MaxPageSize {
			return lq, fmt.Sprintf("pageSize must be between 1 and %d, got %q", MaxPageSize, v)
		}
		lq.pageSize = n
	}
	for _, p := range []struct {
		name  string
		child bool
		dst   *Matcher
	}{{"conditions", false, &lq.match}, {"childConditions", true, &lq.child}} {
		v, ok := param(q, p.name)
		if !ok || strings.TrimSpace(v) == "" {
			continue
		}
		e, err := ParseConditions(v)
		if err != nil {
			return lq, p.name + ": " + err.Error()
		}
		m, err := BindConditions(e, t, p.child)
		if err != nil {
			return lq, p.name + ": " + err.Error()
		}
		*p.dst = m
	}
	if v, ok := param(q, "orderBy"); ok && strings.TrimSpace(v) != "" {
		keys, msg := parseOrderBy(v, t)
		if msg != "" {
			return lq, msg
		}
		lq.order = keys
	}
	return lq, ""
}

// parseOrderBy reads "path [asc|desc], ...".
func parseOrderBy(v string, t reflect.Type) ([]orderKey, string) {
	var keys []orderKey
	for _, part := range strings.Split(v, ",") {
		fields := strings.Fields(part)
		if len(fields) == 0 || len(fields) > 2 {
			return nil, fmt.Sprintf("orderBy: cannot read %q", part)
		}
		k := orderKey{}
		if len(fields) == 2 {
			switch strings.ToLower(fields[1]) {
			case "asc":
			case "desc":
				k.desc = true
			default:
				return nil, fmt.Sprintf("orderBy: direction must be asc or desc, got %q", fields[1])
			}
		}
		steps, kind, err := resolvePath(t, strings.Split(fields[0], "/"), false)
		if err != nil {
			return nil, "orderBy: " + err.Error()
		}
		k.steps, k.kind = steps, kind
		keys = append(keys, k)
	}
	return keys, ""
}

// selectRecords filters and orders records; the result shares the pointers.
func selectRecords[T any](items []*T, lq listQuery) []*T {
	out := make([]*T, 0, len(items))
	for _, it := range items {
		v := reflect.ValueOf(it).Elem()
		if (lq.match == nil || lq.match(v)) && (lq.child == nil || lq.child(v)) {
			out = append(out, it)
		}
	}
	if len(lq.order) > 0 {
		sort.SliceStable(out, func(i, j int) bool {
			a, b := reflect.ValueOf(out[i]).Elem(), reflect.ValueOf(out[j]).Elem()
			for _, k := range lq.order {
				c := compareKey(a, b, k)
				if c != 0 {
					return (c < 0) != k.desc
				}
			}
			return false
		})
	}
	return out
}

// compareKey orders two records by one key; nulls sort first, as in SQL Server.
func compareKey(a, b reflect.Value, k orderKey) int {
	var av, bv reflect.Value
	var an, bn bool
	walk(a, k.steps, func(l reflect.Value, null bool) bool { av, an = l, null; return false })
	walk(b, k.steps, func(l reflect.Value, null bool) bool { bv, bn = l, null; return false })
	switch {
	case an && bn:
		return 0
	case an:
		return -1
	case bn:
		return 1
	}
	switch k.kind {
	case leafString:
		return strings.Compare(strings.ToLower(av.String()), strings.ToLower(bv.String()))
	case leafInt:
		return cmpFloat(float64(av.Int()), float64(bv.Int()))
	case leafFloat:
		return cmpFloat(av.Float(), bv.Float())
	default:
		if av.Bool() == bv.Bool() {
			return 0
		}
		if !av.Bool() {
			return -1
		}
		return 1
	}
}

// pageBounds returns the slice bounds of the requested page and the number of the last page.
func pageBounds(total int, lq listQuery) (from, to, last int) {
	last = (total + lq.pageSize - 1) / lq.pageSize
	if last < 1 {
		last = 1
	}
	from = (lq.page - 1) * lq.pageSize
	if from > total {
		from = total
	}
	to = min(from+lq.pageSize, total)
	return from, to, last
}

// setLinkHeader writes the navigable-paging Link header: first and last always, prev and next
// only when those pages exist. Every other query parameter is kept as the client sent it.
func setLinkHeader(w http.ResponseWriter, r *http.Request, lq listQuery, last int) {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	link := func(page int, rel string) string {
		q := url.Values{}
		for k, v := range r.URL.Query() {
			if strings.EqualFold(k, "page") || strings.EqualFold(k, "pageSize") {
				continue
			}
			q[k] = v
		}
		q.Set("pageSize", strconv.Itoa(lq.pageSize))
		q.Set("page", strconv.Itoa(page))
		u := url.URL{Scheme: scheme, Host: r.Host, Path: r.URL.Path, RawQuery: q.Encode()}
		return "<" + u.String() + `>; rel="` + rel + `"`
	}
	var parts []string
	parts = append(parts, link(1, "first"))
	if lq.page > 1 {
		parts = append(parts, link(min(lq.page-1, last), "prev"))
	}
	if lq.page < last {
		parts = append(parts, link(lq.page+1, "next"))
	}
	parts = append(parts, link(last, "last"))
	w.Header().Set("Link", strings.Join(parts, ", "))
}

// serveList answers a GET list: filter, order, page, Link header, bare JSON array. clone copies
// a record so the response is encoded outside the lock.
func serveList[T any](s *Server, w http.ResponseWriter, r *http.Request, items func(*state) []*T, clone func(T) T) {
	var zero T
	lq, msg := parseListQuery(r, reflect.TypeOf(zero))
	if msg != "" {
		writeError(w, http.StatusBadRequest, "InvalidObject", msg)
		return
	}
	s.mu.Lock()
	sel := selectRecords(items(s.state), lq)
	from, to, last := pageBounds(len(sel), lq)
	page := make([]T, 0, to-from)
	for _, it := range sel[from:to] {
		page = append(page, clone(*it))
	}
	s.mu.Unlock()
	setLinkHeader(w, r, lq, last)
	writeJSON(w, http.StatusOK, page)
}
