package kaseyabms

import (
	"testing"

	"github.com/accountsync/accountsync-operator/internal/provider"
	"github.com/accountsync/accountsync-operator/internal/provider/httpx"
)

func TestCheckEnvelope(t *testing.T) {
	c := &Client{hc: fuzzHTTPClient()}
	cases := []struct {
		status int
		body   string
		kind   callKind
		want   provider.Kind // "" means success
	}{
		{200, `{"Result":[],"TotalRecords":0,"ResponseCode":0,"Status":"OK","Error":"None"}`, readCall, ""},
		{200, `{"Result":null,"ResponseCode":0,"Error":null}`, readCall, ""},
		{200, `{"Result":{"Id":1},"ResponseCode":0,"Error":"Something broke"}`, readCall, provider.KindInvalid},
		{200, `{"Result":null,"ResponseCode":400,"Error":"An account with the name 'A' already exists."}`, createCall, provider.KindNameConflict},
		{200, `{"Result":null,"ResponseCode":404,"Error":"Account not found."}`, readCall, provider.KindNotFound},
		{200, `{"Result":null,"ResponseCode":500,"Error":"Server error"}`, createCall, provider.KindUnknownOutcome},
		{200, `{"Result":null,"ResponseCode":500,"Error":"Server error"}`, updateCall, provider.KindTransient},
		{200, `{"Result":null,"ResponseCode":7,"Error":"odd"}`, readCall, provider.KindInvalid},
		{400, `{"Result":null,"ResponseCode":400,"Error":"Duplicate department name"}`, createCall, provider.KindNameConflict},
		{409, `{"Message":"conflict"}`, createCall, provider.KindNameConflict},
		{404, `{"Message":"No HTTP resource was found that matches the request URI"}`, readCall, provider.KindNotFound},
		{500, `<html>error</html>`, createCall, provider.KindUnknownOutcome},
		{500, `<html>error</html>`, readCall, provider.KindTransient},
		{200, `{}`, readCall, provider.KindTransient},
		{200, `{"Message":"hello"}`, createCall, provider.KindUnknownOutcome},
		{200, `<html>login page</html>`, readCall, provider.KindTransient},
	}
	for _, tc := range cases {
		_, err := c.check("Op", &httpx.Response{StatusCode: tc.status, Body: []byte(tc.body)}, tc.kind)
		if tc.want == "" {
			if err != nil {
				t.Errorf("%d %s: %v", tc.status, tc.body, err)
			}
			continue
		}
		if !provider.IsKind(err, tc.want) {
			t.Errorf("%d %s: got %v, want %s", tc.status, tc.body, err, tc.want)
		}
	}
}
