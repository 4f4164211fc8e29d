package halopsa

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"mime"
	"net/http"
	"sort"
	"strings"
)

// fields is one posted object with lower-cased keys (Halo binds JSON names case-insensitively).
type fields map[string]json.RawMessage

// reader pulls typed values out of fields and remembers the first binding error.
type reader struct {
	f   fields
	err error
}

func (r *reader) get(key string, dst any) bool {
	raw, ok := r.f[key]
	if !ok || r.err != nil || bytes.Equal(bytes.TrimSpace(raw), []byte("null")) {
		return false
	}
	if err := json.Unmarshal(raw, dst); err != nil {
		r.err = fmt.Errorf("The value for '%s' is not valid.", key)
		return false
	}
	return true
}

// int binds an integer reference. Halo's swagger types some of them (Site.client_id,
// Users.site_id) as double, so 12.0 binds as 12; a fraction or a JSON string does not bind.
func (r *reader) int(key string, dst *int) bool {
	var f float64
	if !r.get(key, &f) {
		return false
	}
	if f != math.Trunc(f) || math.Abs(f) > math.MaxInt32 {
		r.err = fmt.Errorf("The value for '%s' is not valid.", key)
		return false
	}
	*dst = int(f)
	return true
}

func (r *reader) str(key string, dst *string) bool { return r.get(key, dst) }

// errUnsupportedMedia marks a body that is not JSON (415); other errors are 400 messages.
var errUnsupportedMedia = errors.New("unsupported media type")

// decodeUpsertBody reads a POST body: a JSON array of objects.
// readUpsertBody decodes a POST body of records, or answers the request as Halo does (415 for a
// body that is not JSON, 400 with the message otherwise) and reports false.
func readUpsertBody(w http.ResponseWriter, r *http.Request) ([]fields, bool) {
	items, err := decodeUpsertBody(r)
	if errors.Is(err, errUnsupportedMedia) {
		writeMessage(w, http.StatusUnsupportedMediaType, "Unsupported Media Type")
		return nil, false
	}
	if err != nil {
		writeMessage(w, http.StatusBadRequest, err.Error())
		return nil, false
	}
	return items, true
}

func decodeUpsertBody(r *http.Request) ([]fields, error) {
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if mt != "application/json" {
		return nil, errUnsupportedMedia
	}
	data, err := io.ReadAll(io.LimitReader(r.Body, 8<<20))
	if err != nil {
		return nil, fmt.Errorf("The request body could not be read.")
	}
	var raw []map[string]json.RawMessage
	if err := json.Unmarshal(data, &raw); err != nil {
		return nil, fmt.Errorf("The request body must be a JSON array of records.")
	}
	if len(raw) == 0 {
		return nil, fmt.Errorf("No records were supplied.")
	}
	out := make([]fields, 0, len(raw))
	for _, obj := range raw {
		if obj == nil {
			return nil, fmt.Errorf("The request body must be a JSON array of records.")
		}
		f := fields{}
		for k, v := range obj {
			f[strings.ToLower(k)] = v
		}
		out = append(out, f)
	}
	return out, nil
}

// servePost applies a POST array: each object updates the record its id names, or creates one.
// Objects are applied in order; a failing object stops the request after the earlier ones
// were saved, as a sequential server-side loop would.
func (s *Server) servePost(w http.ResponseWriter, r *http.Request, res resource) {
	items, ok := readUpsertBody(w, r)
	if !ok {
		return
	}
	var err error
	var out []any
	created := 0
	s.mu.Lock()
	for _, f := range items {
		var (
			v     any
			isNew bool
		)
		switch res.route {
		case "Client":
			v, isNew, err = s.upsertClient(f)
		case "Site":
			v, isNew, err = s.upsertSite(f)
		case "Users":
			v, isNew, err = s.upsertUser(f)
		case "Asset":
			v, isNew, err = s.upsertAsset(f)
		case "TopLevel":
			v, isNew, err = s.upsertTopLevel(f)
		}
		if err != nil {
			break
		}
		if isNew {
			created++
		}
		out = append(out, v)
	}
	s.mu.Unlock()
	if err != nil {
		writeMessage(w, http.StatusBadRequest, err.Error())
		return
	}
	if created > 0 {
		s.SlowCreate(r)
	}
	if len(out) == 1 {
		writeJSON(w, http.StatusOK, out[0])
		return
	}
	writeJSON(w, http.StatusOK, out)
}

// The upsert functions run with s.mu held. Each validates everything before it changes state.

