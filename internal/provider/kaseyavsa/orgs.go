package kaseyavsa

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"net/http"
	"net/url"
	"strings"

	"github.com/accountsync/accountsync-operator/internal/provider"
	"github.com/accountsync/accountsync-operator/internal/provider/httpx"
)

const orgsPath = apiRoot + "system/orgs/"

type orgRecord struct {
	OrgID       vsaID        `json:"OrgId"`
	OrgName     text         `json:"OrgName"`
	Website     text         `json:"Website"`
	ContactInfo *contactInfo `json:"ContactInfo"`
}

// contactInfo is the part of the Org model's ContactInfo the suggester compares; the listing
// returns it with every org, so reading it costs no call.
type contactInfo struct {
	PrimaryPhone text `json:"PrimaryPhone"`
	PrimaryEmail text `json:"PrimaryEmail"`
	Street       text `json:"Street"`
	City         text `json:"City"`
	ZipCode      text `json:"ZipCode"`
}

func (r orgRecord) org() provider.Organization {
	o := provider.Organization{ID: string(r.OrgID), Name: string(r.OrgName)}
	o.Profile.Website = string(r.Website)
	if c := r.ContactInfo; c != nil {
		o.Profile.Phone, o.Profile.Email = string(c.PrimaryPhone), string(c.PrimaryEmail)
		o.Profile.Street, o.Profile.City, o.Profile.PostalCode = string(c.Street), string(c.City), string(c.ZipCode)
	}
	return o
}

// ListOrganizations lists every organization.
func (c *Client) ListOrganizations(ctx context.Context) ([]provider.Organization, error) {
	rows, err := listAll[orgRecord](ctx, c, "ListOrganizations", orgsPath, nil, "OrgId")
	if err != nil {
		return nil, err
	}
	out := make([]provider.Organization, len(rows))
	for i, r := range rows {
		out[i] = r.org()
	}
	return out, nil
}

// FindOrganizationsByName narrows on the server with tolower(OrgName) eq '…' and keeps the
// exact case-insensitive matches. If the server refuses the filter it falls back to the full
// list, so a holder of the name is never missed.
func (c *Client) FindOrganizationsByName(ctx context.Context, name string) ([]provider.Organization, error) {
	const op = "FindOrganizationsByName"
	q := url.Values{"$filter": {nameFilter(name)}}
	rows, err := listAll[orgRecord](ctx, c, op, orgsPath, q, "OrgId")
	if provider.IsKind(err, provider.KindInvalid) {
		rows, err = listAll[orgRecord](ctx, c, op, orgsPath, nil, "OrgId")
	}
	if err != nil {
		return nil, err
	}
	var out []provider.Organization
	for _, r := range rows {
		if sameName(string(r.OrgName), name) {
			out = append(out, r.org())
		}
	}
	return out, nil
}

// nameFilter is the OData v3 filter for an exact, case-insensitive name match; single quotes
// in the literal are doubled.
func nameFilter(name string) string {
	return "tolower(OrgName) eq '" + strings.ReplaceAll(strings.ToLower(name), "'", "''") + "'"
}

// sameName compares the way the server-side filter does (lower-cased, exact), so the client
// never keeps a record the filter could not have returned or drops one it did.
//
// strings.EqualFold would fold more than the server does (e.g. the Kelvin sign to k).
func sameName(a, b string) bool { return strings.ToLower(a) == strings.ToLower(b) } //nolint:staticcheck // SA6005: see above

// orgCreate is the body of POST system/orgs/. Field order follows VSA's Org model.
type orgCreate struct {
	OrgName                 string `json:"OrgName"`
	OrgRef                  string `json:"OrgRef"`
	DefaultDepartmentName   string `json:"DefaultDepartmentName"`
	DefaultMachineGroupName string `json:"DefaultMachineGroupName"`
}

// CreateOrganization creates an organization named name. See the package doc for how OrgRef
// is chosen and how a refusal becomes KindNameConflict.
func (c *Client) CreateOrganization(ctx context.Context, name string) (provider.Organization, error) {
	const op = "CreateOrganization"
	if strings.TrimSpace(name) == "" {
		return provider.Organization{}, c.http.Errorf(provider.KindInvalid, op, 0, "organization name is empty")
	}
	var refusal string
	for _, ref := range []string{orgRef(name), hashedOrgRef(name)} {
		org, msg, err := c.postOrg(ctx, name, ref)
		if err != nil || msg == "" {
			return org, err
		}
		// Refused: nothing was created. Tell a name conflict from any other refusal by looking,
		// which does not depend on the wording of VSA's message.
		holders, err := c.FindOrganizationsByName(ctx, name)
		if err != nil {
			return provider.Organization{}, err
		}
		if len(holders) > 0 {
			return provider.Organization{}, c.http.Errorf(provider.KindNameConflict, op, http.StatusOK,
				"organization %q already exists (OrgId %s): %s", holders[0].Name, holders[0].ID, msg)
		}
		refusal = msg // perhaps an OrgRef collision between different names: retry with the hashed one
	}
	return provider.Organization{}, c.http.Errorf(provider.KindInvalid, op, http.StatusOK, "VSA refused the organization: %s", refusal)
}

