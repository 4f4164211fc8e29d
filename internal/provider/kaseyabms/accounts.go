package kaseyabms

import (
	"context"
	"strings"
	"unicode"

	"github.com/accountsync/accountsync-operator/internal/provider"
	"github.com/accountsync/accountsync-operator/internal/provider/httpx"
)

// maxAccountCode is the length of the AccountCode the client derives from a name.
const maxAccountCode = 20

// ListAccounts lists CRM accounts with the filter applied on the server: statuses and types as
// "(StatusId eq 1 or ...)" / "(AccountTypeId eq 3 or ...)", and "IsActive eq true" unless
// inactive accounts are wanted.
func (c *Client) ListAccounts(ctx context.Context, f provider.AccountFilter) ([]provider.Account, error) {
	const op = "ListAccounts"
	filter, err := accountFilter(op, f)
	if err != nil {
		return nil, err
	}
	return listAll(ctx, c, op, "api/crm/accounts", filter, decodeAccount)
}

func accountFilter(op string, f provider.AccountFilter) (string, error) {
	var clauses []string
	if len(f.StatusIDs) > 0 {
		s, err := anyOf(op, "StatusId", f.StatusIDs)
		if err != nil {
			return "", err
		}
		clauses = append(clauses, s)
	}
	if len(f.TypeIDs) > 0 {
		s, err := anyOf(op, "AccountTypeId", f.TypeIDs)
		if err != nil {
			return "", err
		}
		clauses = append(clauses, s)
	}
	if !f.IncludeInactive {
		clauses = append(clauses, "IsActive eq true")
	}
	return strings.Join(clauses, " and "), nil
}

// FindAccountsByName returns every account named name (case-insensitive, surrounding blanks
// ignored as BMS stores names trimmed), whatever its status, type or activity. The server
// narrows with tolower(AccountName) eq '<name>' because OData eq is case-sensitive; the result
// is then compared exactly.
func (c *Client) FindAccountsByName(ctx context.Context, name string) ([]provider.Account, error) {
	const op = "FindAccountsByName"
	name = strings.TrimSpace(name)
	if name == "" {
		return nil, provider.Errorf(provider.KindInvalid, op, "empty account name")
	}
	filter := "tolower(AccountName) eq " + quote(strings.ToLower(name))
	all, err := listAll(ctx, c, op, "api/crm/accounts", filter, decodeAccount)
	if err != nil {
		return nil, err
	}
	var out []provider.Account
	for _, a := range all {
		if strings.EqualFold(strings.TrimSpace(a.Name), name) {
			out = append(out, a)
		}
	}
	return out, nil
}

// ListAccountStatuses reads GET /api/crm/accounts/statuses (an assumption: see the package doc).
func (c *Client) ListAccountStatuses(ctx context.Context) ([]provider.NamedRef, error) {
	return listAll(ctx, c, "ListAccountStatuses", "api/crm/accounts/statuses", "", decodeRef)
}

// ListAccountTypes reads GET /api/crm/accounts/types.
func (c *Client) ListAccountTypes(ctx context.Context) ([]provider.NamedRef, error) {
	return listAll(ctx, c, "ListAccountTypes", "api/crm/accounts/types", "", decodeRef)
}

type accountBody struct {
	AccountName   string `json:"AccountName"`
	AccountCode   string `json:"AccountCode,omitempty"`
	AccountTypeID *int64 `json:"AccountTypeId,omitempty"`
	StatusID      *int64 `json:"StatusId,omitempty"`
}

// CreateAccount posts a new account. BMS refuses a duplicate name with an "already exists"
// Error (HTTP 400 or 200), mapped to KindNameConflict; a create whose answer is lost is
// KindUnknownOutcome and must be followed by a look-up, never a blind retry.
func (c *Client) CreateAccount(ctx context.Context, in provider.AccountCreate) (provider.Account, error) {
	const op = "CreateAccount"
	name := strings.TrimSpace(in.Name)
	if name == "" {
		return provider.Account{}, provider.Errorf(provider.KindInvalid, op, "empty account name")
	}
	body := accountBody{AccountName: name, AccountCode: accountCode(name)}
	if in.TypeID != "" {
		n, err := parseID(op, "TypeID", in.TypeID)
		if err != nil {
			return provider.Account{}, err
		}
		body.AccountTypeID = &n
	}
	if in.StatusID != "" {
		n, err := parseID(op, "StatusID", in.StatusID)
		if err != nil {
			return provider.Account{}, err
		}
		body.StatusID = &n
	}
	env, status, err := c.create(ctx, op, "api/crm/accounts", httpx.JSON(body))
	if err != nil {
		return provider.Account{}, err
	}
	acct, err := createdResult(env, decodeAccount, func(id string) provider.Account {
		return provider.Account{ID: id, Name: name}
	})
	if err != nil {
		return provider.Account{}, c.hc.Errorf(provider.KindUnknownOutcome, op, status, "%v", err)
	}
	return acct, nil
}

// accountCode derives the AccountCode BMS shows next to the name: the name's letters and
// digits, upper-cased, at most maxAccountCode long. A name without any gives no code (the
// field is then left to the server).
func accountCode(name string) string {
	var b strings.Builder
	n := 0
	for _, r := range name {
		if n == maxAccountCode {
			break
		}
		if r < unicode.MaxASCII && (unicode.IsLetter(r) || unicode.IsDigit(r)) {
			b.WriteRune(unicode.ToUpper(r))
			n++
		}
	}
	return b.String()
}
