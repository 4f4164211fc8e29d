package kaseyabms

import (
	"context"
	"net/url"
	"strconv"
	"strings"

	"github.com/accountsync/accountsync-operator/internal/provider"
	"github.com/accountsync/accountsync-operator/internal/provider/httpx"
)

const contactsPath = "v2/crm/contacts/summary"

// defaultContactTypeID is the EmailTypeId and PhoneTypeId of a new contact's address and
// number. v2 documents no look-up for them; 1 is an assumption (the first seeded type).
const defaultContactTypeID = 1

// ListUsers lists an account's contacts: GET /v2/crm/contacts/summary?Filter.AccountId=.
func (c *Client) ListUsers(ctx context.Context, accountID string) ([]provider.User, error) {
	const op = "ListUsers"
	id, err := parseID(op, "accountID", accountID)
	if err != nil {
		return nil, err
	}
	return listAll(ctx, c, op, contactsPath, url.Values{"Filter.AccountId": {strconv.FormatInt(id, 10)}}, decodeContact)
}

// contactBody is ContactInputDto.
type contactBody struct {
	FirstName  string      `json:"FirstName"`
	LastName   string      `json:"LastName"`
	AccountID  int64       `json:"AccountId"`
	LocationID int64       `json:"LocationId"`
	Phones     []phoneBody `json:"Phones"`
	Emails     []emailBody `json:"Emails"`
}

type phoneBody struct {
	PhoneNumber string `json:"PhoneNumber"`
	PhoneTypeID int64  `json:"PhoneTypeId"`
	IsDefault   bool   `json:"IsDefault"`
}

type emailBody struct {
	EmailAddress string `json:"EmailAddress"`
	EmailTypeID  int64  `json:"EmailTypeId"`
	IsDefault    bool   `json:"IsDefault"`
}

// CreateUser creates a contact at the account's main location with POST
// /v2/crm/contacts/summary. A contact needs a first and a last name; when only a display name
// is given it is split at the first blank.
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
	body := contactBody{AccountID: id, FirstName: firstName, LastName: lastName, Phones: []phoneBody{}, Emails: []emailBody{}}
	email, phone := strings.TrimSpace(in.Email), strings.TrimSpace(in.Phone)
	if email != "" {
		body.Emails = append(body.Emails, emailBody{EmailAddress: email, EmailTypeID: defaultContactTypeID, IsDefault: true})
	}
	if phone != "" {
		body.Phones = append(body.Phones, phoneBody{PhoneNumber: phone, PhoneTypeID: defaultContactTypeID, IsDefault: true})
	}
	if err := c.login(ctx); err != nil {
		return provider.User{}, err
	}
	if body.LocationID, err = c.mainLocationID(ctx, op, id); err != nil {
		return provider.User{}, err
	}
	env, status, err := c.create(ctx, op, contactsPath, httpx.JSON(body))
	if err != nil {
		return provider.User{}, err
	}
	u, err := createdResult(env, decodeContact, func(id string) provider.User {
		return provider.User{ID: id, FirstName: firstName, LastName: lastName, Name: firstName + " " + lastName,
			Email: email, Phone: phone}
	})
	if err != nil {
		return provider.User{}, c.hc.Errorf(provider.KindUnknownOutcome, op, status, "%v", err)
	}
	return u, nil
}
