package connectwise

import (
	"encoding/json"
	"fmt"
	"net/http"
	"reflect"
	"strings"
	"unicode/utf8"
)

const maxConfigurationName = 100

// resolveConfiguration validates the references of a configuration and fills in their names.
func (st *state) resolveConfiguration(c *Configuration) []FieldError {
	var errs []FieldError
	switch {
	case strings.TrimSpace(c.Name) == "":
		errs = append(errs, FieldError{Code: "NullValue", Field: "name", Message: "name may not be null."})
	case utf8.RuneCountInString(c.Name) > maxConfigurationName:
		errs = append(errs, FieldError{Code: "OutOfRange", Field: "name", Message: fmt.Sprintf("name exceeds %d characters.", maxConfigurationName)})
	}
	if c.Type == nil {
		errs = append(errs, FieldError{Code: "NullValue", Field: "type", Message: "type may not be null."})
	} else {
		found := false
		for _, t := range st.cfgTypes {
			if t.ID == c.Type.ID {
				c.Type, found = &Ref{ID: t.ID, Name: t.Name}, true
			}
		}
		if !found {
			errs = append(errs, FieldError{Code: "NotFound", Field: "type", Message: fmt.Sprintf("configuration type id %d not found.", c.Type.ID)})
		}
	}
	var company *Company
	if c.Company == nil {
		errs = append(errs, FieldError{Code: "NullValue", Field: "company", Message: "company may not be null."})
	} else if company = st.byID[c.Company.ID]; company == nil {
		errs = append(errs, FieldError{Code: "NotFound", Field: "company", Message: fmt.Sprintf("company id %d not found.", c.Company.ID)})
	} else {
		c.Company = &Ref{ID: company.ID, Identifier: company.Identifier, Name: company.Name}
	}
	if c.Site != nil {
		found := false
		for _, s := range st.sites {
			if s.ID == c.Site.ID && company != nil && s.Company.ID == company.ID {
				c.Site, found = &Ref{ID: s.ID, Name: s.Name}, true
			}
		}
		if !found {
			errs = append(errs, FieldError{Code: "NotFound", Field: "site", Message: fmt.Sprintf("site id %d not found for this company.", c.Site.ID)})
		}
	}
	return errs
}

func (st *state) addConfiguration(c Configuration) (Configuration, error) {
	if errs := st.resolveConfiguration(&c); len(errs) > 0 {
		return c, fmt.Errorf("configuration %q: %s: %s", c.Name, errs[0].Field, errs[0].Message)
	}
	for _, o := range st.configs {
		if c.ID != 0 && o.ID == c.ID {
			return c, fmt.Errorf("configuration id %d used twice", c.ID)
		}
	}
	c.ID = st.newID("configuration", c.ID)
	c.Info = st.stamp(c.Info)
	st.configs = append(st.configs, &c)
	return c.clone(), nil
}

func (st *state) configuration(id int) *Configuration {
	for _, c := range st.configs {
		if c.ID == id {
			return c
		}
	}
	return nil
}

func configurationsOf(st *state) []*Configuration { return st.configs }

func (s *Server) listConfigurations(w http.ResponseWriter, r *http.Request, _ int) {
	serveList(s, w, r, configurationsOf, Configuration.clone)
}

func (t ConfigurationType) clone() ConfigurationType { t.Info = cloneInfo(t.Info); return t }

func (s *Server) listConfigurationTypes(w http.ResponseWriter, r *http.Request, _ int) {
	serveList(s, w, r, func(st *state) []*ConfigurationType {
		out := make([]*ConfigurationType, len(st.cfgTypes))
		for i := range st.cfgTypes {
			out[i] = &st.cfgTypes[i]
		}
		return out
	}, ConfigurationType.clone)
}

