package halopsa

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
)

// flexInt decodes an id that Halo may send as a number, a numeric string or null (the swagger
// types some foreign keys as "number", so 12.0 is accepted when it is integral).
type flexInt int64

func (f *flexInt) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) == 0 || bytes.Equal(b, []byte("null")) {
		*f = 0
		return nil
	}
	text := string(b)
	if b[0] == '"' {
		if err := json.Unmarshal(b, &text); err != nil {
			return err
		}
		text = strings.TrimSpace(text)
		if text == "" {
			*f = 0
			return nil
		}
	}
	if n, err := strconv.ParseInt(text, 10, 64); err == nil {
		*f = flexInt(n)
		return nil
	}
	v, err := strconv.ParseFloat(text, 64)
	if err != nil || v != math.Trunc(v) || v > math.MaxInt64 || v < math.MinInt64 {
		return fmt.Errorf("not an integer id: %.40q", text)
	}
	*f = flexInt(int64(v))
	return nil
}

// flexString decodes a text field that may arrive as a string, a number or null (external ids
// such as kaseya_id are strings in one schema and numbers in another).
type flexString string

func (f *flexString) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	switch {
	case len(b) == 0 || bytes.Equal(b, []byte("null")):
		*f = ""
	case b[0] == '"':
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*f = flexString(s)
	default:
		var n json.Number
		if err := json.Unmarshal(b, &n); err != nil {
			return fmt.Errorf("not a string or number")
		}
		*f = flexString(n.String())
	}
	return nil
}

// flexBool decodes a flag sent as a boolean, "true"/"false" or null.
type flexBool bool

func (f *flexBool) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) == 0 || bytes.Equal(b, []byte("null")) {
		*f = false
		return nil
	}
	if b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		v, err := strconv.ParseBool(strings.TrimSpace(s))
		if err != nil {
			return fmt.Errorf("not a boolean")
		}
		*f = flexBool(v)
		return nil
	}
	var v bool
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	*f = flexBool(v)
	return nil
}

// wireClient is the part of Halo's client record (schema Area) this package uses.
type wireClient struct {
	ID           flexInt    `json:"id"`
	Name         flexString `json:"name"`
	TopLevelID   flexInt    `json:"toplevel_id"`
	TopLevelName flexString `json:"toplevel_name"`
	Inactive     flexBool   `json:"inactive"`
	MainSiteID   flexInt    `json:"main_site_id"`
}

// wireTopLevel is a Halo top level (schema Tree, which has no inactive flag).
type wireTopLevel struct {
	ID   flexInt    `json:"id"`
	Name flexString `json:"name"`
}

// wireAssetType is a Halo asset type (schema Xtype).
type wireAssetType struct {
	ID   flexInt    `json:"id"`
	Name flexString `json:"name"`
}

// wireSite is a Halo site.
type wireSite struct {
	ID       flexInt    `json:"id"`
	Name     flexString `json:"name"`
	ClientID flexInt    `json:"client_id"`
	Inactive flexBool   `json:"inactive"`
}

// wireUser is a Halo end user (schema Users).
type wireUser struct {
	ID           flexInt    `json:"id"`
	Name         flexString `json:"name"`
	FirstName    flexString `json:"firstname"`
	Surname      flexString `json:"surname"`
	EmailAddress flexString `json:"emailaddress"`
	PhoneNumber  flexString `json:"phonenumber"`
	MobileNumber flexString `json:"mobilenumber"`
	ClientID     flexInt    `json:"client_id"`
	SiteID       flexInt    `json:"site_id"`
	Inactive     flexBool   `json:"inactive"`
}

// wireAsset is a Halo asset (schema Device). KaseyaID is the asset's kaseya_id; KaseyaIDAlt
// accepts the client-level spelling kaseyaid in case a tenant's integration filled that one.
type wireAsset struct {
	ID              flexInt    `json:"id"`
	InventoryNumber flexString `json:"inventory_number"`
	ClientID        flexInt    `json:"client_id"`
	SiteID          flexInt    `json:"site_id"`
	AssetTypeID     flexInt    `json:"assettype_id"`
	KaseyaID        flexString `json:"kaseya_id"`
	KaseyaIDAlt     flexString `json:"kaseyaid"`
}

func (c wireClient) key() int64    { return int64(c.ID) }
func (t wireTopLevel) key() int64  { return int64(t.ID) }
func (t wireAssetType) key() int64 { return int64(t.ID) }
func (s wireSite) key() int64      { return int64(s.ID) }
func (u wireUser) key() int64      { return int64(u.ID) }
func (a wireAsset) key() int64     { return int64(a.ID) }

func formatID(id flexInt) string {
	if id == 0 {
		return ""
	}
	return strconv.FormatInt(int64(id), 10)
}