// postOrg sends one create. It returns the organization on success, or the server's refusal
// message when VSA answered with a logical error (nothing created).
func (c *Client) postOrg(ctx context.Context, name, ref string) (provider.Organization, string, error) {
	const op = "CreateOrganization"
	body := httpx.JSON(orgCreate{OrgName: name, OrgRef: ref, DefaultDepartmentName: "root", DefaultMachineGroupName: "root"})
	resp, err := c.http.Do(ctx, httpx.Request{Operation: op, Method: http.MethodPost, Path: orgsPath, Body: body})
	if err != nil {
		return provider.Organization{}, "", err
	}
	if resp.StatusCode >= 500 {
		// httpx already turned 502/503/504 into UnknownOutcome; any other server error on a
		// POST is just as ambiguous.
		e := c.http.StatusError(op, resp, "")
		e.Kind = provider.KindUnknownOutcome
		return provider.Organization{}, "", e
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		_, err := c.decode(op, resp)
		return provider.Organization{}, "", err
	}
	env, err := decodeEnvelope(resp.Body)
	if err != nil {
		// A 2xx we cannot read: the organization may well exist now.
		return provider.Organization{}, "", c.http.Errorf(provider.KindUnknownOutcome, op, resp.StatusCode, "unreadable VSA create response: %v", err)
	}
	if msg := env.failure(); msg != "" {
		return provider.Organization{}, msg, nil
	}
	org, err := c.created(ctx, name, env.Result)
	return org, "", err
}

// created reads the new OrgId from a create's Result (a number, a string or an object with
// OrgId); a bare true is resolved by reading the organization back by name.
func (c *Client) created(ctx context.Context, name string, result json.RawMessage) (provider.Organization, error) {
	if id := createdID(result); id != "" {
		return provider.Organization{ID: id, Name: name}, nil
	}
	found, err := c.FindOrganizationsByName(ctx, name)
	if err == nil && len(found) == 1 {
		return found[0], nil
	}
	return provider.Organization{}, c.http.Errorf(provider.KindUnknownOutcome, "CreateOrganization", 0,
		"VSA accepted the organization but did not return its id, and it could not be read back by name")
}

func createdID(result json.RawMessage) string {
	raw := bytes.TrimSpace(result)
	if len(raw) == 0 {
		return ""
	}
	var id vsaID
	if raw[0] == '{' {
		var obj struct {
			OrgID vsaID `json:"OrgId"`
		}
		if json.Unmarshal(raw, &obj) != nil {
			return ""
		}
		id = obj.OrgID
	} else if json.Unmarshal(raw, &id) != nil {
		return ""
	}
	if !isDecimalID(string(id)) {
		return ""
	}
	return string(id)
}

func isDecimalID(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != strings.Repeat("0", len(s))
}

// maxRefLen keeps OrgRef short: it is part of every dotted machine id in the organization.
const maxRefLen = 32

// orgRef derives VSA's OrgRef from a name: lower-case ASCII letters and digits, every other
// run of characters becomes one "-" ("Acme Corp, Inc." -> "acme-corp-inc").
func orgRef(name string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(name) {
		if (r >= 'a' && r <= 'z') || (r >= '0' && r <= '9') {
			if dash && b.Len() > 0 {
				b.WriteByte('-')
			}
			dash = false
			b.WriteRune(r)
			continue
		}
		dash = true
	}
	ref := b.String()
	if len(ref) > maxRefLen {
		ref = strings.TrimRight(ref[:maxRefLen], "-")
	}
	if ref == "" {
		ref = "org"
	}
	return ref
}

// hashedOrgRef is orgRef made unique per case-insensitive name, for the retry after a
// reference collision between two different names.
func hashedOrgRef(name string) string {
	h := fnv.New32a()
	h.Write([]byte(strings.ToLower(name)))
	suffix := fmt.Sprintf("-%08x", h.Sum32())
	base := orgRef(name)
	if len(base) > maxRefLen-len(suffix) {
		base = strings.TrimRight(base[:maxRefLen-len(suffix)], "-")
	}
	return base + suffix
}
