// Command demo shows AccountSync at work on one machine, with nothing but Go and the envtest
// binaries: a local control plane (envtest), the six vendor APIs (the simulators, serving a
// realistic MSP), the real manager binary, and the config/samples objects. It waits until every
// connection is Ready and every policy has synced, prints what a person would look at, and keeps
// everything running for kubectl until Ctrl-C.
//
//	make demo                     # KUBEBUILDER_ASSETS=... go run ./hack/demo
//	DEMO_ONCE=1 make demo         # exit 0 after printing the converged state
//	DEMO_TIMEOUT=8m make demo     # a slower machine (default 4m)
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	ctrllog "sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"

	"github.com/accountsync/accountsync-operator/test/testenv"
)

const defaultTimeout = 4 * time.Minute

func main() {
	// envtest and the client log through controller-runtime; the demo's own output is the
	// report, and the manager's log is in its file.
	ctrllog.SetLogger(zap.New(zap.WriteTo(io.Discard)))

	o, err := optionsFromEnv()
	if err != nil {
		fmt.Fprintln(os.Stderr, "demo:", err)
		os.Exit(2)
	}
	// A second Ctrl-C is swallowed too: the children run in their own process groups, so the
	// demo must live to stop them (bounded by the manager's grace period).
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err = run(ctx, o)
	interrupted := ctx.Err() != nil
	stop()
	switch {
	case err == nil:
	case interrupted || errors.Is(err, errInterrupted):
		fmt.Fprintln(os.Stderr, "demo: interrupted:", err)
		os.Exit(130)
	default:
		fmt.Fprintln(os.Stderr, "demo: FAILED:", err)
		os.Exit(1)
	}
}

func optionsFromEnv() (options, error) {
	root, err := testenv.Root()
	if err != nil {
		return options{}, err
	}
	o := options{
		Root:          root,
		OutDir:        filepath.Join(root, "bin", "demo"),
		ManagerBinary: filepath.Join(root, "bin", "manager"),
		Timeout:       defaultTimeout,
		Once:          os.Getenv("DEMO_ONCE") == "1" || os.Getenv("DEMO_ONCE") == "true",
		Out:           os.Stdout,
	}
	if v := os.Getenv("DEMO_TIMEOUT"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d <= 0 {
			return o, fmt.Errorf("DEMO_TIMEOUT=%q is not a positive duration such as 4m", v)
		}
		o.Timeout = d
	}
	if os.Getenv(testenv.AssetsEnv) == "" {
		return o, fmt.Errorf("%s is not set; run `make demo`, which points it at the envtest binaries", testenv.AssetsEnv)
	}
	return o, nil
}
