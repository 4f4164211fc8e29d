package cyberqp

import (
	"context"
	"net/url"
	"strings"

	"github.com/accountsync/accountsync-operator/internal/provider"
)

// customersPath is GET {url}/api/customer, the customer list of the community scripts.
const customersPath = apiRoot + "customer"

func (w customerWire) org() provider.Organization {
	return provider.Organization{ID: string(w.ID), Name: string(w.Name)}
}

// ListOrganizations lists every customer.
func (c *Client) ListOrganizations(ctx context.Context) ([]provider.Organization, error) {
	q := url.Values{"searchText": {""}} // the scripts send it empty to list everything
	return c.customers(ctx, "ListOrganizations", q, func(customerWire) bool { return true })
}

// FindOrganizationsByName narrows with searchText and keeps exact case-insensitive matches.
func (c *Client) FindOrganizationsByName(ctx context.Context, name string) ([]provider.Organization, error) {
	q := url.Values{"searchText": {name}}
	return c.customers(ctx, "FindOrganizationsByName", q, func(w customerWire) bool {
		return strings.EqualFold(string(w.Name), name)
	})
}

func (c *Client) customers(ctx context.Context, op string, q url.Values, keep func(customerWire) bool) ([]provider.Organization, error) {
	rows, err := listAll(ctx, c, op, customersPath, q, decodeCustomerPage)
	if err != nil {
		return nil, err
	}
	var out []provider.Organization
	for _, r := range rows {
		if keep(r) {
			out = append(out, r.org())
		}
	}
	return out, nil
}
