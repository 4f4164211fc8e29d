package kaseyabms

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"unicode/utf8"
)

// Assets are not in any public BMS API description. The simulator serves them where the client
// looks for them: /api/servicedesk/assets (GET list with OData, POST create) and
// /api/servicedesk/assets/{id} (GET, PUT full replacement). Record: {Id, AccountId, LocationId,
// DepartmentId (nullable), AssetName, SerialNumber, OS, IPAddress, RmmAssetId}. RmmAssetId, the
// key of the RMM agent an asset mirrors, is unique per tenant when set. A missing LocationId
// means the account's main location (the seed: unmapped assets take Main); the location and
// department must belong to the asset's account.

func (s *Server) listAssets(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	items := make([]wireAsset, 0, len(s.assets))
	for _, a := range s.assets {
		items = append(items, assetWire(a))
	}
	s.mu.Unlock()
	list(s, w, r, assetSchema, items, wireAsset.props)
}

func (s *Server) getAsset(w http.ResponseWriter, r *http.Request) {
	id, okID := s.pathID(w, r)
	if !okID {
		return
	}
	s.mu.Lock()
	i := s.assetIndex(id)
	var out wireAsset
	if i >= 0 {
		out = assetWire(s.assets[i])
	}
	s.mu.Unlock()
	if i < 0 {
		s.fail(w, http.StatusNotFound, "Asset not found.")
		return
	}
	ok(w, out)
}

func (s *Server) createAsset(w http.ResponseWriter, r *http.Request) {
	var in assetIn
	if !s.readJSON(w, r, &in) {
		return
	}
	s.mu.Lock()
	a, err := s.checkAsset(assetFromIn(in), 0)
	if err == nil {
		a.ID = s.newID("asset")
		s.assets = append(s.assets, a)
	}
	s.mu.Unlock()
	if err != nil {
		s.fail(w, http.StatusBadRequest, err.Error())
		return
	}
	s.SlowCreate(r)
	ok(w, assetWire(a))
}

// updateAsset is PUT /api/servicedesk/assets/{id}: every writable field is replaced by the
// body's value, so sending the same body twice leaves the same record.
func (s *Server) updateAsset(w http.ResponseWriter, r *http.Request) {
	id, okID := s.pathID(w, r)
	if !okID {
		return
	}
	var in assetIn
	if !s.readJSON(w, r, &in) {
		return
	}
	if in.ID != 0 && in.ID != id {
		s.fail(w, http.StatusBadRequest, fmt.Sprintf("The Id in the body (%d) does not match the Id in the URI (%d).", in.ID, id))
		return
	}
	s.mu.Lock()
	i := s.assetIndex(id)
	if i < 0 {
		s.mu.Unlock()
		s.fail(w, http.StatusNotFound, "Asset not found.")
		return
	}
	a, err := s.checkAsset(assetFromIn(in), id)
	if err == nil {
		a.ID = id
		s.assets[i] = a
	}
	s.mu.Unlock()
	if err != nil {
		s.fail(w, http.StatusBadRequest, err.Error())
		return
	}
	ok(w, assetWire(a))
}

func assetFromIn(in assetIn) Asset {
	a := Asset{AccountID: in.AccountID, AssetName: in.AssetName, SerialNumber: in.SerialNumber, OS: in.OS,
		IPAddress: in.IPAddress, RmmAssetID: in.RmmAssetID}
	if in.LocationID != nil {
		a.LocationID = *in.LocationID
	}
	if in.DepartmentID != nil {
		a.DepartmentID = *in.DepartmentID
	}
	return a
}

func assetWire(a Asset) wireAsset {
	out := wireAsset{ID: a.ID, AccountID: a.AccountID, LocationID: a.LocationID, AssetName: a.AssetName,
		SerialNumber: a.SerialNumber, OS: a.OS, IPAddress: a.IPAddress, RmmAssetID: a.RmmAssetID}
	if a.DepartmentID != 0 {
		d := a.DepartmentID
		out.DepartmentID = &d
	}
	return out
}

// checkAsset validates an asset for create (self 0) or update of self; the caller holds s.mu.
func (s *Server) checkAsset(a Asset, self int64) (Asset, error) {
	a.AssetName = strings.TrimSpace(a.AssetName)
	a.RmmAssetID = strings.TrimSpace(a.RmmAssetID)
	switch {
	case a.AccountID == 0 || s.accountIndex(a.AccountID) < 0:
		return a, fmt.Errorf("Invalid AccountId %d.", a.AccountID)
	case a.AssetName == "":
		return a, errors.New("AssetName is required.")
	case utf8.RuneCountInString(a.AssetName) > maxNameLen:
		return a, fmt.Errorf("AssetName cannot be longer than %d characters.", maxNameLen)
	}
	if a.LocationID == 0 {
		a.LocationID = s.mainLocation(a.AccountID)
	} else if i := s.locationIndex(a.LocationID); i < 0 || s.locations[i].AccountID != a.AccountID {
		return a, fmt.Errorf("Invalid LocationId %d for account %d.", a.LocationID, a.AccountID)
	}
	if a.DepartmentID != 0 {
		if i := s.departmentIndex(a.DepartmentID); i < 0 || s.departments[i].AccountID != a.AccountID {
			return a, fmt.Errorf("Invalid DepartmentId %d for account %d.", a.DepartmentID, a.AccountID)
		}
	}
	if a.RmmAssetID != "" {
		for _, other := range s.assets {
			if other.ID != self && other.RmmAssetID == a.RmmAssetID {
				return a, fmt.Errorf("An asset with RmmAssetId '%s' already exists (asset %d).", a.RmmAssetID, other.ID)
			}
		}
	}
	return a, nil
}

func (s *Server) assetIndex(id int64) int {
	for i, a := range s.assets {
		if a.ID == id {
			return i
		}
	}
	return -1
}

// ---- test helpers ----------------------------------------------------------------------------

// Assets returns the assets of an account (every asset when accountID is 0).
func (s *Server) Assets(accountID int64) []Asset {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Asset
	for _, a := range s.assets {
		if accountID == 0 || a.AccountID == accountID {
			out = append(out, a)
		}
	}
	return out
}

// AddAsset stores an asset with the API's validation.
func (s *Server) AddAsset(a Asset) (Asset, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	checked, err := s.checkAsset(a, 0)
	if err != nil {
		return checked, err
	}
	checked.ID = s.newID("asset")
	s.assets = append(s.assets, checked)
	return checked, nil
}

// EditAsset changes an asset as a person would in the UI (e.g. a hand-set department), with
// the API's validation of the result.
func (s *Server) EditAsset(assetID int64, edit func(*Asset)) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	i := s.assetIndex(assetID)
	if i < 0 {
		return fmt.Errorf("asset %d not found", assetID)
	}
	a := s.assets[i]
	edit(&a)
	checked, err := s.checkAsset(a, assetID)
	if err != nil {
		return err
	}
	checked.ID = assetID
	s.assets[i] = checked
	return nil
}
