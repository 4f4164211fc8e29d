// Package securemetrics configures the manager's metrics endpoint the way the kubebuilder v4
// scaffold does: HTTPS by default, every request authenticated with a TokenReview and
// authorized with a SubjectAccessReview (get on the non-resource URL /metrics) against the API
// server. Plain HTTP is served only when asked for with --metrics-secure=false.
package securemetrics

import (
	"crypto/tls"
	"flag"
	"fmt"
	"path/filepath"

	"sigs.k8s.io/controller-runtime/pkg/certwatcher"
	"sigs.k8s.io/controller-runtime/pkg/metrics/filters"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"
)

// Default ports of the two modes: the scaffold's 8443 for HTTPS, and 8080, where the
// endpoint has always been, for plain HTTP.
const (
	DefaultSecureAddress   = ":8443"
	DefaultInsecureAddress = ":8080"
)

// Config is what the --metrics-* flags say.
type Config struct {
	// BindAddress is where the endpoint listens; "" picks the default of the mode and "0"
	// disables the endpoint.
	BindAddress string
	// Secure serves HTTPS with authentication and authorization; false serves plain HTTP to
	// anyone who reaches the port.
	Secure bool
	// CertPath is a directory holding the serving certificate and key (a mounted Secret, e.g.
	// cert-manager's); "" makes the server generate a self-signed certificate at start.
	CertPath, CertName, KeyName string
	// EnableHTTP2 serves HTTP/2 as well; off by default because of the HTTP/2 stream
	// cancellation and rapid reset vulnerabilities (CVE-2023-44487, CVE-2023-39325).
	EnableHTTP2 bool
}

// BindFlags registers the --metrics-* flags on fs with their defaults.
func (c *Config) BindFlags(fs *flag.FlagSet) {
	fs.StringVar(&c.BindAddress, "metrics-bind-address", "",
		"Address of the metrics endpoint; empty means "+DefaultSecureAddress+" with --metrics-secure and "+
			DefaultInsecureAddress+" without, 0 disables it.")
	fs.BoolVar(&c.Secure, "metrics-secure", true,
		"Serve metrics over HTTPS to callers whose bearer token may get /metrics (TokenReview and SubjectAccessReview); false serves plain HTTP to anyone.")
	fs.StringVar(&c.CertPath, "metrics-cert-path", "",
		"Directory with the metrics serving certificate (e.g. a mounted cert-manager Secret); empty generates a self-signed one.")
	fs.StringVar(&c.CertName, "metrics-cert-name", "tls.crt", "Certificate file name in --metrics-cert-path.")
	fs.StringVar(&c.KeyName, "metrics-cert-key", "tls.key", "Key file name in --metrics-cert-path.")
	fs.BoolVar(&c.EnableHTTP2, "enable-http2", false,
		"Serve metrics over HTTP/2 too; off because of the HTTP/2 rapid reset and stream cancellation vulnerabilities.")
}

// Address is the address the endpoint listens on.
func (c Config) Address() string {
	switch {
	case c.BindAddress != "":
		return c.BindAddress
	case c.Secure:
		return DefaultSecureAddress
	default:
		return DefaultInsecureAddress
	}
}

// Options returns the manager's metrics server options and, when the certificate comes from
// CertPath, the watcher that reloads it on rotation: add it to the manager so it runs.
func (c Config) Options() (metricsserver.Options, *certwatcher.CertWatcher, error) {
	opts := metricsserver.Options{BindAddress: c.Address(), SecureServing: c.Secure}
	if !c.Secure {
		if c.CertPath != "" {
			return opts, nil, fmt.Errorf("--metrics-cert-path needs --metrics-secure")
		}
		return opts, nil, nil
	}
	opts.FilterProvider = filters.WithAuthenticationAndAuthorization
	if !c.EnableHTTP2 {
		opts.TLSOpts = append(opts.TLSOpts, func(cfg *tls.Config) { cfg.NextProtos = []string{"http/1.1"} })
	}
	if c.CertPath == "" {
		return opts, nil, nil
	}
	watcher, err := certwatcher.New(filepath.Join(c.CertPath, c.CertName), filepath.Join(c.CertPath, c.KeyName))
	if err != nil {
		return opts, nil, fmt.Errorf("metrics certificate in %s: %w", c.CertPath, err)
	}
	opts.TLSOpts = append(opts.TLSOpts, func(cfg *tls.Config) { cfg.GetCertificate = watcher.GetCertificate })
	return opts, watcher, nil
}
