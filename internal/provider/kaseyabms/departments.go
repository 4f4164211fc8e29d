package kaseyabms

import (
	"context"
	"strconv"
	"strings"

	"github.com/accountsync/accountsync-operator/internal/provider"
	"github.com/accountsync/accountsync-operator/internal/provider/httpx"
)

// departmentsPath is where the client reads and creates an account's departments. Public
// sources do not describe a departments endpoint; this follows the V1 layout of the account's
// other sub-resources (crm/accounts/{id}/locations, /notes, /linkedaccounts). See the package
// doc.
func departmentsPath(accountID int64) string {
	return "api/crm/accounts/" + strconv.FormatInt(accountID, 10) + "/departments"
}

// ListDepartments lists every department of an account, inactive ones included, so a create
// never collides with a department the sync cannot see.
func (c *Client) ListDepartments(ctx context.Context, accountID string) ([]provider.Department, error) {
	const op = "ListDepartments"
	id, err := parseID(op, "accountID", accountID)
	if err != nil {
		return nil, err
	}
	return listAll(ctx, c, op, departmentsPath(id), "", decodeDepartment)
}

type departmentBody struct {
	DepartmentName string `json:"DepartmentName"`
}

// CreateDepartment posts {DepartmentName} to the account's departments; a name the account
// already has is KindNameConflict.
func (c *Client) CreateDepartment(ctx context.Context, accountID, name string) (provider.Department, error) {
	const op = "CreateDepartment"
	id, err := parseID(op, "accountID", accountID)
	if err != nil {
		return provider.Department{}, err
	}
	name = strings.TrimSpace(name)
	if name == "" {
		return provider.Department{}, provider.Errorf(provider.KindInvalid, op, "empty department name")
	}
	env, status, err := c.create(ctx, op, departmentsPath(id), httpx.JSON(departmentBody{DepartmentName: name}))
	if err != nil {
		return provider.Department{}, err
	}
	d, err := createdResult(env, decodeDepartment, func(id string) provider.Department {
		return provider.Department{ID: id, Name: name}
	})
	if err != nil {
		return provider.Department{}, c.hc.Errorf(provider.KindUnknownOutcome, op, status, "%v", err)
	}
	return d, nil
}
