package connectwise

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/accountsync/accountsync-operator/internal/provider"
	"github.com/accountsync/accountsync-operator/internal/provider/httpx"
)

// Communication type names of a fresh CW setup table; CW resolves a type reference by name.
const (
	commTypeEmail = "Email"
	commTypePhone = "Direct"
)

// pickItem returns the default item of a kind ("Email", "Phone"), else the first one.
func pickItem(items []communicationItem, kind string) string {
	first := ""
	for _, it := range items {
		if !strings.EqualFold(it.CommunicationType, kind) || strings.TrimSpace(it.Value) == "" {
			continue
		}
		if it.DefaultFlag {
			return it.Value
		}
		if first == "" {
			first = it.Value
		}
	}
	return first
}

func toUser(ct contact) provider.User {
	u := provider.User{
		ID:        strconv.Itoa(ct.ID),
		FirstName: ct.FirstName,
		LastName:  ct.LastName,
		Name:      strings.TrimSpace(ct.FirstName + " " + ct.LastName),
		Email:     pickItem(ct.CommunicationItems, "Email"),
		Phone:     pickItem(ct.CommunicationItems, "Phone"),
	}
	if u.Phone == "" {
		u.Phone = ct.DefaultPhoneNbr
	}
	return u
}

// ListUsers implements provider.UserLister: the contacts of a company.
func (c *Client) ListUsers(ctx context.Context, ownerID string) ([]provider.User, error) {
	const op = "ListUsers"
	id, err := c.accountID(op, ownerID)
	if err != nil {
		return nil, err
	}
	q := url.Values{"conditions": {Eq("company/id", Int(id)).String()}}
	list, err := listAll[contact](ctx, c, op, "company/contacts", q)
	if err != nil {
		return nil, err
	}
	out := make([]provider.User, len(list))
	for i, ct := range list {
		out[i] = toUser(ct)
	}
	return out, nil
}

type contactCreate struct {
	FirstName          string          `json:"firstName"`
	LastName           string          `json:"lastName,omitempty"`
	Company            idRef           `json:"company"`
	CommunicationItems []communication `json:"communicationItems,omitempty"`
}

// communication is a communication item as written: its type by name only, since the ids of
// the setup table differ per tenant.
type communication struct {
	Type        nameRef `json:"type"`
	Value       string  `json:"value"`
	DefaultFlag bool    `json:"defaultFlag"`
}

type nameRef struct {
	Name string `json:"name"`
}

// splitName splits a display name into first and last name at the first space.
func splitName(name string) (string, string) {
	first, last, _ := strings.Cut(strings.TrimSpace(name), " ")
	return first, strings.TrimSpace(last)
}

// CreateUser implements provider.UserCreator: a contact of the company with its e-mail and
// direct phone as default communication items.
func (c *Client) CreateUser(ctx context.Context, accountID string, in provider.User) (provider.User, error) {
	const op = "CreateUser"
	id, err := c.accountID(op, accountID)
	if err != nil {
		return provider.User{}, err
	}
	first, last := strings.TrimSpace(in.FirstName), strings.TrimSpace(in.LastName)
	if first == "" && last == "" {
		first, last = splitName(in.Name)
	}
	if first == "" {
		// CW requires a first name; a contact known only by a last name keeps it there.
		first, last = last, ""
	}
	if first == "" {
		return provider.User{}, c.http.Errorf(provider.KindInvalid, op, 0, "user has no name")
	}
	body := contactCreate{FirstName: first, LastName: last, Company: idRef{ID: id}}
	if e := strings.TrimSpace(in.Email); e != "" {
		body.CommunicationItems = append(body.CommunicationItems,
			communication{Type: nameRef{Name: commTypeEmail}, Value: e, DefaultFlag: true})
	}
	if p := strings.TrimSpace(in.Phone); p != "" {
		body.CommunicationItems = append(body.CommunicationItems,
			communication{Type: nameRef{Name: commTypePhone}, Value: p, DefaultFlag: true})
	}
	resp, err := c.api(ctx, httpx.Request{Operation: op, Method: http.MethodPost, Path: "company/contacts", Body: httpx.JSON(body)})
	if err != nil {
		return provider.User{}, err
	}
	if resp.StatusCode != http.StatusCreated && resp.StatusCode != http.StatusOK {
		return provider.User{}, c.statusErr(op, resp)
	}
	ct, err := decodeOne[contact](resp.Body)
	if err != nil || ct.ID == 0 {
		return provider.User{}, c.http.Errorf(provider.KindUnknownOutcome, op, resp.StatusCode,
			"created, but the answer could not be read")
	}
	return toUser(ct), nil
}
