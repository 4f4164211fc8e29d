package kaseyabms

import (
	"context"
	"net/http"
	"net/url"
	"testing"

	"github.com/accountsync/accountsync-operator/internal/provider"
	sim "github.com/accountsync/accountsync-operator/internal/simulator/kaseyabms"
)

// TestGoldenRequests pins the exact wire shape of every request against vendor-apis.md §4 (and
// the package doc's assumptions where the sources are silent).
func TestGoldenRequests(t *testing.T) {
	rec := &recorder{next: http.DefaultTransport}
	f := sim.Fixture{
		Accounts:    []sim.Account{{AccountName: "Acme"}},
		Departments: []sim.Department{{AccountID: 1001, DepartmentName: "Engineering"}},
	}
	_, c := newEnv(t, f, func(cfg *provider.Config) { cfg.Transport = rec })
	ctx := context.Background()

	steps := []struct {
		name string
		run  func() error
		want []recorded
	}{
		{"token and list with filter", func() error {
			_, err := c.ListAccounts(ctx, provider.AccountFilter{StatusIDs: []string{"1", "2"}, TypeIDs: []string{"3"}})
			return err
		}, []recorded{
			{method: "POST", path: "/api/token", contentType: "application/x-www-form-urlencoded",
				body: "grant_type=password&password=S3cret-pass%21&tenant=Acme+MSP&username=api-user"},
			{method: "GET", path: "/api/crm/accounts", query: url.Values{"$top": {"100"}, "$skip": {"0"},
				"$filter": {"(StatusId eq 1 or StatusId eq 2) and AccountTypeId eq 3 and IsActive eq true"}}},
		}},
		{"find by name", func() error {
			_, err := c.FindAccountsByName(ctx, "O'Brien & Sons")
			return err
		}, []recorded{
			{method: "GET", path: "/api/crm/accounts", query: url.Values{"$top": {"100"}, "$skip": {"0"},
				"$filter": {"tolower(AccountName) eq 'o''brien & sons'"}}},
		}},
		{"statuses and types", func() error {
			if _, err := c.ListAccountStatuses(ctx); err != nil {
				return err
			}
			_, err := c.ListAccountTypes(ctx)
			return err
		}, []recorded{
			{method: "GET", path: "/api/crm/accounts/statuses", query: url.Values{"$top": {"100"}, "$skip": {"0"}}},
			{method: "GET", path: "/api/crm/accounts/types", query: url.Values{"$top": {"100"}, "$skip": {"0"}}},
		}},
		{"create account", func() error {
			_, err := c.CreateAccount(ctx, provider.AccountCreate{Name: "New Co", StatusID: "1", TypeID: "2"})
			return err
		}, []recorded{
			{method: "POST", path: "/api/crm/accounts", contentType: "application/json",
				body: `{"AccountName":"New Co","AccountCode":"NEWCO","AccountTypeId":2,"StatusId":1}`},
		}},
		{"create account without status or type", func() error {
			_, err := c.CreateAccount(ctx, provider.AccountCreate{Name: "Bare"})
			return err
		}, []recorded{
			{method: "POST", path: "/api/crm/accounts", contentType: "application/json",
				body: `{"AccountName":"Bare","AccountCode":"BARE"}`},
		}},
		{"locations", func() error {
			if _, err := c.ListLocations(ctx, "1001"); err != nil {
				return err
			}
			_, err := c.CreateLocation(ctx, "1001", "hq")
			return err
		}, []recorded{
			{method: "GET", path: "/api/crm/accounts/1001/locations", query: url.Values{"$top": {"100"}, "$skip": {"0"}}},
			{method: "POST", path: "/api/crm/locations", contentType: "application/json",
				body: `{"AccountId":1001,"LocationName":"hq","Addresses":[]}`},
		}},
		{"departments", func() error {
			if _, err := c.ListDepartments(ctx, "1001"); err != nil {
				return err
			}
			_, err := c.CreateDepartment(ctx, "1001", "Marketing")
			return err
		}, []recorded{
			{method: "GET", path: "/api/crm/accounts/1001/departments", query: url.Values{"$top": {"100"}, "$skip": {"0"}}},
			{method: "POST", path: "/api/crm/accounts/1001/departments", contentType: "application/json",
				body: `{"DepartmentName":"Marketing"}`},
		}},
		{"assets", func() error {
			a, err := c.CreateAsset(ctx, provider.PSAAsset{AccountID: "1001", ExternalKey: "agent-7", Name: "pc-7",
				SerialNumber: "SN7", OS: "Linux", IPAddress: "10.1.1.7"})
			if err != nil {
				return err
			}
			a.LocationID, a.DepartmentID = "2001", "3001"
			if _, err := c.UpdateAsset(ctx, a); err != nil {
				return err
			}
			_, err = c.ListAssets(ctx, "1001")
			return err
		}, []recorded{
			{method: "POST", path: "/api/servicedesk/assets", contentType: "application/json",
				body: `{"AccountId":1001,"LocationId":null,"DepartmentId":null,"AssetName":"pc-7","SerialNumber":"SN7","OS":"Linux","IPAddress":"10.1.1.7","RmmAssetId":"agent-7"}`},
			{method: "PUT", path: "/api/servicedesk/assets/4001", contentType: "application/json",
				body: `{"Id":4001,"AccountId":1001,"LocationId":2001,"DepartmentId":3001,"AssetName":"pc-7","SerialNumber":"SN7","OS":"Linux","IPAddress":"10.1.1.7","RmmAssetId":"agent-7"}`},
			{method: "GET", path: "/api/servicedesk/assets", query: url.Values{"$top": {"100"}, "$skip": {"0"},
				"$filter": {"AccountId eq 1001"}}},
		}},
		{"contacts", func() error {
			if _, err := c.ListUsers(ctx, "1001"); err != nil {
				return err
			}
			_, err := c.CreateUser(ctx, "1001", provider.User{FirstName: "Jane", LastName: "Doe", Email: "jane@acme.test", Phone: "5551234567"})
			return err
		}, []recorded{
			{method: "GET", path: "/api/crm/contacts", query: url.Values{"$top": {"100"}, "$skip": {"0"},
				"$filter": {"AccountId eq 1001"}}},
			{method: "GET", path: "/api/crm/accounts/1001/locations", query: url.Values{"$top": {"1"},
				"$filter": {"IsMain eq true"}}},
			{method: "POST", path: "/api/crm/contacts", contentType: "application/json",
				body: `{"AccountId":1001,"LocationId":2001,"FirstName":"Jane","LastName":"Doe","DefaultEmailTypeId":1,"DefaultEmailAddress":"jane@acme.test","DefaultPhoneTypeId":1,"DefaultPhoneNumber":"5551234567"}`},
		}},
	}
	for _, st := range steps {
		rec.reqs = nil
		if err := st.run(); err != nil {
			t.Fatalf("%s: %v", st.name, err)
		}
		if len(rec.reqs) != len(st.want) {
			t.Fatalf("%s: %d requests, want %d: %+v", st.name, len(rec.reqs), len(st.want), rec.reqs)
		}
		for i, got := range rec.reqs {
			want := st.want[i]
			if got.method != want.method || got.path != want.path || got.body != want.body ||
				(want.contentType != "" && got.contentType != want.contentType) {
				t.Errorf("%s #%d:\n got %s %s %q %q\nwant %s %s %q %q", st.name, i, got.method, got.path,
					got.contentType, got.body, want.method, want.path, want.contentType, want.body)
			}
			if want.query == nil {
				want.query = url.Values{}
			}
			if got.query.Encode() != want.query.Encode() {
				t.Errorf("%s #%d: query %s, want %s", st.name, i, got.query.Encode(), want.query.Encode())
			}
			wantAuth := "Bearer "
			if got.path == "/api/token" {
				wantAuth = ""
			}
			if len(got.auth) < len(wantAuth) || got.auth[:len(wantAuth)] != wantAuth || (wantAuth == "" && got.auth != "") {
				t.Errorf("%s #%d: Authorization %q", st.name, i, got.auth)
			}
		}
	}
}
