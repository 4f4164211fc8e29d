package cyberqp

import (
	"context"
	"net/url"
	"strings"

	"github.com/accountsync/accountsync-operator/internal/provider"
)

// ListUsers lists the end users of one customer: GET {url}/api/customer/{id}/users, as the
// community scripts call it.
func (c *Client) ListUsers(ctx context.Context, customerID string) ([]provider.User, error) {
	const op = "ListUsers"
	if strings.TrimSpace(customerID) == "" {
		return nil, c.http.Errorf(provider.KindInvalid, op, 0, "customer id is empty")
	}
	path := customersPath + "/" + url.PathEscape(customerID) + "/users"
	rows, err := listAll(ctx, c, op, path, nil, decodeUserPage)
	if err != nil {
		return nil, err
	}
	out := make([]provider.User, len(rows))
	for i, r := range rows {
		out[i] = r.user()
	}
	return out, nil
}

func (w userWire) user() provider.User {
	first := firstOf(w.FirstName, w.GivenName)
	last := firstOf(w.LastName, w.Surname)
	name := string(w.DisplayName)
	if name == "" {
		name = strings.TrimSpace(first + " " + last)
	}
	email := string(w.Email)
	if upn := string(w.UserPrincipalName); email == "" && looksLikeAddress(upn) {
		email = upn
	}
	return provider.User{
		ID:        string(w.QpID),
		FirstName: first,
		LastName:  last,
		Name:      name,
		Email:     email,
		Phone:     firstOf(w.Phone, w.PhoneNumber, w.MobilePhone),
	}
}

// looksLikeAddress accepts "local@domain.tld"; an on-premises UPN suffix such as
// "user@corp.local" passes too, which is harmless: it only matches a PSA user with that address.
func looksLikeAddress(s string) bool {
	local, domain, ok := strings.Cut(s, "@")
	return ok && local != "" && strings.Contains(domain, ".") && !strings.ContainsAny(s, " \t")
}
