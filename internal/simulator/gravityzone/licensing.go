package gravityzone

import (
	"net/http"
	"regexp"
	"sort"
)

// licensing.getMonthlyUsage {companyId, targetMonth "mm/yyyy"} (services-apis.md, H/M): the
// monthly-usage counters of one company for one month. Every counter is reported, 0 when the
// company used none that month or has no monthly licence; a targetMonth in any other format
// is "Invalid params", as on the console. The counters are the ones the vendor documents; the
// figures come from SetMonthlyUsage.

// MonthlyUsageCounters are the counters getMonthlyUsage reports.
var MonthlyUsageCounters = []string{
	"endpointMonthlyUsage", "edrMonthlyUsage", "mspSecurePlusMonthlyUsage",
	"emailSecurityMonthlyUsage", "patchManagementMonthlyUsage",
}

var targetMonthPattern = regexp.MustCompile(`^(0[1-9]|1[0-2])/\d{4}$`)

func init() {
	methods["v1.0 licensing getMonthlyUsage"] = (*Server).getMonthlyUsage
}

// SetMonthlyUsage sets one company's counter for a month ("mm/yyyy").
func (s *Server) SetMonthlyUsage(companyID, month, counter string, n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.usage == nil {
		s.usage = map[string]int{}
	}
	s.usage[companyID+"|"+month+"|"+counter] = n
}

// seedUsage applies the fixture's figures; called by New before the server is shared.
func (s *Server) seedUsage(usage []FixtureUsage) {
	for _, u := range usage {
		id := u.CompanyID
		if id == "" {
			if c := s.byNameLocked(u.CompanyName); c != nil {
				id = c.ID
			}
		}
		if s.usage == nil {
			s.usage = map[string]int{}
		}
		s.usage[id+"|"+u.Month+"|"+u.Counter] = u.Value
	}
}

func (s *Server) getMonthlyUsage(_ *http.Request, p params) (any, *rpcError) {
	if err := p.only("companyId", "targetMonth"); err != nil {
		return nil, err
	}
	id, err := p.str("companyId")
	if err != nil {
		return nil, err
	}
	month, err := p.str("targetMonth")
	if err != nil {
		return nil, err
	}
	if !targetMonthPattern.MatchString(month) {
		return nil, invalidParams("The targetMonth parameter must have the format mm/yyyy.")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if id != "" && id != s.partner.ID && s.byIDLocked(id) == nil {
		return nil, invalidParams("The company with ID %q was not found.", id)
	}
	out := map[string]int{}
	counters := append([]string(nil), MonthlyUsageCounters...)
	sort.Strings(counters)
	for _, c := range counters {
		out[c] = s.usage[id+"|"+month+"|"+c]
	}
	return out, nil
}
