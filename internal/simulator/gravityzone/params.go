package gravityzone

import (
	"bytes"
	"encoding/json"
	"sort"
)

// params reads one call's parameters strictly: unknown names and wrong JSON types are
// "Invalid params", as the console answers a request it cannot bind.
type params map[string]json.RawMessage

// only rejects any parameter not in allowed.
func (p params) only(allowed ...string) *rpcError {
	ok := map[string]bool{}
	for _, a := range allowed {
		ok[a] = true
	}
	var unknown []string
	for k := range p {
		if !ok[k] {
			unknown = append(unknown, k)
		}
	}
	if len(unknown) > 0 {
		sort.Strings(unknown)
		return invalidParams("Unknown parameter %q.", unknown[0])
	}
	return nil
}

// present reports whether name was given with a non-null value.
func (p params) present(name string) bool {
	raw, ok := p[name]
	return ok && !bytes.Equal(bytes.TrimSpace(raw), []byte("null"))
}

func (p params) str(name string) (string, *rpcError) {
	var s string
	if !p.present(name) {
		return "", nil
	}
	if err := json.Unmarshal(p[name], &s); err != nil {
		return "", invalidParams("The %s parameter must be a string.", name)
	}
	return s, nil
}

func (p params) integer(name string) (int, *rpcError) {
	var n int
	if !p.present(name) {
		return 0, nil
	}
	if err := json.Unmarshal(p[name], &n); err != nil {
		return 0, invalidParams("The %s parameter must be an integer.", name)
	}
	return n, nil
}

func (p params) boolean(name string) *rpcError {
	var b bool
	if !p.present(name) {
		return nil
	}
	if err := json.Unmarshal(p[name], &b); err != nil {
		return invalidParams("The %s parameter must be a boolean.", name)
	}
	return nil
}

func (p params) object(name string) (params, *rpcError) {
	out := params{}
	if !p.present(name) {
		return out, nil
	}
	if err := json.Unmarshal(p[name], &out); err != nil || out == nil {
		return nil, invalidParams("The %s parameter must be an object.", name)
	}
	return out, nil
}
