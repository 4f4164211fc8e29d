package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/yaml"

	v1alpha1 "github.com/accountsync/accountsync-operator/api/v1alpha1"
	"github.com/accountsync/accountsync-operator/internal/review"
	"github.com/accountsync/accountsync-operator/internal/simulator/connectwise"
	"github.com/accountsync/accountsync-operator/internal/simulator/vendors"
	"github.com/accountsync/accountsync-operator/test/testenv"
)

// options configure one run of the demo.
type options struct {
	// Root is the module root (config/crd/bases, config/samples, ./cmd).
	Root string
	// OutDir receives the kubeconfig, the manager log and the generated fixture.
	OutDir string
	// ManagerBinary is where the manager is built.
	ManagerBinary string
	// Timeout bounds the wait for convergence.
	Timeout time.Duration
	// Once returns after printing the converged state instead of running until ctx ends.
	Once bool
	// Out receives everything a person reads.
	Out io.Writer
	// Converged, when set, receives the objects as read back from the API server once the demo
	// converged and the services ran (its test asserts on them rather than on the printed
	// report).
	Converged func(w *world)
}

// errInterrupted reports a demo stopped (Ctrl-C) before it converged.
var errInterrupted = errors.New("interrupted before the demo converged")

// run is the whole demo: control plane, simulators, the real manager, the objects, the wait for
// convergence and the report. Everything it starts is stopped before it returns, on every path:
// manager first (it would log errors against a vanishing API server), then simulators, then the
// control plane.
func run(ctx context.Context, o options) (err error) {
	var cleanups []func() error
	defer func() {
		for i := len(cleanups) - 1; i >= 0; i-- {
			if cerr := cleanups[i](); cerr != nil {
				err = errors.Join(err, cerr)
			}
		}
	}()
	say := func(format string, args ...any) { fmt.Fprintf(o.Out, format+"\n", args...) }
	if err := os.MkdirAll(o.OutDir, 0o755); err != nil {
		return err
	}

	// The build and the control plane start take a few seconds each; overlap them.
	say("==> building the manager (go build -o %s ./cmd) and starting the control plane", rel(o.Root, o.ManagerBinary))
	buildCtx, cancelBuild := context.WithCancel(ctx)
	defer cancelBuild()
	built := make(chan error, 1)
	go func() { built <- testenv.Build(buildCtx, o.Root, "./cmd", o.ManagerBinary) }()

	kubeconfig := filepath.Join(o.OutDir, "kubeconfig")
	cp, err := testenv.StartControlPlane(o.Root, kubeconfig)
	if err != nil {
		cancelBuild()
		<-built //nolint:errcheck // cancelled: its error only repeats that
		return err
	}
	cleanups = append(cleanups, cp.Stop)
	say("    control plane: %s", cp.Config.Host)
	say("    kubeconfig:    %s", kubeconfig)
	say("    watch it:      %s --kubeconfig %s get ic,sp,am -A", testenv.Kubectl(), kubeconfig)

	fixture, err := demoFixture()
	if err != nil {
		return err
	}
	sims, err := startSimulators(fixture)
	if err != nil {
		return err
	}
	cleanups = append(cleanups, sims.stop)
	if err := writeFixture(filepath.Join(o.OutDir, "vendors.yaml"), fixture); err != nil {
		return err
	}
	say("==> vendor simulators (fixture: %s)", rel(o.Root, filepath.Join(o.OutDir, "vendors.yaml")))
	for _, v := range sims.order {
		say("    %-12s %s", v, sims.urls[v])
	}

	if err := <-built; err != nil {
		return err
	}
	logPath := filepath.Join(o.OutDir, "manager.log")
	mgr, err := testenv.StartManager(o.ManagerBinary, kubeconfig, logPath)
	if err != nil {
		return err
	}
	cleanups = append(cleanups, func() error { return mgr.Stop(15 * time.Second) })
	say("==> manager running (pid %s), log: %s", mgrPID(mgr), rel(o.Root, logPath))

	objs, err := demoObjects(o.Root, sims.urls, fixture)
	if err != nil {
		return err
	}
	if err := cp.CreateNamespace(ctx, demoNamespace); err != nil {
		return err
	}
	for _, obj := range objs {
		if err := cp.Client.Create(ctx, obj); err != nil {
			return fmt.Errorf("create %T %s: %w", obj, obj.GetName(), err)
		}
	}
	say("==> applied %d objects to namespace %s (config/samples, rewritten for the simulators)", len(objs), demoNamespace)

	expect := expectations{}
	for _, obj := range objs {
		expect.count(obj)
	}
	start := time.Now()
	say("==> waiting for convergence (timeout %s)", o.Timeout)
	w, werr := waitConverged(ctx, cp.Client, mgr, expect, o.Timeout, func(why string) {
		say("    %3ds  %s", int(time.Since(start).Seconds()), why)
	})
	if werr == nil {
		say("==> converged in %s", time.Since(start).Round(time.Second))
	}
	if w != nil {
		// The same report as `kubectl accountsync status`.
		fmt.Fprintln(o.Out)
		review.PrintStatus(o.Out, &review.World{Connections: w.ics, Policies: w.sps, Mappings: w.ams})
	}
	switch {
	case werr != nil && ctx.Err() != nil && !errors.Is(werr, errTimeout):
		return errInterrupted
	case werr != nil:
		if tail := mgr.Tail(15); tail != "" {
			say("\nlast lines of %s:\n%s", logPath, tail)
		}
		return werr
	}

	if cw, ok := sims.handlers["connectwise"].(*connectwise.Server); ok {
		showTickets(ctx, o.Out, cw, len(fixture.KaseyaVSA.Fixture.Alarms))
	}
	if o.Converged != nil {
		// Read again: the services' runs (tickets above) follow the links they report on.
		latest, err := observe(ctx, cp.Client)
		if err != nil {
			return err
		}
		o.Converged(latest)
	}
	printHints(o.Out, kubeconfig, logPath)
	if o.Once {
		return nil
	}
	say("\nThe demo keeps running: the manager re-syncs every policy on its interval. Press Ctrl-C to stop.")
	select {
	case <-ctx.Done():
		say("\n==> stopping: manager, simulators, control plane")
		return nil
	case <-mgr.Done():
		return fmt.Errorf("the manager exited: %w\n%s", mgr.ExitError(), mgr.Tail(15))
	}
}

