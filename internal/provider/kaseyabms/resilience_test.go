package kaseyabms

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/accountsync/accountsync-operator/internal/provider"
	sim "github.com/accountsync/accountsync-operator/internal/simulator/kaseyabms"
	"github.com/accountsync/accountsync-operator/internal/simulator/simkit"
)

func TestThrottlingAndServerErrorsAreRetried(t *testing.T) {
	var accts []sim.Account
	for i := range 120 {
		accts = append(accts, sim.Account{AccountName: fmt.Sprintf("A%03d", i), AccountTypeID: 1})
	}
	s, c := newEnv(t, sim.Fixture{Accounts: accts})
	s.SetFaults(simkit.Faults{ThrottleEvery: 2, ServerErrorEvery: 3})
	got, err := c.ListAccounts(ctx, provider.AccountFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 120 {
		t.Fatalf("listed %d", len(got))
	}
}

func TestSlowCreateIsAnUnknownOutcome(t *testing.T) {
	s, c := newEnv(t, sim.Fixture{}, func(cfg *provider.Config) { cfg.Timeout = 200 * time.Millisecond })
	s.SetFaults(simkit.Faults{SlowCreates: 1, SlowCreateDelay: time.Second})
	_, err := c.CreateAccount(ctx, provider.AccountCreate{Name: "Slow", TypeID: "1", ManagerID: "1", BusinessTypeID: "1"})
	kindOf(t, err, provider.KindUnknownOutcome)
	if len(s.Accounts()) != 1 {
		t.Fatalf("accounts = %+v: the create happened once and was not resent", s.Accounts())
	}
}

// stub serves fixed answers after a real login, for shapes the simulator never sends.
func stub(t *testing.T, h http.HandlerFunc) *Client {
	t.Helper()
	login := sim.New(sim.Fixture{Credentials: []sim.Credential{testCred}})
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, "/v2/security/") {
			login.ServeHTTP(w, r)
			return
		}
		h(w, r)
	}))
	t.Cleanup(ts.Close)
	c, err := New(testConfig(ts.URL), creds(testCred))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestServerIgnoringPageNumberIsStopped(t *testing.T) {
	c := stub(t, func(w http.ResponseWriter, _ *http.Request) {
		fmt.Fprint(w, `{"Success":true,"Result":[{"Id":1,"Name":"Same"}]}`)
	})
	_, err := c.FindAccountsByName(ctx, "Same")
	kindOf(t, err, provider.KindTransient)
	if !strings.Contains(err.Error(), "repeats") {
		t.Fatalf("error = %v", err)
	}
}

func TestAnswersThatAreNotTheEnvelopeAreErrors(t *testing.T) {
	for body, kind := range map[string]provider.Kind{
		`<html>proxy</html>`:            provider.KindUnknownOutcome,
		`{}`:                            provider.KindUnknownOutcome,
		`{"Success":true,"Result":"x"}`: provider.KindUnknownOutcome,
	} {
		c := stub(t, func(w http.ResponseWriter, _ *http.Request) { fmt.Fprint(w, body) })
		_, err := c.CreateAccount(ctx, provider.AccountCreate{Name: "X", TypeID: "1", ManagerID: "1", BusinessTypeID: "1"})
		kindOf(t, err, kind)
	}
	c := stub(t, func(w http.ResponseWriter, _ *http.Request) { fmt.Fprint(w, `{"Result":[]}`) })
	_, err := c.ListAccountTypes(ctx)
	kindOf(t, err, provider.KindTransient)
}

func TestErrorInfoIsReported(t *testing.T) {
	c := stub(t, func(w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(http.StatusBadRequest)
		fmt.Fprint(w, `{"Success":false,"Error":{"Code":1001,"Message":"Validation failed","Details":"AccountTypeId is invalid","SubErrors":null}}`)
	})
	_, err := c.ListAccountTypes(ctx)
	kindOf(t, err, provider.KindInvalid)
	if !strings.Contains(err.Error(), "Validation failed AccountTypeId is invalid") {
		t.Fatalf("error = %v", err)
	}
}

func TestListingThatFallsShortOfTotalRecordsStopsOnTheEmptyPage(t *testing.T) {
	calls := 0
	c := stub(t, func(w http.ResponseWriter, r *http.Request) {
		calls++
		if r.URL.Query().Get("PageNumber") == "1" {
			fmt.Fprint(w, `{"Success":true,"Result":[{"Id":1,"AccountName":"A"}],"TotalRecords":2}`)
			return
		}
		fmt.Fprint(w, `{"Success":true,"Result":[],"TotalRecords":1}`)
	})
	got, err := c.ListAccounts(ctx, provider.AccountFilter{IncludeInactive: true})
	if err != nil || len(got) != 1 || calls != 2 {
		t.Fatalf("got %v, %v after %d calls", got, err, calls)
	}
}