func (s *Server) upsertTopLevel(f fields) (any, bool, error) {
	r := reader{f: f}
	var (
		id   int
		name string
	)
	r.int("id", &id)
	hasName := r.str("name", &name)
	if r.err != nil {
		return nil, false, r.err
	}
	if hasName && strings.TrimSpace(name) == "" {
		return nil, false, errors.New("Please enter a name.")
	}
	if t, ok := s.toplevels[id]; id > 0 && ok {
		if hasName {
			t.Name = name
		}
		return *t, false, nil
	}
	if !hasName {
		return nil, false, errors.New("Please enter a name.")
	}
	t := &TopLevel{ID: s.claimID("toplevel", 0), Name: name}
	s.toplevels[t.ID] = t
	return *t, true, nil
}

func (s *Server) upsertClient(f fields) (any, bool, error) {
	r := reader{f: f}
	var (
		id, topLevelID int
		name, siteName string
		inactive       bool
	)
	r.int("id", &id)
	hasName := r.str("name", &name)
	hasTopLevel := r.int("toplevel_id", &topLevelID)
	hasInactive := r.get("inactive", &inactive)
	r.str("newclient_sitename", &siteName)
	if r.err != nil {
		return nil, false, r.err
	}
	if hasName && strings.TrimSpace(name) == "" {
		return nil, false, errors.New("Please enter a name.")
	}
	if hasTopLevel && topLevelID != 0 {
		if _, ok := s.toplevels[topLevelID]; !ok {
			return nil, false, fmt.Errorf("Top Level %d does not exist.", topLevelID)
		}
	}
	if c, ok := s.clients[id]; id > 0 && ok {
		if hasName {
			c.Name = name
		}
		if hasTopLevel {
			c.TopLevelID = topLevelID
		}
		if hasInactive {
			c.Inactive = inactive
		}
		return s.clientView(c), false, nil
	}
	if !hasName {
		return nil, false, errors.New("Please enter a name.")
	}
	if topLevelID == 0 {
		topLevelID = s.defaultTopLevel()
	}
	c := &Client{ID: s.claimID("client", 0), Name: name, TopLevelID: topLevelID, Inactive: inactive}
	s.clients[c.ID] = c
	if strings.TrimSpace(siteName) == "" {
		siteName = "Main"
	}
	c.MainSiteID = s.createSiteLocked(siteName, c.ID).ID
	return s.clientView(c), true, nil
}

// defaultTopLevel is the top level a client without one is put under: the lowest id.
func (s *Server) defaultTopLevel() int {
	ids := make([]int, 0, len(s.toplevels))
	for id := range s.toplevels {
		ids = append(ids, id)
	}
	if len(ids) == 0 {
		return 0
	}
	sort.Ints(ids)
	return ids[0]
}

func (s *Server) upsertSite(f fields) (any, bool, error) {
	r := reader{f: f}
	var (
		id, clientID int
		name         string
		inactive     bool
	)
	r.int("id", &id)
	hasName := r.str("name", &name)
	hasClient := r.int("client_id", &clientID)
	hasInactive := r.get("inactive", &inactive)
	if r.err != nil {
		return nil, false, r.err
	}
	if hasName && strings.TrimSpace(name) == "" {
		return nil, false, errors.New("Please enter a name.")
	}
	if hasClient {
		if _, ok := s.clients[clientID]; !ok {
			return nil, false, fmt.Errorf("Client %d does not exist.", clientID)
		}
	}
	if site, ok := s.sites[id]; id > 0 && ok {
		if hasName {
			site.Name = name
		}
		if hasClient {
			site.ClientID = clientID
		}
		if hasInactive {
			site.Inactive = inactive
		}
		return s.siteView(site), false, nil
	}
	if !hasName {
		return nil, false, errors.New("Please enter a name.")
	}
	if !hasClient {
		return nil, false, errors.New("Please select a client.")
	}
	site := s.createSiteLocked(name, clientID)
	site.Inactive = inactive
	return s.siteView(site), true, nil
}

// placement resolves the client and site of a user or asset the way Halo does: a site implies
// its client; a client alone implies its main site.
func (s *Server) placement(clientID, siteID int) (int, int, error) {
	if siteID != 0 {
		site, ok := s.sites[siteID]
		if !ok {
			return 0, 0, fmt.Errorf("Site %d does not exist.", siteID)
		}
		if clientID != 0 && site.ClientID != clientID {
			return 0, 0, fmt.Errorf("Site %d does not belong to client %d.", siteID, clientID)
		}
		return site.ClientID, siteID, nil
	}
	if clientID != 0 {
		c, ok := s.clients[clientID]
		if !ok {
			return 0, 0, fmt.Errorf("Client %d does not exist.", clientID)
		}
		return clientID, c.MainSiteID, nil
	}
	return 0, 0, errors.New("Please select a site.")
}

