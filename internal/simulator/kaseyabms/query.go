package kaseyabms

import (
	"fmt"
	"net/url"
	"sort"
	"strconv"
	"strings"
)

// MaxPageSize is the most records one list call returns. BMS publishes no number for V1; the
// simulator uses 100, the cap the official Kaseya module documents for the sibling VSA API that
// shares this OData envelope, so a client that trusts a larger $top misses records here exactly
// as it would against a server that clamps.
const MaxPageSize = 100

// listQuery is a parsed set of OData system query options.
type listQuery struct {
	filter  expr // nil means no filter
	top     int
	skip    int
	orderBy []orderKey
}

type orderKey struct {
	prop string
	desc bool
}

// supportedOptions are the system query options the V1 list endpoints accept; any other $option
// is refused, as an OData endpoint refuses options it does not support.
var supportedOptions = map[string]bool{"$filter": true, "$top": true, "$skip": true, "$orderby": true}

// parseListQuery reads $filter, $top, $skip and $orderby. $top above MaxPageSize is clamped
// (not refused), which is how capped OData servers behave.
func parseListQuery(q url.Values, sch schema) (listQuery, error) {
	lq := listQuery{top: MaxPageSize}
	for k, v := range q {
		if !strings.HasPrefix(k, "$") {
			continue // ordinary parameters are ignored by the V1 controllers
		}
		if !supportedOptions[k] {
			return lq, fmt.Errorf("query option '%s' is not supported", k)
		}
		if len(v) != 1 {
			return lq, fmt.Errorf("query option '%s' was specified more than once", k)
		}
	}
	if v, ok := q["$top"]; ok {
		n, err := strconv.Atoi(v[0])
		if err != nil || n < 0 {
			return lq, fmt.Errorf("invalid value '%s' for $top: a non-negative integer is required", v[0])
		}
		lq.top = min(n, MaxPageSize)
	}
	if v, ok := q["$skip"]; ok {
		n, err := strconv.Atoi(v[0])
		if err != nil || n < 0 {
			return lq, fmt.Errorf("invalid value '%s' for $skip: a non-negative integer is required", v[0])
		}
		lq.skip = n
	}
	if v, ok := q["$filter"]; ok {
		e, err := parseFilter(v[0], sch)
		if err != nil {
			return lq, fmt.Errorf("invalid $filter: %v", err)
		}
		lq.filter = e
	}
	if v, ok := q["$orderby"]; ok {
		keys, err := parseOrderBy(v[0], sch)
		if err != nil {
			return lq, err
		}
		lq.orderBy = keys
	}
	return lq, nil
}

func parseOrderBy(src string, sch schema) ([]orderKey, error) {
	var keys []orderKey
	for _, part := range strings.Split(src, ",") {
		fields := strings.Fields(part)
		if len(fields) == 0 || len(fields) > 2 {
			return nil, fmt.Errorf("invalid $orderby clause '%s'", strings.TrimSpace(part))
		}
		if _, ok := sch[fields[0]]; !ok {
			return nil, fmt.Errorf("invalid $orderby: could not find a property named '%s'", fields[0])
		}
		k := orderKey{prop: fields[0]}
		if len(fields) == 2 {
			switch fields[1] {
			case "asc":
			case "desc":
				k.desc = true
			default:
				return nil, fmt.Errorf("invalid $orderby direction '%s'", fields[1])
			}
		}
		keys = append(keys, k)
	}
	return keys, nil
}

// apply filters, orders and pages items (already in id order). It returns the page and the
// number of records that matched the filter (TotalRecords).
func apply[T any](lq listQuery, items []T, props func(T) record) ([]T, int) {
	type row struct {
		item T
		rec  record
	}
	var rows []row
	for _, it := range items {
		rec := props(it)
		if lq.filter == nil || truthy(lq.filter.eval(rec)) {
			rows = append(rows, row{it, rec})
		}
	}
	if len(lq.orderBy) > 0 {
		sort.SliceStable(rows, func(i, j int) bool {
			for _, k := range lq.orderBy {
				c := compareValues(rows[i].rec[k.prop], rows[j].rec[k.prop])
				if c != 0 {
					return (c < 0) != k.desc
				}
			}
			return false
		})
	}
	total := len(rows)
	out := []T{}
	if lq.skip < total {
		end := min(total, lq.skip+lq.top)
		for _, r := range rows[lq.skip:end] {
			out = append(out, r.item)
		}
	}
	return out, total
}

// compareValues orders nulls first, then by value.
func compareValues(a, b value) int {
	switch {
	case a.k == kindNull && b.k == kindNull:
		return 0
	case a.k == kindNull:
		return -1
	case b.k == kindNull:
		return 1
	}
	switch a.k {
	case kindInt:
		return compareInt(a.i, b.i)
	case kindBool:
		switch {
		case a.b == b.b:
			return 0
		case !a.b:
			return -1
		}
		return 1
	default:
		return strings.Compare(a.s, b.s)
	}
}
