package kaseyavsa

import (
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
)

// listQuery is a list call's OData system query options.
type listQuery struct {
	filter  *Filter
	orderBy []orderKey
	top     int
	skip    int
}

type orderKey struct {
	field string
	desc  bool
}

// parseListQuery reads $filter, $orderby, $top and $skip, checking property names against
// fields the way the server does before it reads a single record.
func parseListQuery(q url.Values, fields map[string]bool) (listQuery, error) {
	lq := listQuery{top: MaxTop}
	if v, ok := q["$filter"]; ok {
		f, err := ParseFilter(v[0])
		if err != nil {
			return lq, fmt.Errorf("the query specified in the URI is not valid: %w", err)
		}
		for _, p := range f.Properties() {
			if !fields[p] {
				return lq, fmt.Errorf("the query specified in the URI is not valid: could not find a property named '%s'", p)
			}
		}
		lq.filter = f
	}
	if v, ok := q["$orderby"]; ok {
		for _, item := range strings.Split(v[0], ",") {
			parts := strings.Fields(item)
			if len(parts) == 0 || len(parts) > 2 || !fields[parts[0]] {
				return lq, fmt.Errorf("the query specified in the URI is not valid: bad $orderby item %q", strings.TrimSpace(item))
			}
			k := orderKey{field: parts[0]}
			if len(parts) == 2 {
				switch parts[1] {
				case "asc":
				case "desc":
					k.desc = true
				default:
					return lq, fmt.Errorf("the query specified in the URI is not valid: bad $orderby direction %q", parts[1])
				}
			}
			lq.orderBy = append(lq.orderBy, k)
		}
	}
	var err error
	if lq.top, err = nonNegative(q, "$top", MaxTop); err != nil {
		return lq, err
	}
	lq.top = min(lq.top, MaxTop) // the server's cap, whatever the client asks for
	if lq.skip, err = nonNegative(q, "$skip", 0); err != nil {
		return lq, err
	}
	return lq, nil
}

func nonNegative(q url.Values, name string, def int) (int, error) {
	v, ok := q[name]
	if !ok {
		return def, nil
	}
	n, err := strconv.Atoi(strings.TrimSpace(v[0]))
	if err != nil || n < 0 {
		return 0, fmt.Errorf("the query specified in the URI is not valid: %s must be a non-negative integer, got %q", name, v[0])
	}
	return n, nil
}

// apply filters, sorts and pages recs; it returns the page and the filtered total.
func (lq listQuery) apply(recs []map[string]any) ([]map[string]any, int, error) {
	matched := recs[:0:0]
	for _, r := range recs {
		if lq.filter != nil {
			ok, err := lq.filter.Match(r)
			if err != nil {
				return nil, 0, fmt.Errorf("the query specified in the URI is not valid: %w", err)
			}
			if !ok {
				continue
			}
		}
		matched = append(matched, r)
	}
	if len(lq.orderBy) > 0 {
		less := func(i, j int) bool {
			for _, k := range lq.orderBy {
				c := compareValues(matched[i][k.field], matched[j][k.field])
				if c != 0 {
					return (c < 0) != k.desc
				}
			}
			return false
		}
		// Records are usually stored in id order already: one pass instead of a sort per page.
		if !sort.SliceIsSorted(matched, less) {
			sort.SliceStable(matched, less)
		}
	}
	total := len(matched)
	start := min(lq.skip, total)
	end := min(start+lq.top, total)
	return matched[start:end], total, nil
}

// compareValues orders nulls first, then numbers numerically and strings ordinally.
func compareValues(a, b any) int {
	va, errA := fromGo(a)
	vb, errB := fromGo(b)
	switch {
	case errA != nil || errB != nil:
		return 0
	case va.kind != vb.kind:
		return int(va.kind) - int(vb.kind)
	case va.kind == kindNumber:
		return va.n.Cmp(vb.n)
	case va.kind == kindString:
		return strings.Compare(va.s, vb.s)
	case va.kind == kindBool && va.b != vb.b:
		if va.b {
			return 1
		}
		return -1
	}
	return 0
}

// serveList answers a list call over recs; fields are the record's property names.
func serveList(w http.ResponseWriter, r *http.Request, recs []map[string]any, fields map[string]bool) {
	lq, err := parseListQuery(r.URL.Query(), fields)
	if err != nil {
		writeEnvelope(w, http.StatusBadRequest, failure(400, err.Error()))
		return
	}
	page, total, err := lq.apply(recs)
	if err != nil {
		writeEnvelope(w, http.StatusBadRequest, failure(400, err.Error()))
		return
	}
	result := make([]any, len(page))
	for i, p := range page {
		result[i] = p
	}
	writeEnvelope(w, http.StatusOK, envelope{Result: result, TotalRecords: &total, Status: "OK", Error: "None"})
}

func keys(m map[string]any) map[string]bool {
	out := make(map[string]bool, len(m))
	for k := range m {
		out[k] = true
	}
	return out
}
