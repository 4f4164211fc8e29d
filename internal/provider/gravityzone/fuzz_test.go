package gravityzone

import (
	"encoding/json"
	"strings"
	"testing"

	gzsim "github.com/accountsync/accountsync-operator/internal/simulator/gravityzone"
)

func FuzzDecodeResponse(f *testing.F) {
	for _, seed := range []string{
		`{"id":"1","jsonrpc":"2.0","result":null}`,
		`{"id":"1","jsonrpc":"2.0","result":[{"id":"5f3a","name":"Acme"}]}`,
		`{"id":"f39a","jsonrpc":"2.0","error":{"code":-32602,"message":"Invalid params","data":{"details":"One or more items are not available for the specified action."}}}`,
		`{"jsonrpc":"2.0","error":{"code":-32700,"message":"Parse error","data":"text"}}`,
		`{"jsonrpc":"2.0","error":{"message":"no code"}}`,
		`{"jsonrpc":"2.0","error":null,"result":1}`,
		`[]`, `null`, `{}`, `{"error":"x"}`, ``,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		r, err := decodeResponse(body)
		if err != nil {
			return
		}
		if (r.Error == nil) == (r.Result == nil) {
			t.Fatalf("exactly one of result and error: %+v", r)
		}
		if r.Result != nil && !json.Valid(r.Result) {
			t.Fatalf("result is not valid JSON: %q", r.Result)
		}
	})
}

func FuzzDecodeCompanies(f *testing.F) {
	for _, seed := range []string{
		`[{"id":"5f3a00000000000000000001","name":"Acme Corp"},{"id":"5f3a00000000000000000002","name":"Globex"}]`,
		`[{"type":1,"name":"Acme","id":"54a28b41b1a43d89367b23fd","isSuspended":true,"createdAt":"2015-01-01T00:00:00","country":"N/A"}]`,
		`[{"name":"no id"}]`, `[]`, `null`, `{}`, `[1]`, `[{"id":7}]`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		orgs, err := decodeCompanies(raw)
		if err != nil {
			return
		}
		for _, o := range orgs {
			if o.ID == "" {
				t.Fatalf("an organization without id was accepted from %q", raw)
			}
		}
	})
}

func FuzzDecodeCreatedID(f *testing.F) {
	for _, seed := range []string{`"54a28b41b1a43d89367b23fd"`, `{"id":"54a28b41b1a43d89367b23fd"}`, `null`, `42`, `[]`, `{"id":1}`, ``} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		id, err := decodeCreatedID(raw)
		if err != nil && id != "" {
			t.Fatalf("an error must not come with an id: %q", id)
		}
	})
}

func FuzzDecodeKeyDetails(f *testing.F) {
	for _, seed := range []string{
		`{"enabledApis":["packages","network","policies","reports"],"createdAt":"2019-04-11T12:00:54"}`,
		`{"enabledApis":null}`, `null`, `[]`, `{"enabledApis":"companies"}`, ``,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		d, err := decodeKeyDetails(raw)
		if err != nil {
			return
		}
		for _, a := range d.EnabledAPIs {
			if !d.enables(strings.ToUpper(a)) {
				t.Fatalf("enables must be case-insensitive for %q", a)
			}
		}
	})
}

// FuzzNameFilter checks the find strategy's invariant against the simulator's matching rule:
// the filter built for a name always matches that name, whatever characters it holds (a leading
// "*" included), so the exact comparison afterwards can never miss the holder.
func FuzzNameFilter(f *testing.F) {
	for _, seed := range []string{"Acme Corp", "*Star", "**", "*", "a*b", "Ünïcødé GmbH", "  padded  ", "100% [Legal] (Inc.)"} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, name string) {
		if strings.TrimSpace(name) == "" {
			return
		}
		if !gzsim.MatchesNameFilter(nameFilter(name), name) {
			t.Fatalf("filter %q does not match its own name", nameFilter(name))
		}
		if !gzsim.MatchesNameFilter(nameFilter(name), strings.ToUpper(name)) && strings.EqualFold(strings.ToUpper(name), name) {
			t.Fatalf("filter %q misses a case variant the exact comparison accepts", nameFilter(name))
		}
	})
}
