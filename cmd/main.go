// Command manager runs the AccountSync controllers.
package main

import (
	"flag"
	"os"
	"strings"
	"time"

	"k8s.io/apimachinery/pkg/runtime"
	utilruntime "k8s.io/apimachinery/pkg/util/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/healthz"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"

	v1alpha1 "github.com/accountsync/accountsync-operator/api/v1alpha1"
	"github.com/accountsync/accountsync-operator/controllers"
	_ "github.com/accountsync/accountsync-operator/internal/provider/all"
	"github.com/accountsync/accountsync-operator/internal/securemetrics"
)

func main() {
	var (
		probeAddr, watchNamespaces         string
		leaderElectionID, leaderElectionNS string
		leaderElect, allowInsecureTLS      bool
		concurrency                        int
		reconcileTimeout                   time.Duration
		metrics                            securemetrics.Config
	)
	metrics.BindFlags(flag.CommandLine)
	flag.StringVar(&probeAddr, "health-probe-bind-address", ":8081", "Address of the /healthz and /readyz endpoints.")
	flag.BoolVar(&leaderElect, "leader-elect", false, "Elect a leader so only one replica reconciles.")
	flag.StringVar(&leaderElectionID, "leader-election-id", "accountsync-operator.accountsync.io", "Name of the leader-election Lease; unique per release.")
	flag.StringVar(&leaderElectionNS, "leader-election-namespace", "", "Namespace of the Lease (default: the pod's namespace).")
	flag.StringVar(&watchNamespaces, "watch-namespaces", "", "Comma-separated namespaces to watch; empty watches all.")
	flag.IntVar(&concurrency, "max-concurrent-reconciles", controllers.DefaultMaxConcurrentReconciles,
		"Workers per controller: a vendor that stops answering holds at most one worker per reconcile, up to --reconcile-timeout.")
	flag.DurationVar(&reconcileTimeout, "reconcile-timeout", controllers.DefaultReconcileTimeout,
		"Deadline of one reconcile, vendor calls included.")
	flag.BoolVar(&allowInsecureTLS, "allow-insecure-tls", false,
		"Let IntegrationConnections turn certificate verification off (spec.tls.insecureSkipVerify); without it such a connection is refused.")
	zapOpts := zap.Options{}
	zapOpts.BindFlags(flag.CommandLine)
	flag.Parse()
	ctrl.SetLogger(zap.New(zap.UseFlagOptions(&zapOpts)))
	setupLog := ctrl.Log.WithName("setup")

	scheme := runtime.NewScheme()
	utilruntime.Must(clientgoscheme.AddToScheme(scheme))
	utilruntime.Must(v1alpha1.AddToScheme(scheme))

	metricsOpts, metricsCertWatcher, err := metrics.Options()
	if err != nil {
		setupLog.Error(err, "invalid metrics flags")
		os.Exit(1)
	}
	cacheOpts := cache.Options{}
	if ns := splitList(watchNamespaces); len(ns) > 0 {
		cacheOpts.DefaultNamespaces = map[string]cache.Config{}
		for _, n := range ns {
			cacheOpts.DefaultNamespaces[n] = cache.Config{}
		}
	}
	mgr, err := ctrl.NewManager(ctrl.GetConfigOrDie(), ctrl.Options{
		Scheme:                        scheme,
		Cache:                         cacheOpts,
		Client:                        controllers.ClientOptions(),
		Metrics:                       metricsOpts,
		HealthProbeBindAddress:        probeAddr,
		LeaderElection:                leaderElect,
		LeaderElectionID:              leaderElectionID,
		LeaderElectionNamespace:       leaderElectionNS,
		LeaderElectionReleaseOnCancel: true,
	})
	if err != nil {
		setupLog.Error(err, "unable to create manager")
		os.Exit(1)
	}
	if concurrency < 1 || reconcileTimeout <= 0 {
		setupLog.Error(nil, "--max-concurrent-reconciles must be at least 1 and --reconcile-timeout positive")
		os.Exit(1)
	}
	if err := controllers.Setup(mgr, controllers.Options{
		ControllerOptions: controllers.ControllerOptions{MaxConcurrentReconciles: concurrency, ReconcileTimeout: reconcileTimeout},
		AllowInsecureTLS:  allowInsecureTLS,
	}); err != nil {
		setupLog.Error(err, "unable to set up controllers")
		os.Exit(1)
	}
	if metricsCertWatcher != nil {
		utilruntime.Must(mgr.Add(metricsCertWatcher))
	}
	utilruntime.Must(mgr.AddHealthzCheck("healthz", healthz.Ping))
	utilruntime.Must(mgr.AddReadyzCheck("readyz", healthz.Ping))
	setupLog.Info("starting manager", "watchNamespaces", watchNamespaces, "maxConcurrentReconciles", concurrency,
		"reconcileTimeout", reconcileTimeout.String(), "allowInsecureTLS", allowInsecureTLS,
		"metricsAddress", metrics.Address(), "metricsSecure", metrics.Secure)
	if err := mgr.Start(ctrl.SetupSignalHandler()); err != nil {
		setupLog.Error(err, "manager exited")
		os.Exit(1)
	}
}

func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}
