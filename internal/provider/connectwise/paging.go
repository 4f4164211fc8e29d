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

// listAll reads every page of a list endpoint: page=1&pageSize=1000, then each Link rel="next"
// until there is none.
func listAll[T any](ctx context.Context, c *Client, op, resource string, q url.Values) ([]T, error) {
	query := url.Values{}
	for k, v := range q {
		query[k] = v
	}
	query.Set("page", "1")
	query.Set("pageSize", strconv.Itoa(pageSize))
	path := resource
	seen := map[string]bool{}
	// The guard stops a server that keeps answering rel="next" past the page cap, or with the
	// same page under ever new links; seen stops links that go round in a circle.
	guard := httpx.PageGuard{Operation: op}
	var out []T
	for {
		resp, err := c.api(ctx, httpx.Request{Operation: op, Method: http.MethodGet, Path: path, Query: query})
		if err != nil {
			return nil, err
		}
		if resp.StatusCode != http.StatusOK {
			return nil, c.statusErr(op, resp)
		}
		if err := guard.Next(c.http, resp.Body); err != nil {
			return nil, err
		}
		items, err := decodeList[T](resp.Body)
		if err != nil {
			return nil, c.decodeErr(op, err)
		}
		out = append(out, items...)
		next := parseLinks(resp.Header.Values("Link"))["next"]
		if next == "" || len(items) == 0 {
			return out, nil
		}
		abs, err := c.sameOrigin(next)
		if err != nil {
			return nil, c.http.Errorf(provider.KindInvalid, op, resp.StatusCode, "%v", err)
		}
		if seen[abs] {
			return nil, c.http.Errorf(provider.KindInvalid, op, resp.StatusCode, "paging does not end: next page %s was already read", abs)
		}
		seen[abs] = true
		path, query = abs, nil
	}
}

// sameOrigin resolves a next link against the connection URL and refuses one that leaves its
// scheme and host: the request would carry the credentials there.
func (c *Client) sameOrigin(link string) (string, error) {
	base := c.http.BaseURL()
	u, err := base.Parse(link)
	if err != nil {
		return "", errorString("unreadable next link")
	}
	if !strings.EqualFold(u.Scheme, base.Scheme) || !strings.EqualFold(u.Host, base.Host) {
		return "", errorString("next link points to another server (" + u.Scheme + "://" + u.Host + ")")
	}
	return u.String(), nil
}

type errorString string

func (e errorString) Error() string { return string(e) }

// parseLinks reads RFC 8288 Link header values into rel -> URI (first occurrence wins). It
// stops at the first malformed link-value instead of guessing.
func parseLinks(values []string) map[string]string {
	out := map[string]string{}
	for _, v := range values {
		parseLinkValue(v, out)
	}
	return out
}

func parseLinkValue(s string, out map[string]string) {
	i := 0
	skipSpace := func() {
		for i < len(s) && (s[i] == ' ' || s[i] == '\t') {
			i++
		}
	}
	for {
		skipSpace()
		for i < len(s) && s[i] == ',' {
			i++
			skipSpace()
		}
		if i >= len(s) || s[i] != '<' {
			return
		}
		end := strings.IndexByte(s[i:], '>')
		if end < 0 {
			return
		}
		target := s[i+1 : i+end]
		i += end + 1
		var rels []string
		for {
			skipSpace()
			if i >= len(s) || s[i] != ';' {
				break
			}
			i++
			skipSpace()
			start := i
			for i < len(s) && s[i] != '=' && s[i] != ';' && s[i] != ',' && s[i] != ' ' {
				i++
			}
			name := strings.ToLower(s[start:i])
			skipSpace()
			val := ""
			if i < len(s) && s[i] == '=' {
				i++
				skipSpace()
				var ok bool
				if val, ok = readParamValue(s, &i); !ok {
					return
				}
			}
			if name == "rel" {
				rels = append(rels, strings.Fields(strings.ToLower(val))...)
			}
		}
		for _, rel := range rels {
			if _, dup := out[rel]; !dup {
				out[rel] = target
			}
		}
		skipSpace()
		if i < len(s) && s[i] != ',' {
			return
		}
	}
}

// readParamValue reads a token or a quoted-string starting at *i.
func readParamValue(s string, i *int) (string, bool) {
	if *i < len(s) && s[*i] == '"' {
		var b strings.Builder
		for j := *i + 1; j < len(s); j++ {
			switch s[j] {
			case '\\':
				if j+1 >= len(s) {
					return "", false
				}
				j++
				b.WriteByte(s[j])
			case '"':
				*i = j + 1
				return b.String(), true
			default:
				b.WriteByte(s[j])
			}
		}
		return "", false
	}
	start := *i
	for *i < len(s) && s[*i] != ';' && s[*i] != ',' && s[*i] != ' ' {
		*i++
	}
	return s[start:*i], true
}
