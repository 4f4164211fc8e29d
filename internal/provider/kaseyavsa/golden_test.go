package kaseyavsa

import (
	"encoding/base64"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/accountsync/accountsync-operator/internal/provider"
	vsasim "github.com/accountsync/accountsync-operator/internal/simulator/kaseyavsa"
	"github.com/accountsync/accountsync-operator/internal/simulator/simkit"
)

// TestGoldenRequests pins the exact requests against vendor-apis.md §3.
func TestGoldenRequests(t *testing.T) {
	e := newEnv(t, vsasim.Fixture{Orgs: []vsasim.Org{{Name: "O'Brien", Ref: "obrien"}}}, nil)
	orgID := e.sim.Orgs()[0].ID
	if _, err := e.client.FindOrganizationsByName(ctx, "O'Brien"); err != nil {
		t.Fatal(err)
	}
	if _, err := e.client.CreateOrganization(ctx, "Acme Corp"); err != nil {
		t.Fatal(err)
	}
	if _, err := e.client.ListMachineGroups(ctx, orgID); err != nil {
		t.Fatal(err)
	}
	if _, err := e.client.ListToolAssets(ctx, orgID); err != nil {
		t.Fatal(err)
	}
	reqs := e.rec.all()
	if len(reqs) != 5 {
		t.Fatalf("%d requests: %+v", len(reqs), reqs)
	}
	basic := "Basic " + base64.StdEncoding.EncodeToString([]byte(testUser+":"+testToken))
	auth, find, create, groups, agents := reqs[0], reqs[1], reqs[2], reqs[3], reqs[4]

	if auth.Method != "GET" || auth.Path != "/api/v1.0/auth/" || auth.Auth != basic || len(auth.Query) != 0 {
		t.Errorf("auth request %+v", auth)
	}
	for _, r := range reqs[1:] {
		if !strings.HasPrefix(r.Auth, "Bearer vsa-session-") {
			t.Errorf("%s %s carries %q, want the session bearer", r.Method, r.Path, r.Auth)
		}
		if !strings.HasSuffix(r.Path, "/") {
			t.Errorf("%s lacks the trailing slash", r.Path)
		}
	}
	wantQuery := func(r recorded, want url.Values) {
		t.Helper()
		if r.Query.Encode() != want.Encode() {
			t.Errorf("%s query = %s, want %s", r.Path, r.Query.Encode(), want.Encode())
		}
	}
	if find.Method != "GET" || find.Path != "/api/v1.0/system/orgs/" {
		t.Errorf("find %+v", find)
	}
	wantQuery(find, url.Values{"$filter": {"tolower(OrgName) eq 'o''brien'"}, "$top": {"100"}, "$skip": {"0"}, "$orderby": {"OrgId"}})

	wantBody := `{"OrgName":"Acme Corp","OrgRef":"acme-corp","DefaultDepartmentName":"root","DefaultMachineGroupName":"root"}`
	if create.Method != "POST" || create.Path != "/api/v1.0/system/orgs/" || create.Body != wantBody ||
		create.ContentType != "application/json" || len(create.Query) != 0 {
		t.Errorf("create %+v", create)
	}
	if groups.Method != "GET" || groups.Path != "/api/v1.0/system/orgs/"+orgID+"/machinegroups/" {
		t.Errorf("groups %+v", groups)
	}
	wantQuery(groups, url.Values{"$top": {"100"}, "$skip": {"0"}, "$orderby": {"MachineGroupId"}})
	if agents.Method != "GET" || agents.Path != "/api/v1.0/assetmgmt/agents/" {
		t.Errorf("agents %+v", agents)
	}
	wantQuery(agents, url.Values{"$filter": {"OrgId eq " + orgID}, "$top": {"100"}, "$skip": {"0"}, "$orderby": {"AgentId"}})
}

// A URL with a path prefix (a VSA behind a reverse proxy) keeps it.
func TestBaseURLWithPathPrefix(t *testing.T) {
	e := newEnv(t, vsasim.Fixture{}, func(next http.Handler) http.Handler {
		return http.StripPrefix("/vsa", next)
	})
	c := newTestClient(t, e.srv.URL+"/vsa/", testUser, testToken)
	if _, err := c.Probe(ctx); err != nil {
		t.Fatal(err)
	}
	if p := e.rec.all()[0].Path; p != "/vsa/api/v1.0/auth/" {
		t.Fatalf("auth path %s", p)
	}
}

// TestNoSecretInErrors drives every error path with a server that echoes the credentials back
// in its bodies, and checks that no credential value reaches an error string.
func TestNoSecretInErrors(t *testing.T) {
	encoded := base64.StdEncoding.EncodeToString([]byte(testUser + ":" + testToken))
	echo := func(http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			leak := fmt.Sprintf("user %s token %s header %s", testUser, testToken, r.Header.Get("Authorization"))
			w.WriteHeader(http.StatusUnauthorized)
			fmt.Fprintf(w, `{"Result":null,"ResponseCode":401,"Status":"Failed","Error":%q}`, leak)
		})
	}
	e := newEnv(t, vsasim.Fixture{}, echo)
	var errs []error
	_, err := e.client.Probe(ctx)
	errs = append(errs, err)
	_, err = e.client.CreateOrganization(ctx, "Leaky")
	errs = append(errs, err)

	// Logical errors and 5xx bodies that echo the credentials.
	for _, status := range []int{http.StatusOK, http.StatusBadRequest, http.StatusInternalServerError} {
		leaky := newEnv(t, vsasim.Fixture{}, func(next http.Handler) http.Handler {
			return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if strings.Contains(r.URL.Path, "/auth") {
					next.ServeHTTP(w, r)
					return
				}
				w.WriteHeader(status)
				fmt.Fprintf(w, `{"Result":null,"ResponseCode":9,"Status":"Failed","Error":"bad %s %s %s"}`, testUser, testToken, encoded)
			})
		})
		_, err = leaky.client.ListOrganizations(ctx)
		errs = append(errs, err)
		_, err = leaky.client.CreateOrganization(ctx, "Leaky")
		errs = append(errs, err)
	}
	// A timeout on a create.
	slow := newEnv(t, vsasim.Fixture{}, nil, func(c *provider.Config) { c.Timeout = 50 * time.Millisecond })
	slow.sim.SetFaults(simkit.Faults{SlowCreates: 1, SlowCreateDelay: 300 * time.Millisecond})
	_, err = slow.client.CreateOrganization(ctx, "Leaky")
	errs = append(errs, err)

	for i, err := range errs {
		if err == nil {
			t.Fatalf("case %d: no error", i)
		}
		for _, secret := range []string{testToken, testUser, encoded} {
			if strings.Contains(err.Error(), secret) {
				t.Errorf("case %d: error %q contains a credential", i, err)
			}
		}
	}
}
