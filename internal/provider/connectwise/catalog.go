package connectwise

import (
	"context"
	"strconv"
	"sync"
	"time"

	"github.com/accountsync/accountsync-operator/internal/provider"
)

// statusCacheTTL bounds how stale Account.Inactive may be in look-ups; listings read fresh.
const statusCacheTTL = 5 * time.Minute

type statusCache struct {
	mu       sync.Mutex
	at       time.Time
	inactive map[int]bool
}

func (s *statusCache) store(list []companyStatus) map[int]bool {
	inactive := make(map[int]bool, len(list))
	for _, st := range list {
		if st.InactiveFlag {
			inactive[st.ID] = true
		}
	}
	s.mu.Lock()
	s.at, s.inactive = time.Now(), inactive
	s.mu.Unlock()
	return inactive
}

func (s *statusCache) get() (map[int]bool, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.inactive == nil || time.Since(s.at) > statusCacheTTL {
		return nil, false
	}
	return s.inactive, true
}

func (c *Client) fetchStatuses(ctx context.Context, op string) ([]companyStatus, error) {
	list, err := listAll[companyStatus](ctx, c, op, "company/companies/statuses", nil)
	if err != nil {
		return nil, err
	}
	c.statuses.store(list)
	return list, nil
}

// inactiveStatuses returns the ids of statuses flagged inactive, from the cache when it is
// fresh enough and fresh is false.
func (c *Client) inactiveStatuses(ctx context.Context, op string, fresh bool) (map[int]bool, error) {
	if !fresh {
		if m, ok := c.statuses.get(); ok {
			return m, nil
		}
	}
	list, err := c.fetchStatuses(ctx, op)
	if err != nil {
		return nil, err
	}
	return c.statuses.store(list), nil
}

// ListAccountStatuses implements provider.StatusTypeLister.
func (c *Client) ListAccountStatuses(ctx context.Context) ([]provider.NamedRef, error) {
	list, err := c.fetchStatuses(ctx, "ListAccountStatuses")
	if err != nil {
		return nil, err
	}
	out := make([]provider.NamedRef, len(list))
	for i, s := range list {
		out[i] = provider.NamedRef{ID: strconv.Itoa(s.ID), Name: s.Name, Inactive: s.InactiveFlag}
	}
	return out, nil
}

// ListAccountTypes implements provider.StatusTypeLister.
func (c *Client) ListAccountTypes(ctx context.Context) ([]provider.NamedRef, error) {
	list, err := listAll[companyType](ctx, c, "ListAccountTypes", "company/companies/types", nil)
	if err != nil {
		return nil, err
	}
	out := make([]provider.NamedRef, len(list))
	for i, t := range list {
		out[i] = provider.NamedRef{ID: strconv.Itoa(t.ID), Name: t.Name}
	}
	return out, nil
}
