// Package vendors assembles every simulator from one fixture file, for cmd/vendorsim, the demo and
// the end-to-end tests.
package vendors

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/accountsync/accountsync-operator/internal/simulator/connectwise"
	"github.com/accountsync/accountsync-operator/internal/simulator/cyberqp"
	"github.com/accountsync/accountsync-operator/internal/simulator/gravityzone"
	"github.com/accountsync/accountsync-operator/internal/simulator/halopsa"
	"github.com/accountsync/accountsync-operator/internal/simulator/kaseyabms"
	"github.com/accountsync/accountsync-operator/internal/simulator/kaseyavsa"
	"github.com/accountsync/accountsync-operator/internal/simulator/simkit"
)

// Section is one vendor's part of the file.
type Section[F any] struct {
	// Listen is host:port; 127.0.0.1:0 picks a free port.
	Listen string `json:"listen"`
	// Faults switched on from the start.
	Faults  simkit.Faults `json:"faults,omitempty"`
	Fixture F             `json:"fixture"`
}

// File is the whole fixture file.
type File struct {
	ConnectWise *Section[connectwise.Fixture] `json:"connectwise,omitempty"`
	HaloPSA     *Section[halopsa.Fixture]     `json:"halopsa,omitempty"`
	KaseyaBMS   *Section[kaseyabms.Fixture]   `json:"kaseyabms,omitempty"`
	KaseyaVSA   *Section[kaseyavsa.Fixture]   `json:"kaseyavsa,omitempty"`
	GravityZone *Section[gravityzone.Fixture] `json:"gravityzone,omitempty"`
	CyberQP     *Section[cyberqp.Fixture]     `json:"cyberqp,omitempty"`
}

// Server is one simulator ready to serve.
type Server struct {
	Vendor string
	Listen string
	// BasePath is appended to the listen address to form the URL a user puts in spec.url.
	BasePath string
	Handler  http.Handler
}

type faulty interface {
	http.Handler
	SetFaults(simkit.Faults)
}

// Build creates the simulators named in f.
func Build(f File) ([]Server, error) {
	var out []Server
	add := func(vendor, listen, basePath string, h faulty, faults simkit.Faults) {
		if listen == "" {
			listen = "127.0.0.1:0"
		}
		h.SetFaults(faults)
		out = append(out, Server{Vendor: vendor, Listen: listen, BasePath: basePath, Handler: h})
	}
	if s := f.ConnectWise; s != nil {
		add("connectwise", s.Listen, "", connectwise.New(s.Fixture), s.Faults)
	}
	if s := f.HaloPSA; s != nil {
		add("halopsa", s.Listen, "", halopsa.New(s.Fixture), s.Faults)
	}
	if s := f.KaseyaBMS; s != nil {
		add("kaseyabms", s.Listen, "", kaseyabms.New(s.Fixture), s.Faults)
	}
	if s := f.KaseyaVSA; s != nil {
		add("kaseyavsa", s.Listen, "", kaseyavsa.New(s.Fixture), s.Faults)
	}
	if s := f.GravityZone; s != nil {
		base := "/" + strings.Trim(s.Fixture.BasePath, "/")
		if base == "/" {
			base = "/api"
		}
		add("gravityzone", s.Listen, base, gravityzone.New(s.Fixture), s.Faults)
	}
	if s := f.CyberQP; s != nil {
		add("cyberqp", s.Listen, "", cyberqp.New(s.Fixture), s.Faults)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("the fixture names no vendor")
	}
	return out, nil
}
