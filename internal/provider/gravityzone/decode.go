package gravityzone

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/accountsync/accountsync-operator/internal/provider"
)

// rpcResponse is a decoded answer: exactly one of Result (possibly JSON null) and Error.
type rpcResponse struct {
	Result json.RawMessage
	Error  *rpcError
}

// rpcError is a JSON-RPC error object. Details comes from data.details (or data itself when
// it is a string), where GravityZone puts the human explanation.
type rpcError struct {
	Code    int
	Message string
	Details string
}

var jsonNull = []byte("null")

// decodeResponse reads the JSON-RPC envelope.
func decodeResponse(body []byte) (rpcResponse, error) {
	var env map[string]json.RawMessage
	if err := json.Unmarshal(body, &env); err != nil {
		return rpcResponse{}, fmt.Errorf("not a JSON object: %w", err)
	}
	if env == nil {
		return rpcResponse{}, errors.New("not a JSON object")
	}
	if raw, ok := env["error"]; ok && !bytes.Equal(bytes.TrimSpace(raw), jsonNull) {
		e, err := decodeError(raw)
		if err != nil {
			return rpcResponse{}, err
		}
		return rpcResponse{Error: &e}, nil
	}
	raw, ok := env["result"]
	if !ok {
		return rpcResponse{}, errors.New("neither result nor error in the answer")
	}
	return rpcResponse{Result: raw}, nil
}

func decodeError(raw json.RawMessage) (rpcError, error) {
	var wire struct {
		Code    *int            `json:"code"`
		Message string          `json:"message"`
		Data    json.RawMessage `json:"data"`
	}
	if err := json.Unmarshal(raw, &wire); err != nil {
		return rpcError{}, fmt.Errorf("malformed error object: %w", err)
	}
	if wire.Code == nil {
		return rpcError{}, errors.New("error object without a code")
	}
	e := rpcError{Code: *wire.Code, Message: wire.Message}
	// data is free-form in JSON-RPC: take details from an object, or a bare string.
	var data struct {
		Details string `json:"details"`
	}
	var text string
	if json.Unmarshal(wire.Data, &data) == nil {
		e.Details = data.Details
	} else if json.Unmarshal(wire.Data, &text) == nil {
		e.Details = text
	}
	return e, nil
}

// companyRef is the part of a company object the client uses; getCompaniesList items and
// findCompaniesByName objects both carry it.
type companyRef struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

// decodeCompanies reads an array of companies. A company without an id cannot be mapped, so it
// fails the whole answer rather than vanishing from a sync unnoticed.
func decodeCompanies(raw json.RawMessage) ([]provider.Organization, error) {
	if len(bytes.TrimSpace(raw)) == 0 || bytes.Equal(bytes.TrimSpace(raw), jsonNull) {
		return nil, nil
	}
	var items []companyRef
	if err := json.Unmarshal(raw, &items); err != nil {
		return nil, fmt.Errorf("not an array of companies: %w", err)
	}
	out := make([]provider.Organization, 0, len(items))
	for i, it := range items {
		if it.ID == "" {
			return nil, fmt.Errorf("company %d (%q) has no id", i, it.Name)
		}
		out = append(out, provider.Organization{ID: it.ID, Name: it.Name})
	}
	return out, nil
}

// decodeCreatedID reads createCompany's result: the id as a string, or an object carrying it.
// An empty id (null result) means the server did not say.
func decodeCreatedID(raw json.RawMessage) (string, error) {
	trimmed := bytes.TrimSpace(raw)
	if len(trimmed) == 0 || bytes.Equal(trimmed, jsonNull) {
		return "", nil
	}
	var id string
	if err := json.Unmarshal(trimmed, &id); err == nil {
		return id, nil
	}
	var obj companyRef
	if err := json.Unmarshal(trimmed, &obj); err != nil {
		return "", fmt.Errorf("neither an id nor a company object: %s", snippet(trimmed))
	}
	return obj.ID, nil
}

// keyDetails is getApiKeyDetails' result.
type keyDetails struct {
	EnabledAPIs []string `json:"enabledApis"`
	CreatedAt   string   `json:"createdAt"`
}

func (d keyDetails) enables(api string) bool {
	for _, a := range d.EnabledAPIs {
		if strings.EqualFold(a, api) {
			return true
		}
	}
	return false
}

func decodeKeyDetails(raw json.RawMessage) (keyDetails, error) {
	var d keyDetails
	trimmed := bytes.TrimSpace(raw)
	if len(trimmed) == 0 || bytes.Equal(trimmed, jsonNull) {
		return d, nil
	}
	if err := json.Unmarshal(trimmed, &d); err != nil {
		return keyDetails{}, fmt.Errorf("not an API key details object: %w", err)
	}
	return d, nil
}

// snippet keeps unexpected values short in error messages.
func snippet(b []byte) string {
	const limit = 80
	if len(b) > limit {
		return string(b[:limit]) + "…"
	}
	return string(b)
}