// simulators are the vendor APIs, served in-process on loopback ports.
type simulators struct {
	urls     map[string]string
	handlers map[string]http.Handler
	order    []string
	servers  []*http.Server
}

func startSimulators(f vendors.File) (*simulators, error) {
	servers, err := vendors.Build(f)
	if err != nil {
		return nil, err
	}
	s := &simulators{urls: map[string]string{}, handlers: map[string]http.Handler{}}
	for _, v := range servers {
		ln, err := net.Listen("tcp", v.Listen)
		if err != nil {
			return nil, errors.Join(fmt.Errorf("%s simulator: %w", v.Vendor, err), s.stop())
		}
		srv := &http.Server{Handler: v.Handler, ReadHeaderTimeout: 10 * time.Second}
		go func() { _ = srv.Serve(ln) }()
		s.servers = append(s.servers, srv)
		// The URL a user would copy from the vendor's portal: server root, or the access URL
		// with its path for GravityZone.
		s.urls[v.Vendor] = "http://" + ln.Addr().String() + v.BasePath
		s.order = append(s.order, v.Vendor)
		s.handlers[v.Vendor] = v.Handler
	}
	return s, nil
}

func (s *simulators) stop() error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	var errs []error
	for _, srv := range s.servers {
		if err := srv.Shutdown(ctx); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// writeFixture saves the complete fixture, so the same vendors can be served by cmd/vendorsim.
func writeFixture(path string, f vendors.File) error {
	data, err := yaml.Marshal(f)
	if err != nil {
		return err
	}
	return os.WriteFile(path, data, 0o644)
}

func printHints(out io.Writer, kubeconfig, logPath string) {
	k := testenv.Kubectl() + " --kubeconfig " + kubeconfig
	fmt.Fprintf(out, "\nLook around:\n")
	fmt.Fprintf(out, "  %s get ic,sp,am -A\n", k)
	fmt.Fprintf(out, "  %s -n %s get sp %s -o yaml   # the dry-run plan\n", k, demoNamespace, policyDryRun)
	fmt.Fprintf(out, "  %s -n %s annotate sp vsa-to-bms accountsync.io/sync-requested-at=\"$(date +%%s)\" --overwrite   # sync now\n", k, demoNamespace)
	// The plugin reads the same kubeconfig; `make install-plugin` puts it on PATH for kubectl.
	p, f := "go run ./cmd/kubectl-accountsync", " --kubeconfig "+kubeconfig+" -n "+demoNamespace
	fmt.Fprintf(out, "\nThe review workflow (kubectl accountsync after make install-plugin; here without installing it):\n")
	for _, verb := range []string{"status", "review", "plan " + policyDryRun,
		"map <policy> --tool <org id> --psa <account id>   # prints the YAML to commit; --apply creates it",
		"explain <mapping>", "sync vsa-to-bms"} {
		cmd, comment, _ := strings.Cut(verb, "   #")
		line := fmt.Sprintf("  %s %s%s", p, cmd, f)
		if comment != "" {
			line += "   #" + comment
		}
		fmt.Fprintln(out, line)
	}
	fmt.Fprintf(out, "  tail -f %s\n", logPath)
}

func mgrPID(p *testenv.Process) string {
	if pid := p.PID(); pid > 0 {
		return fmt.Sprint(pid)
	}
	return "?"
}

// rel shortens path for display when it lies under root.
func rel(root, path string) string {
	if r, err := filepath.Rel(root, path); err == nil && !strings.HasPrefix(r, "..") {
		return r
	}
	return path
}

// expectations are how many objects of each kind the demo applied.
type expectations struct {
	connections, policies int
	manual                []string
}

func (e *expectations) count(obj client.Object) {
	switch obj.(type) {
	case *v1alpha1.IntegrationConnection:
		e.connections++
	case *v1alpha1.SyncPolicy:
		e.policies++
	case *v1alpha1.AccountMapping:
		e.manual = append(e.manual, obj.GetName())
		sort.Strings(e.manual)
	}
}

// showTickets waits (a ticketing run follows the links within seconds) for the ConnectWise
// tickets the simulated VSA alarms become, and lists them.
func showTickets(ctx context.Context, out io.Writer, cw *connectwise.Server, alarms int) {
	// Alarms of organizations the policy leaves unlinked (conflicts, exclusions) get no ticket:
	// stop once the count has been steady for a few seconds.
	deadline := time.Now().Add(time.Minute)
	last, steady := -1, 0
	for n := len(cw.Tickets()); n < alarms && steady < 5 && time.Now().Before(deadline) && ctx.Err() == nil; n = len(cw.Tickets()) {
		if n > 0 && n == last {
			steady++
		} else {
			steady = 0
		}
		last = n
		time.Sleep(time.Second)
	}
	tickets := cw.Tickets()
	fmt.Fprintf(out, "\n==> %d ConnectWise tickets from %d simulated VSA alarms (vsa-to-connectwise, spec.services.ticketing)\n", len(tickets), alarms)
	for _, t := range tickets {
		company := ""
		if t.Company != nil {
			company = t.Company.Name
		}
		fmt.Fprintf(out, "    #%-4d %-28s %-40s %s\n", t.ID, company, t.Summary, t.ExternalXRef)
	}
}
