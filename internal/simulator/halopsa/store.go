package halopsa

import (
	"fmt"
	"net/http"
	"sort"
	"strings"
)

// ---- seeding helpers (also used at run time by tests) -----------------------------------------

// AddTopLevel stores t (id 0 gets the next id) and returns it.
func (s *Server) AddTopLevel(t TopLevel) TopLevel {
	s.mu.Lock()
	defer s.mu.Unlock()
	t.ID = s.claimID("toplevel", t.ID)
	s.toplevels[t.ID] = &t
	return t
}

// AddAssetType stores t (id 0 gets the next id) and returns it.
func (s *Server) AddAssetType(t AssetType) AssetType {
	s.mu.Lock()
	defer s.mu.Unlock()
	t.ID = s.claimID("assettype", t.ID)
	s.assettypes[t.ID] = &t
	return t
}

// AddClient stores c (id 0 gets the next id), gives it a main site named "Main" unless
// c.MainSiteID names an existing site, and returns it with derived fields.
func (s *Server) AddClient(c Client) Client {
	return s.addClient(c, true)
}

func (s *Server) addClient(c Client, withMainSite bool) Client {
	s.mu.Lock()
	defer s.mu.Unlock()
	c.ID = s.claimID("client", c.ID)
	stored := c
	s.clients[c.ID] = &stored
	if withMainSite {
		if _, ok := s.sites[stored.MainSiteID]; !ok {
			stored.MainSiteID = s.createSiteLocked("Main", stored.ID).ID
		}
	}
	return s.clientView(&stored)
}

// AddSite stores site (id 0 gets the next id) and returns it.
func (s *Server) AddSite(site Site) Site {
	s.mu.Lock()
	defer s.mu.Unlock()
	site.ID = s.claimID("site", site.ID)
	s.sites[site.ID] = &site
	return s.siteView(&site)
}

// AddUser stores u (id 0 gets the next id) and returns it.
func (s *Server) AddUser(u User) User {
	s.mu.Lock()
	defer s.mu.Unlock()
	u.ID = s.claimID("users", u.ID)
	s.users[u.ID] = &u
	return s.userView(&u)
}

// AddAsset stores a (id 0 gets the next id) and returns it.
func (s *Server) AddAsset(a Asset) Asset {
	s.mu.Lock()
	defer s.mu.Unlock()
	a.ID = s.claimID("asset", a.ID)
	s.assets[a.ID] = &a
	return s.assetView(&a)
}

// claimID returns id, or the next free id of kind when id is 0, and keeps the sequence ahead
// of every id in use. Callers hold s.mu.
func (s *Server) claimID(kind string, id int) int {
	if id <= 0 {
		id = s.nextID[kind]
		if id == 0 {
			id = 1
		}
	}
	if id >= s.nextID[kind] {
		s.nextID[kind] = id + 1
	}
	return id
}

func (s *Server) createSiteLocked(name string, clientID int) *Site {
	site := &Site{ID: s.claimID("site", 0), Name: name, ClientID: clientID}
	s.sites[site.ID] = site
	return site
}

// ---- views: records with the derived fields Halo fills in on read ----------------------------

func (s *Server) clientView(c *Client) Client {
	v := *c
	v.TopLevelName = ""
	if t, ok := s.toplevels[c.TopLevelID]; ok {
		v.TopLevelName = t.Name
	}
	v.MainSiteName = ""
	if site, ok := s.sites[c.MainSiteID]; ok {
		v.MainSiteName = site.Name
	}
	return v
}

func (s *Server) siteView(site *Site) Site {
	v := *site
	v.ClientName = ""
	if c, ok := s.clients[site.ClientID]; ok {
		v.ClientName = c.Name
	}
	return v
}

func (s *Server) userView(u *User) User {
	v := *u
	v.ClientName, v.SiteName = "", ""
	if c, ok := s.clients[u.ClientID]; ok {
		v.ClientName = c.Name
	}
	if site, ok := s.sites[u.SiteID]; ok {
		v.SiteName = site.Name
	}
	return v
}

func (s *Server) assetView(a *Asset) Asset {
	v := *a
	v.KeyField = a.InventoryNumber
	v.ClientName, v.SiteName, v.AssetTypeName = "", "", ""
	if t, ok := s.assettypes[a.AssetTypeID]; ok {
		v.AssetTypeName = t.Name
	}
	if c, ok := s.clients[a.ClientID]; ok {
		v.ClientName = c.Name
	}
	if site, ok := s.sites[a.SiteID]; ok {
		v.SiteName = site.Name
	}
	return v
}

// ---- GET handlers -----------------------------------------------------------------------------

