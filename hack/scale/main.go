// Command scale measures AccountSync's asset sync at MSP scale: a local control plane
// (envtest), the vendor simulators with added latency, and the real manager binary, one PSA at a
// time. For each PSA it prints the vendor calls of the first sync and of an unchanged re-sync by
// endpoint, the lower bound (listing pages plus creates) and the ratio, wall time, the manager's
// peak RSS, and the calls per hour at the default interval against the vendor's documented
// limit. It is a benchmark, not a test: `make scale`, never part of `make test`.
//
//	make scale                              # 1,600 orgs, 6,400 agents, then the 60,000-agent variant
//	SCALE_AGENTS=60000 SCALE_PSA=bms make scale
//	SCALE_LATENCY=20ms SCALE_NEW=1000 ...   # per-call latency; agents without a PSA asset yet
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	ctrllog "sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"

	"github.com/accountsync/accountsync-operator/test/testenv"
)

// options of one benchmark run.
type options struct {
	root      string
	outDir    string
	orgs      int
	agents    []int // one run per value
	newAgents int   // agents without a PSA asset before the first sync (its creates)
	latency   time.Duration
	psas      []string
	cwExtra   int // ConnectWise companies the policy's filter leaves out
	timeout   time.Duration
}

func main() {
	ctrllog.SetLogger(zap.New(zap.WriteTo(io.Discard)))
	o, err := optionsFromEnv()
	if err != nil {
		fmt.Fprintln(os.Stderr, "scale:", err)
		os.Exit(2)
	}
	// Ctrl-C ends the run through ctx, so the manager and the control plane are stopped.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err = run(ctx, o, os.Stdout)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "scale: FAILED:", err)
		os.Exit(1)
	}
}

func optionsFromEnv() (options, error) {
	root, err := testenv.Root()
	if err != nil {
		return options{}, err
	}
	o := options{root: root, outDir: filepath.Join(os.TempDir(), "accountsync-scale"), orgs: 1600, agents: []int{6400, 60000},
		newAgents: 1000, latency: 20 * time.Millisecond, psas: []string{"bms", "cw", "halo"}, cwExtra: 48400,
		timeout: 30 * time.Minute}
	intEnv := func(name string, dst *int) error {
		if v := os.Getenv(name); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil || n < 0 {
				return fmt.Errorf("%s=%q is not a count", name, v)
			}
			*dst = n
		}
		return nil
	}
	if v := os.Getenv("SCALE_AGENTS"); v != "" {
		o.agents = nil
		for _, f := range strings.Split(v, ",") {
			n, err := strconv.Atoi(strings.TrimSpace(f))
			if err != nil || n <= 0 {
				return o, fmt.Errorf("SCALE_AGENTS=%q: give counts such as 6400,60000", v)
			}
			o.agents = append(o.agents, n)
		}
	}
	for name, dst := range map[string]*int{"SCALE_ORGS": &o.orgs, "SCALE_NEW": &o.newAgents, "SCALE_CW_EXTRA": &o.cwExtra} {
		if err := intEnv(name, dst); err != nil {
			return o, err
		}
	}
	if v := os.Getenv("SCALE_LATENCY"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d < 0 {
			return o, fmt.Errorf("SCALE_LATENCY=%q is not a duration such as 20ms", v)
		}
		o.latency = d
	}
	if v := os.Getenv("SCALE_PSA"); v != "" {
		o.psas = strings.Split(v, ",")
		for _, p := range o.psas {
			if p != "bms" && p != "cw" && p != "halo" {
				return o, fmt.Errorf("SCALE_PSA=%q: bms, cw and/or halo", v)
			}
		}
	}
	if v := os.Getenv("SCALE_TIMEOUT"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d <= 0 {
			return o, fmt.Errorf("SCALE_TIMEOUT=%q is not a duration", v)
		}
		o.timeout = d
	}
	if os.Getenv(testenv.AssetsEnv) == "" {
		return o, fmt.Errorf("%s is not set; run `make scale`", testenv.AssetsEnv)
	}
	return o, nil
}

func run(ctx context.Context, o options, out io.Writer) (err error) {
	if err := os.MkdirAll(o.outDir, 0o755); err != nil {
		return err
	}
	binary := filepath.Join(o.outDir, "manager")
	fmt.Fprintf(out, "==> building the manager and starting the control plane\n")
	if err := testenv.Build(ctx, o.root, "./cmd", binary); err != nil {
		return err
	}
	cp, err := testenv.StartControlPlane(o.root, filepath.Join(o.outDir, "kubeconfig"))
	if err != nil {
		return err
	}
	defer func() {
		if serr := cp.Stop(); serr != nil && err == nil {
			err = serr
		}
	}()
	fmt.Fprintf(out, "    %d VSA organizations, %d agents a run (%d of them new), %s per vendor call\n\n",
		o.orgs, o.agents, o.newAgents, o.latency)
	var results []result
	for _, agents := range o.agents {
		for _, psa := range o.psas {
			s := scenario{o: o, psa: psa, agents: agents, cp: cp, binary: binary, out: out}
			r, err := s.run(ctx)
			if err != nil {
				return fmt.Errorf("%s, %d agents: %w", psa, agents, err)
			}
			r.print(out)
			results = append(results, r)
		}
	}
	printSummary(out, results)
	return nil
}
