package halopsa

import (
	"context"
	"net/url"
	"strconv"
	"strings"

	"github.com/accountsync/accountsync-operator/internal/provider"
)

// ListUsers lists a client's active end users.
func (c *Client) ListUsers(ctx context.Context, ownerID string) ([]provider.User, error) {
	const op = "ListUsers"
	id, err := c.parseID(op, "account", ownerID)
	if err != nil {
		return nil, err
	}
	rows, err := listAll[wireUser](ctx, c, op, "api/Users", "users",
		url.Values{"client_id": {strconv.FormatInt(id, 10)}})
	if err != nil {
		return nil, err
	}
	out := make([]provider.User, 0, len(rows))
	for _, u := range rows {
		out = append(out, toUser(u))
	}
	return out, nil
}

// CreateUser creates an end user on the client's main site.
func (c *Client) CreateUser(ctx context.Context, accountID string, in provider.User) (provider.User, error) {
	const op = "CreateUser"
	id, err := c.parseID(op, "account", accountID)
	if err != nil {
		return provider.User{}, err
	}
	name := strings.TrimSpace(in.Name)
	if name == "" {
		name = strings.TrimSpace(strings.TrimSpace(in.FirstName) + " " + strings.TrimSpace(in.LastName))
	}
	if name == "" {
		return provider.User{}, c.hc.Errorf(provider.KindInvalid, op, 0, "a user needs a name")
	}
	client, err := c.getClient(ctx, op, id)
	if err != nil {
		return provider.User{}, err
	}
	rec := map[string]any{
		"name":         name,
		"firstname":    in.FirstName,
		"surname":      in.LastName,
		"emailaddress": in.Email,
		"phonenumber":  in.Phone,
		"client_id":    id,
	}
	if client.MainSiteID != 0 {
		rec["site_id"] = int64(client.MainSiteID)
	}
	resp, err := c.post(ctx, op, "api/Users", []any{rec}, false)
	if err != nil {
		return provider.User{}, err
	}
	saved, err := decodeOne[wireUser](resp.Body)
	if err != nil || saved.ID == 0 {
		return provider.User{}, c.hc.Errorf(provider.KindUnknownOutcome, op, resp.StatusCode,
			"Halo accepted the user but its answer names no record; list the users again")
	}
	return toUser(saved), nil
}

func toUser(u wireUser) provider.User {
	phone := string(u.PhoneNumber)
	if phone == "" {
		phone = string(u.MobileNumber)
	}
	name := string(u.Name)
	if name == "" {
		name = strings.TrimSpace(string(u.FirstName) + " " + string(u.Surname))
	}
	return provider.User{
		ID:        formatID(u.ID),
		FirstName: string(u.FirstName),
		LastName:  string(u.Surname),
		Name:      name,
		Email:     string(u.EmailAddress),
		Phone:     phone,
	}
}