func (s *Server) upsertUser(f fields) (any, bool, error) {
	r := reader{f: f}
	var (
		id, clientID, siteID                    int
		name, first, last, email, phone, mobile string
		inactive                                bool
	)
	r.int("id", &id)
	hasName := r.str("name", &name)
	hasFirst := r.str("firstname", &first)
	hasLast := r.str("surname", &last)
	hasEmail := r.str("emailaddress", &email)
	hasPhone := r.str("phonenumber", &phone)
	hasMobile := r.str("mobilenumber", &mobile)
	hasClient := r.int("client_id", &clientID)
	hasSite := r.int("site_id", &siteID)
	hasInactive := r.get("inactive", &inactive)
	if r.err != nil {
		return nil, false, r.err
	}
	if u, ok := s.users[id]; id > 0 && ok {
		if hasName && strings.TrimSpace(name) == "" {
			return nil, false, errors.New("Please enter a name.")
		}
		if hasClient || hasSite {
			if !hasClient {
				clientID = 0
			}
			if !hasSite {
				siteID = 0
			}
			c, st, err := s.placement(clientID, siteID)
			if err != nil {
				return nil, false, err
			}
			u.ClientID, u.SiteID = c, st
		}
		assign(&u.Name, name, hasName)
		assign(&u.FirstName, first, hasFirst)
		assign(&u.Surname, last, hasLast)
		assign(&u.EmailAddress, email, hasEmail)
		assign(&u.PhoneNumber, phone, hasPhone)
		assign(&u.MobileNumber, mobile, hasMobile)
		if hasInactive {
			u.Inactive = inactive
		}
		return s.userView(u), false, nil
	}
	if strings.TrimSpace(name) == "" {
		name = strings.TrimSpace(first + " " + last)
	}
	if name == "" {
		return nil, false, errors.New("Please enter a name.")
	}
	c, st, err := s.placement(clientID, siteID)
	if err != nil {
		return nil, false, err
	}
	u := &User{ID: s.claimID("users", 0), Name: name, FirstName: first, Surname: last,
		EmailAddress: email, PhoneNumber: phone, MobileNumber: mobile, ClientID: c, SiteID: st,
		Inactive: inactive}
	s.users[u.ID] = u
	return s.userView(u), true, nil
}

func (s *Server) upsertAsset(f fields) (any, bool, error) {
	r := reader{f: f}
	var (
		id, clientID, siteID, typeID int
		tag, kaseyaID                string
		inactive                     bool
	)
	r.int("id", &id)
	hasTag := r.str("inventory_number", &tag)
	hasKaseya := r.str("kaseya_id", &kaseyaID)
	hasClient := r.int("client_id", &clientID)
	hasSite := r.int("site_id", &siteID)
	hasType := r.int("assettype_id", &typeID)
	hasInactive := r.get("inactive", &inactive)
	if r.err != nil {
		return nil, false, r.err
	}
	if hasType {
		if _, ok := s.assettypes[typeID]; !ok {
			return nil, false, fmt.Errorf("Asset type %d does not exist.", typeID)
		}
	}
	if a, ok := s.assets[id]; id > 0 && ok {
		if hasClient || hasSite {
			if !hasClient {
				clientID = 0
			}
			if !hasSite {
				siteID = 0
			}
			c, st, err := s.placement(clientID, siteID)
			if err != nil {
				return nil, false, err
			}
			a.ClientID, a.SiteID = c, st
		}
		assign(&a.InventoryNumber, tag, hasTag)
		assign(&a.KaseyaID, kaseyaID, hasKaseya)
		if hasType {
			a.AssetTypeID = typeID
		}
		if hasInactive {
			a.Inactive = inactive
		}
		return s.assetView(a), false, nil
	}
	if !hasType {
		return nil, false, errors.New("Please select an asset type.")
	}
	c, st, err := s.placement(clientID, siteID)
	if err != nil {
		return nil, false, err
	}
	a := &Asset{ID: s.claimID("asset", 0), InventoryNumber: tag, KaseyaID: kaseyaID, ClientID: c,
		SiteID: st, AssetTypeID: typeID, Inactive: inactive}
	s.assets[a.ID] = a
	return s.assetView(a), true, nil
}

func assign(dst *string, v string, present bool) {
	if present {
		*dst = v
	}
}
