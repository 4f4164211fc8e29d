package kaseyabms

import (
	"context"
	"strconv"
	"strings"

	"github.com/accountsync/accountsync-operator/internal/provider"
	"github.com/accountsync/accountsync-operator/internal/provider/httpx"
)

// defaultContactTypeID is the email and phone type sent with a new contact's default address and
// number; 1 is the value the open-source BMS client's documented example uses.
const defaultContactTypeID = 1

// ListUsers lists an account's contacts: GET /api/crm/contacts?$filter=AccountId eq {id}.
func (c *Client) ListUsers(ctx context.Context, accountID string) ([]provider.User, error) {
	const op = "ListUsers"
	id, err := parseID(op, "accountID", accountID)
	if err != nil {
		return nil, err
	}
	return listAll(ctx, c, op, "api/crm/contacts", "AccountId eq "+strconv.FormatInt(id, 10), decodeContact)
}

type contactBody struct {
	AccountID           int64  `json:"AccountId"`
	LocationID          int64  `json:"LocationId"`
	FirstName           string `json:"FirstName"`
	LastName            string `json:"LastName"`
	DefaultEmailTypeID  int64  `json:"DefaultEmailTypeId,omitempty"`
	DefaultEmailAddress string `json:"DefaultEmailAddress,omitempty"`
	DefaultPhoneTypeID  int64  `json:"DefaultPhoneTypeId,omitempty"`
	DefaultPhoneNumber  string `json:"DefaultPhoneNumber,omitempty"`
}

// CreateUser creates a contact at the account's main location (looked up first, since the
// create needs a LocationId). A contact needs a first and a last name; when only a display
// name is given it is split at the first blank.
func (c *Client) CreateUser(ctx context.Context, accountID string, in provider.User) (provider.User, error) {
	const op = "CreateUser"
	id, err := parseID(op, "accountID", accountID)
	if err != nil {
		return provider.User{}, err
	}
	firstName, lastName := strings.TrimSpace(in.FirstName), strings.TrimSpace(in.LastName)
	if firstName == "" && lastName == "" {
		firstName, lastName, _ = strings.Cut(strings.TrimSpace(in.Name), " ")
		lastName = strings.TrimSpace(lastName)
	}
	if firstName == "" || lastName == "" {
		return provider.User{}, provider.Errorf(provider.KindInvalid, op,
			"a BMS contact needs a first and a last name (got %q / %q)", firstName, lastName)
	}
	body := contactBody{AccountID: id, FirstName: firstName, LastName: lastName}
	if email := strings.TrimSpace(in.Email); email != "" {
		body.DefaultEmailTypeID, body.DefaultEmailAddress = defaultContactTypeID, email
	}
	if phone := strings.TrimSpace(in.Phone); phone != "" {
		body.DefaultPhoneTypeID, body.DefaultPhoneNumber = defaultContactTypeID, phone
	}
	if err := c.login(ctx); err != nil {
		return provider.User{}, err
	}
	if body.LocationID, err = c.mainLocationID(ctx, op, id); err != nil {
		return provider.User{}, err
	}
	env, status, err := c.create(ctx, op, "api/crm/contacts", httpx.JSON(body))
	if err != nil {
		return provider.User{}, err
	}
	u, err := createdResult(env, decodeContact, func(id string) provider.User {
		return provider.User{ID: id, FirstName: firstName, LastName: lastName, Name: firstName + " " + lastName,
			Email: body.DefaultEmailAddress, Phone: body.DefaultPhoneNumber}
	})
	if err != nil {
		return provider.User{}, c.hc.Errorf(provider.KindUnknownOutcome, op, status, "%v", err)
	}
	return u, nil
}