func (s *Server) getConfiguration(w http.ResponseWriter, _ *http.Request, id int) {
	s.mu.Lock()
	c := s.state.configuration(id)
	var out Configuration
	if c != nil {
		out = c.clone()
	}
	s.mu.Unlock()
	if c == nil {
		writeError(w, http.StatusNotFound, "NotFound", fmt.Sprintf("Configuration recId %d not found.", id))
		return
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) createConfiguration(w http.ResponseWriter, r *http.Request, _ int) {
	var in Configuration
	if !decodeBody(w, r, &in) {
		return
	}
	in.ID, in.Info = 0, nil
	s.mu.Lock()
	if errs := s.state.resolveConfiguration(&in); len(errs) > 0 {
		s.mu.Unlock()
		writeInvalid(w, "configuration", errs)
		return
	}
	out, err := s.state.addConfiguration(in)
	s.mu.Unlock()
	if err != nil {
		writeError(w, http.StatusInternalServerError, "ConnectWiseApi", err.Error())
		return
	}
	s.SlowCreate(r)
	writeJSON(w, http.StatusCreated, out)
}

// PatchOp is one JSON-patch operation as CW takes it: path names a top-level field, with or
// without a leading slash.
type PatchOp struct {
	Op    string          `json:"op"`
	Path  string          `json:"path"`
	Value json.RawMessage `json:"value,omitempty"`
}

// patchConfiguration applies a JSON-patch array. Paths are top-level fields, case-sensitive as
// the CW guide says; a nested path ("company/id") is refused, since CW wants whole objects
// replaced and would otherwise answer a misleading 200.
func (s *Server) patchConfiguration(w http.ResponseWriter, r *http.Request, id int) {
	var ops []PatchOp
	if !decodeBody(w, r, &ops) {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	cur := s.state.configuration(id)
	if cur == nil {
		writeError(w, http.StatusNotFound, "NotFound", fmt.Sprintf("Configuration recId %d not found.", id))
		return
	}
	raw, _ := json.Marshal(cur)
	var doc map[string]json.RawMessage
	_ = json.Unmarshal(raw, &doc)
	fields := jsonFieldNames(Configuration{})
	for _, op := range ops {
		path := strings.TrimPrefix(op.Path, "/")
		if strings.Contains(path, "/") || !fields[path] {
			writeInvalid(w, "configuration", []FieldError{{Code: "InvalidPath", Field: op.Path, Message: fmt.Sprintf("%q is not a field of configuration.", op.Path)}})
			return
		}
		if path == "id" || path == "_info" {
			writeInvalid(w, "configuration", []FieldError{{Code: "ReadOnly", Field: path, Message: path + " is read only."}})
			return
		}
		switch op.Op {
		case "add", "replace":
			if op.Value == nil {
				writeInvalid(w, "configuration", []FieldError{{Code: "NullValue", Field: path, Message: "value is required for " + op.Op + "."}})
				return
			}
			doc[path] = op.Value
		case "remove":
			delete(doc, path)
		default:
			writeInvalid(w, "configuration", []FieldError{{Code: "InvalidOperation", Field: path, Message: fmt.Sprintf("op %q is not add, replace or remove.", op.Op)}})
			return
		}
	}
	raw, _ = json.Marshal(doc)
	var next Configuration
	if err := json.Unmarshal(raw, &next); err != nil {
		writeError(w, http.StatusBadRequest, "InvalidObject", "The patched configuration is not valid: "+err.Error())
		return
	}
	next.ID = cur.ID
	if errs := s.state.resolveConfiguration(&next); len(errs) > 0 {
		writeInvalid(w, "configuration", errs)
		return
	}
	next.Info = s.state.stamp(cur.Info)
	*cur = next
	writeJSON(w, http.StatusOK, cur.clone())
}

// jsonFieldNames lists the top-level JSON names of a struct type, case-sensitively.
func jsonFieldNames(v any) map[string]bool {
	out := map[string]bool{}
	t := reflect.TypeOf(v)
	for i := 0; i < t.NumField(); i++ {
		if name, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ","); name != "" && name != "-" {
			out[name] = true
		}
	}
	return out
}

// AddConfiguration seeds a configuration (ID 0 takes the next free id).
func (s *Server) AddConfiguration(c Configuration) (Configuration, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.state.addConfiguration(c)
}

// Configurations returns a copy of every configuration in creation order.
func (s *Server) Configurations() []Configuration {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Configuration, len(s.state.configs))
	for i, c := range s.state.configs {
		out[i] = c.clone()
	}
	return out
}
