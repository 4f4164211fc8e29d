package kaseyabms

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"unicode/utf8"
)

// Departments are not in any public BMS API description. The simulator serves them where the
// client looks for them: GET/POST /api/crm/accounts/{id}/departments, record
// {Id, AccountId, DepartmentName, IsActive}, create body {DepartmentName}. Names are unique per
// account (case-insensitive), inactive departments included.

func (s *Server) listDepartments(w http.ResponseWriter, r *http.Request) {
	id, okID := s.pathID(w, r)
	if !okID {
		return
	}
	s.mu.Lock()
	found := s.accountIndex(id) >= 0
	var items []wireDepartment
	for _, d := range s.departments {
		if d.AccountID == id {
			items = append(items, departmentWire(d))
		}
	}
	s.mu.Unlock()
	if !found {
		s.fail(w, http.StatusNotFound, "Account not found.")
		return
	}
	list(s, w, r, departmentSchema, items, wireDepartment.props)
}

func (s *Server) createDepartment(w http.ResponseWriter, r *http.Request) {
	id, okID := s.pathID(w, r)
	if !okID {
		return
	}
	var in departmentIn
	if !s.readJSON(w, r, &in) {
		return
	}
	s.mu.Lock()
	if s.accountIndex(id) < 0 {
		s.mu.Unlock()
		s.fail(w, http.StatusNotFound, "Account not found.")
		return
	}
	created, err := s.insertDepartment(Department{AccountID: id, DepartmentName: in.DepartmentName})
	s.mu.Unlock()
	if err != nil {
		s.fail(w, http.StatusBadRequest, err.Error())
		return
	}
	s.SlowCreate(r)
	ok(w, departmentWire(created))
}

func departmentWire(d Department) wireDepartment {
	return wireDepartment{ID: d.ID, AccountID: d.AccountID, DepartmentName: d.DepartmentName, IsActive: !d.Inactive}
}

// insertDepartment validates and stores a department; the caller holds s.mu.
func (s *Server) insertDepartment(d Department) (Department, error) {
	d.DepartmentName = strings.TrimSpace(d.DepartmentName)
	switch {
	case s.accountIndex(d.AccountID) < 0:
		return d, fmt.Errorf("Invalid AccountId %d.", d.AccountID)
	case d.DepartmentName == "":
		return d, errors.New("DepartmentName is required.")
	case utf8.RuneCountInString(d.DepartmentName) > maxNameLen:
		return d, fmt.Errorf("DepartmentName cannot be longer than %d characters.", maxNameLen)
	}
	for _, other := range s.departments {
		if other.AccountID == d.AccountID && strings.EqualFold(other.DepartmentName, d.DepartmentName) {
			return d, fmt.Errorf("A department with the name '%s' already exists for this account.", other.DepartmentName)
		}
	}
	d.ID = s.newID("department")
	s.departments = append(s.departments, d)
	return d, nil
}

func (s *Server) departmentIndex(id int64) int {
	for i, d := range s.departments {
		if d.ID == id {
			return i
		}
	}
	return -1
}

// Departments returns the departments of an account (every department when accountID is 0).
func (s *Server) Departments(accountID int64) []Department {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Department
	for _, d := range s.departments {
		if accountID == 0 || d.AccountID == accountID {
			out = append(out, d)
		}
	}
	return out
}

// AddDepartment stores a department with the API's validation (Inactive is kept).
func (s *Server) AddDepartment(d Department) (Department, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.insertDepartment(d)
}
