package gravityzone

import (
	"context"
	"encoding/json"
	"math"
	"sort"
	"strings"
	"time"

	"github.com/accountsync/accountsync-operator/internal/provider"
)

const serviceLicensing = "licensing"

var _ provider.MonthlyUsageReader = (*Client)(nil)

// MonthlyUsage implements provider.MonthlyUsageReader with licensing.getMonthlyUsage
// {companyId, targetMonth "mm/yyyy"}, the call Bitdefender recommends for billing. A counter
// the answer does not carry at all is an error naming those it does (a misspelt counter must
// not bill 0); a counter carried as 0 is 0.
func (c *Client) MonthlyUsage(ctx context.Context, organizationID, counter string, month time.Time) (int64, error) {
	const op = "MonthlyUsage"
	if strings.TrimSpace(organizationID) == "" {
		return 0, c.http.Errorf(provider.KindInvalid, op, 0, "organization id %q is not a GravityZone company id", organizationID)
	}
	params := map[string]string{"companyId": organizationID, "targetMonth": month.UTC().Format("01/2006")}
	raw, err := c.read(ctx, op, serviceLicensing, "getMonthlyUsage", params)
	if err != nil {
		return 0, err
	}
	var counters map[string]json.RawMessage
	if err := json.Unmarshal(raw, &counters); err != nil {
		return 0, c.http.Errorf(provider.KindInvalid, op, 0, "getMonthlyUsage answered no counters: %v", err)
	}
	v, ok := counters[counter]
	if !ok {
		names := make([]string, 0, len(counters))
		for k := range counters {
			names = append(names, k)
		}
		sort.Strings(names)
		return 0, c.http.Errorf(provider.KindInvalid, op, 0, "GravityZone reports no counter %q (it reports: %s)", counter, strings.Join(names, ", "))
	}
	var n *float64
	if err := json.Unmarshal(v, &n); err != nil {
		return 0, c.http.Errorf(provider.KindInvalid, op, 0, "counter %q is not a number", counter)
	}
	if n == nil {
		return 0, nil
	}
	return int64(math.Round(*n)), nil
}
