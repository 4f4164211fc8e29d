package halopsa

import (
	"context"
	"net/url"
	"strconv"
	"strings"

	"github.com/accountsync/accountsync-operator/internal/provider"
)

// ListUsers lists a client's active end users. Inactive ones are left out on purpose: Halo
// keeps a deleted user as inactive, and matching must drop its link. CreateUser looks at the
// inactive ones before it creates.
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

// CreateUser creates an end user on the client's main site. Halo allows duplicate users, so it
// first lists the client's users, inactive ones included, for the same person: the same e-mail
// address, or the same name when in has no address. An active one is returned as it is; an
// inactive one is a name conflict that a person resolves (reactivate it in Halo), because
// creating a second record would leave two for one person.
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
	if existing, found, err := c.findSameUser(ctx, op, id, name, in.Email); err != nil || found {
		return existing, err
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

// findSameUser looks for the person among the client's users, inactive ones included.
func (c *Client) findSameUser(ctx context.Context, op string, clientID int64, name, email string) (provider.User, bool, error) {
	rows, err := listAll[wireUser](ctx, c, op, "api/Users", "users", url.Values{
		"client_id":       {strconv.FormatInt(clientID, 10)},
		"includeinactive": {"true"},
	})
	if err != nil {
		return provider.User{}, false, err
	}
	email = strings.TrimSpace(email)
	var inactive *wireUser
	for i, u := range rows {
		same := strings.EqualFold(strings.TrimSpace(string(u.EmailAddress)), email)
		if email == "" {
			same = strings.EqualFold(strings.TrimSpace(toUser(u).Name), name)
		}
		if !same {
			continue
		}
		if !u.Inactive {
			return toUser(u), true, nil
		}
		if inactive == nil {
			inactive = &rows[i]
		}
	}
	if inactive != nil {
		what := "e-mail address " + strconv.Quote(email)
		if email == "" {
			what = "name " + strconv.Quote(name)
		}
		return provider.User{}, false, c.hc.Errorf(provider.KindNameConflict, op, 0,
			"HaloPSA client %d has an inactive user (id %d) with the %s; reactivate it in Halo instead of creating a duplicate",
			clientID, int64(inactive.ID), what)
	}
	return provider.User{}, false, nil
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
