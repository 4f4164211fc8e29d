package connectwise

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
)

// Wire shapes: only the fields this client reads, under CW's JSON names. Unknown fields are
// ignored, which is how CW's guide asks clients to tolerate new model fields.

type ref struct {
	ID         int    `json:"id"`
	Identifier string `json:"identifier,omitempty"`
	Name       string `json:"name,omitempty"`
}

// idRef is a reference as written: CW resolves it by id alone.
type idRef struct {
	ID int `json:"id"`
}

type company struct {
	ID          int    `json:"id"`
	Identifier  string `json:"identifier"`
	Name        string `json:"name"`
	Status      *ref   `json:"status"`
	Types       []ref  `json:"types"`
	DeletedFlag bool   `json:"deletedFlag"`
	// Address, phone and web site come with every company in the listing already made; the
	// suggester compares them.
	AddressLine1 string `json:"addressLine1"`
	City         string `json:"city"`
	Zip          string `json:"zip"`
	PhoneNumber  string `json:"phoneNumber"`
	Website      string `json:"website"`
}

type companyStatus struct {
	ID           int    `json:"id"`
	Name         string `json:"name"`
	InactiveFlag bool   `json:"inactiveFlag"`
}

type companyType struct {
	ID   int    `json:"id"`
	Name string `json:"name"`
}

type site struct {
	ID                  int    `json:"id"`
	Name                string `json:"name"`
	PrimaryAddressFlag  bool   `json:"primaryAddressFlag"`
	DefaultShippingFlag bool   `json:"defaultShippingFlag"`
	DefaultBillingFlag  bool   `json:"defaultBillingFlag"`
	DefaultMailingFlag  bool   `json:"defaultMailingFlag"`
	InactiveFlag        bool   `json:"inactiveFlag"`
}

type configurationType struct {
	ID           int    `json:"id"`
	Name         string `json:"name"`
	InactiveFlag bool   `json:"inactiveFlag"`
}

type configuration struct {
	ID               int    `json:"id"`
	Name             string `json:"name"`
	Company          *ref   `json:"company"`
	Site             *ref   `json:"site"`
	SerialNumber     string `json:"serialNumber"`
	IPAddress        string `json:"ipAddress"`
	OSType           string `json:"osType"`
	DeviceIdentifier string `json:"deviceIdentifier"`
}

type communicationItem struct {
	Type              *ref   `json:"type"`
	Value             string `json:"value"`
	DefaultFlag       bool   `json:"defaultFlag"`
	CommunicationType string `json:"communicationType"`
}

type contact struct {
	ID                 int                 `json:"id"`
	FirstName          string              `json:"firstName"`
	LastName           string              `json:"lastName"`
	Company            *ref                `json:"company"`
	CommunicationItems []communicationItem `json:"communicationItems"`
	DefaultPhoneNbr    string              `json:"defaultPhoneNbr"`
}

type systemInfo struct {
	Version string `json:"version"`
}

// companyInfo is the unauthenticated discovery answer; only Codebase matters. IsCloud is a
// string ("True") in CW's example, so it is not decoded at all.
type companyInfo struct {
	Codebase string `json:"Codebase"`
}

// decodeList decodes one page: a bare JSON array (null counts as empty).
func decodeList[T any](body []byte) ([]T, error) {
	var out []T
	if err := json.Unmarshal(body, &out); err != nil {
		return nil, err
	}
	return out, nil
}

// decodeOne decodes a single record (a create or patch answer).
func decodeOne[T any](body []byte) (T, error) {
	var out T
	err := json.Unmarshal(body, &out)
	return out, err
}

// decodeCount reads a /count answer: {"count": n}.
func decodeCount(body []byte) (int, error) {
	var out struct {
		Count *int `json:"count"`
	}
	if err := json.Unmarshal(body, &out); err != nil {
		return 0, err
	}
	if out.Count == nil || *out.Count < 0 {
		return 0, fmt.Errorf("count answer has no count")
	}
	return *out.Count, nil
}

func decodeSystemInfo(body []byte) (systemInfo, error) {
	info, err := decodeOne[systemInfo](body)
	if err != nil {
		return info, err
	}
	if strings.TrimSpace(info.Version) == "" {
		return info, fmt.Errorf("system info has no version")
	}
	return info, nil
}

// codebasePattern keeps the discovered codebase a single safe path segment: it is joined into
// every API URL, so "../" or a full URL must never get through.
var codebasePattern = regexp.MustCompile(`^[A-Za-z0-9_][A-Za-z0-9._-]*/$`)

func decodeCompanyInfo(body []byte) (companyInfo, error) {
	info, err := decodeOne[companyInfo](body)
	if err != nil {
		return info, err
	}
	cb := strings.TrimSpace(info.Codebase)
	if cb != "" && !strings.HasSuffix(cb, "/") {
		cb += "/"
	}
	if !codebasePattern.MatchString(cb) {
		return companyInfo{}, fmt.Errorf("company info has no usable Codebase (%q)", truncate(info.Codebase, 40))
	}
	info.Codebase = cb
	return info, nil
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n] + "…"
	}
	return s
}