func (s *Server) serveList(w http.ResponseWriter, r *http.Request, res resource) {
	q, err := parseListQuery(r)
	if err != nil {
		writeMessage(w, http.StatusBadRequest, err.Error())
		return
	}
	if s.EmptyListing(r) {
		writeList(w, q, res.wrapper, []struct{}{})
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	switch res.route {
	case "Client":
		writeList(w, q, res.wrapper, s.clientRows(q))
	case "Site":
		writeList(w, q, res.wrapper, s.siteRows(q))
	case "Users":
		writeList(w, q, res.wrapper, s.userRows(q))
	case "Asset":
		writeList(w, q, res.wrapper, s.assetRows(q))
	case "TopLevel":
		var rows []TopLevel
		for _, t := range s.toplevels {
			if q.matchesSearch(t.Name) {
				rows = append(rows, *t)
			}
		}
		sortByName(rows, func(v TopLevel) (string, int) { return v.Name, v.ID })
		writeList(w, q, res.wrapper, rows)
	case "AssetType":
		rows := make([]AssetType, 0, len(s.assettypes))
		for _, t := range s.assettypes {
			rows = append(rows, *t)
		}
		sortByName(rows, func(v AssetType) (string, int) { return v.Name, v.ID })
		writeJSON(w, http.StatusOK, rows)
	}
}

// The row builders below apply a list query's filters the way Halo does; callers hold s.mu.

func (s *Server) clientRows(q listQuery) []Client {
	var rows []Client
	for _, c := range s.clients {
		if (c.Inactive && !q.includeInactive) || !q.matchesSearch(c.Name) ||
			(q.topLevelID != 0 && c.TopLevelID != q.topLevelID) ||
			(q.excludeInternal && s.fx.InternalClientID != 0 && c.ID == s.fx.InternalClientID) {
			continue
		}
		rows = append(rows, s.clientView(c))
	}
	sortByName(rows, func(c Client) (string, int) { return c.Name, c.ID })
	return rows
}

func (s *Server) siteRows(q listQuery) []Site {
	var rows []Site
	for _, site := range s.sites {
		if (site.Inactive && !q.includeInactive) || !q.matchesSearch(site.Name) ||
			(q.clientID != 0 && site.ClientID != q.clientID) {
			continue
		}
		rows = append(rows, s.siteView(site))
	}
	sortByName(rows, func(v Site) (string, int) { return v.Name, v.ID })
	return rows
}

func (s *Server) userRows(q listQuery) []User {
	var rows []User
	for _, u := range s.users {
		if (u.Inactive && !q.includeInactive) || !q.matchesSearch(u.Name) ||
			(q.clientID != 0 && u.ClientID != q.clientID) || (q.siteID != 0 && u.SiteID != q.siteID) {
			continue
		}
		rows = append(rows, s.userView(u))
	}
	sortByName(rows, func(v User) (string, int) { return v.Name, v.ID })
	return rows
}

func (s *Server) assetRows(q listQuery) []Asset {
	var rows []Asset
	for _, a := range s.assets {
		if (a.Inactive && !q.includeInactive) || !q.matchesSearch(a.InventoryNumber) ||
			(q.clientID != 0 && a.ClientID != q.clientID) || (q.siteID != 0 && a.SiteID != q.siteID) {
			continue
		}
		rows = append(rows, s.assetView(a))
	}
	sort.Slice(rows, func(i, j int) bool { return rows[i].ID < rows[j].ID })
	return rows
}

// sortByName orders rows as Halo's default list order does: by name, then id.
func sortByName[T any](rows []T, key func(T) (string, int)) {
	sort.SliceStable(rows, func(i, j int) bool {
		ni, ii := key(rows[i])
		nj, ij := key(rows[j])
		li, lj := strings.ToLower(ni), strings.ToLower(nj)
		if li != lj {
			return li < lj
		}
		return ii < ij
	})
}

func (s *Server) serveGet(w http.ResponseWriter, res resource, id int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var (
		v  any
		ok bool
	)
	switch res.route {
	case "Client":
		var c *Client
		if c, ok = s.clients[id]; ok {
			v = s.clientView(c)
		}
	case "Site":
		var site *Site
		if site, ok = s.sites[id]; ok {
			v = s.siteView(site)
		}
	case "Users":
		var u *User
		if u, ok = s.users[id]; ok {
			v = s.userView(u)
		}
	case "Asset":
		var a *Asset
		if a, ok = s.assets[id]; ok {
			v = s.assetView(a)
		}
	case "TopLevel":
		var t *TopLevel
		if t, ok = s.toplevels[id]; ok {
			v = *t
		}
	case "AssetType":
		var t *AssetType
		if t, ok = s.assettypes[id]; ok {
			v = *t
		}
	}
	if !ok {
		writeMessage(w, http.StatusNotFound, res.route+" not found")
		return
	}
	writeJSON(w, http.StatusOK, v)
}

// SitesOf returns the sites of a client (inactive ones included), in id order.
func (s *Server) SitesOf(clientID int) []Site {
	var out []Site
	for _, site := range s.Sites() {
		if site.ClientID == clientID {
			out = append(out, site)
		}
	}
	return out
}

// DeleteSite deletes a site as a person does in Halo; its assets go to the client's main site.
func (s *Server) DeleteSite(id int) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	site, ok := s.sites[id]
	if !ok {
		return fmt.Errorf("no site %d", id)
	}
	c := s.clients[site.ClientID]
	if c != nil && c.MainSiteID == id {
		return fmt.Errorf("site %d is the main site of client %d", id, c.ID)
	}
	delete(s.sites, id)
	for _, a := range s.assets {
		if a.SiteID == id && c != nil {
			a.SiteID = c.MainSiteID
		}
	}
	return nil
}
