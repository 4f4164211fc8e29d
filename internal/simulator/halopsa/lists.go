package halopsa

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
)

const (
	// maxPageSize is the largest page the simulator serves; larger requests are clamped.
	maxPageSize = 100
	// defaultPageSize applies when pageinate=true comes without a usable page_size.
	defaultPageSize = 50
)

// listQuery is the subset of Halo's list parameters the simulator understands. Other
// parameters are ignored, as Halo ignores parameters an endpoint does not bind.
type listQuery struct {
	paginate        bool
	pageSize        int
	pageNo          int
	count           int // row limit without pagination; 0 = all
	search          string
	includeInactive bool
	excludeInternal bool
	topLevelID      int
	clientID        int
	siteID          int
}

// parseListQuery reads the query case-insensitively and refuses values Halo could not bind.
func parseListQuery(r *http.Request) (listQuery, error) {
	params := map[string]string{}
	for k, v := range r.URL.Query() {
		if len(v) > 0 {
			params[strings.ToLower(k)] = v[0]
		}
	}
	q := listQuery{pageNo: 1, pageSize: defaultPageSize}
	var err error
	boolParam := func(name string) bool {
		v, ok := params[name]
		if !ok || err != nil {
			return false
		}
		b, perr := strconv.ParseBool(v)
		if perr != nil {
			err = fmt.Errorf("The value '%s' is not valid for %s.", v, name)
		}
		return b
	}
	intParam := func(name string, def int) int {
		v, ok := params[name]
		if !ok || err != nil {
			return def
		}
		n, perr := strconv.Atoi(v)
		if perr != nil {
			err = fmt.Errorf("The value '%s' is not valid for %s.", v, name)
			return def
		}
		return n
	}
	q.paginate = boolParam("pageinate")
	q.includeInactive = boolParam("includeinactive")
	q.excludeInternal = boolParam("exclude_internal")
	q.pageSize = intParam("page_size", defaultPageSize)
	q.pageNo = intParam("page_no", 1)
	q.count = intParam("count", 0)
	q.topLevelID = intParam("toplevel_id", 0)
	q.clientID = intParam("client_id", 0)
	q.siteID = intParam("site_id", 0)
	q.search = params["search"]
	if err != nil {
		return q, err
	}
	if q.paginate {
		if q.pageNo < 1 {
			return q, fmt.Errorf("page_no must be 1 or more")
		}
		if q.pageSize < 1 {
			q.pageSize = defaultPageSize
		}
		if q.pageSize > maxPageSize {
			q.pageSize = maxPageSize
		}
	}
	if q.count < 0 {
		return q, fmt.Errorf("count must not be negative")
	}
	return q, nil
}

// matchesSearch is Halo's like-match, simplified to a case-insensitive substring.
func (q listQuery) matchesSearch(name string) bool {
	return q.search == "" || strings.Contains(strings.ToLower(name), strings.ToLower(q.search))
}

// writeList answers rows (already filtered and ordered) in Halo's wrapper.
func writeList[T any](w http.ResponseWriter, q listQuery, key string, rows []T) {
	body := map[string]any{"record_count": len(rows)}
	page := rows
	if q.paginate {
		start := (q.pageNo - 1) * q.pageSize
		switch {
		case start >= len(rows):
			page = rows[:0]
		case start+q.pageSize < len(rows):
			page = rows[start : start+q.pageSize]
		default:
			page = rows[start:]
		}
		body["page_no"] = q.pageNo
		body["page_size"] = q.pageSize
	} else if q.count > 0 && q.count < len(rows) {
		page = rows[:q.count]
	}
	if page == nil {
		page = []T{}
	}
	body[key] = page
	writeJSON(w, http.StatusOK, body)
}
