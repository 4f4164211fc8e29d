// Command vendorsim serves the vendor API simulators on loopback ports from one fixture file, for
// the demo, the end-to-end tests and manual testing with a real manager.
//
//	vendorsim -fixture hack/demo/fixture.yaml
//
// The fixture has one optional section per vendor: {listen: "127.0.0.1:PORT", faults: {...},
// fixture: {...the simulator's own Fixture...}}. It prints "ready <vendor> <url>" per vendor.
package main

import (
	"context"
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"sigs.k8s.io/yaml"

	"github.com/accountsync/accountsync-operator/internal/simulator/vendors"
)

func main() {
	fixturePath := flag.String("fixture", "", "YAML fixture with one section per vendor")
	flag.Parse()
	if *fixturePath == "" {
		fmt.Fprintln(os.Stderr, "vendorsim: -fixture is required")
		os.Exit(2)
	}
	data, err := os.ReadFile(*fixturePath)
	if err != nil {
		fmt.Fprintln(os.Stderr, "vendorsim:", err)
		os.Exit(1)
	}
	var f vendors.File
	if err := yaml.UnmarshalStrict(data, &f); err != nil {
		fmt.Fprintln(os.Stderr, "vendorsim: fixture:", err)
		os.Exit(1)
	}
	servers, err := vendors.Build(f)
	if err != nil {
		fmt.Fprintln(os.Stderr, "vendorsim:", err)
		os.Exit(1)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	for _, s := range servers {
		ln, err := net.Listen("tcp", s.Listen)
		if err != nil {
			fmt.Fprintf(os.Stderr, "vendorsim: %s: %v\n", s.Vendor, err)
			os.Exit(1)
		}
		srv := &http.Server{Handler: s.Handler, ReadHeaderTimeout: 10 * time.Second}
		go func() { _ = srv.Serve(ln) }()
		go func() {
			<-ctx.Done()
			shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			_ = srv.Shutdown(shutdown)
		}()
		fmt.Printf("ready %s http://%s%s\n", s.Vendor, ln.Addr().String(), s.BasePath)
	}
	<-ctx.Done()
}
