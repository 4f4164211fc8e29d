package controllers_test

import (
	"context"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"k8s.io/apimachinery/pkg/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/rest"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/envtest"
	logf "sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"

	v1alpha1 "github.com/accountsync/accountsync-operator/api/v1alpha1"
	"github.com/accountsync/accountsync-operator/controllers"
	"github.com/accountsync/accountsync-operator/internal/connection"
	"github.com/accountsync/accountsync-operator/internal/provider"
	_ "github.com/accountsync/accountsync-operator/internal/provider/all"
)

// The controllers run in a real manager against a real kube-apiserver; assertions read through a
// separate, uncached client so they see what a user's kubectl would.

var (
	cfg       *rest.Config
	k8s       client.Client
	testEnv   *envtest.Environment
	scheme    = runtime.NewScheme()
	ctx       context.Context
	cancel    context.CancelFunc
	mgrDone   chan struct{}
	clientSet *connection.Cache
)

func TestControllers(t *testing.T) {
	RegisterFailHandler(Fail)
	SetDefaultEventuallyTimeout(60 * time.Second)
	SetDefaultEventuallyPollingInterval(200 * time.Millisecond)
	RunSpecs(t, "Controllers")
}

var _ = BeforeSuite(func() {
	logf.SetLogger(zap.New(zap.WriteTo(GinkgoWriter), zap.UseDevMode(true)))
	ctx, cancel = context.WithCancel(context.Background())
	testEnv = &envtest.Environment{
		CRDDirectoryPaths:     []string{filepath.Join("..", "config", "crd", "bases")},
		ErrorIfCRDPathMissing: true,
	}
	var err error
	cfg, err = testEnv.Start()
	Expect(err).NotTo(HaveOccurred())
	Expect(clientgoscheme.AddToScheme(scheme)).To(Succeed())
	Expect(v1alpha1.AddToScheme(scheme)).To(Succeed())
	k8s, err = client.New(cfg, client.Options{Scheme: scheme})
	Expect(err).NotTo(HaveOccurred())
	startManager()
})

// startManager starts a manager like cmd/main.go does, with short vendor back-offs so fault
// tests run in seconds; mutate changes the options (restartManagerWith). Restart tests stop it
// and start a new one.
func startManager(mutate ...func(*controllers.Options)) {
	mgrCfg := rest.CopyConfig(cfg)
	mgrCfg.Wrap(secretRequests.wrap)
	mgr, err := ctrl.NewManager(mgrCfg, ctrl.Options{
		Scheme:                 scheme,
		Client:                 controllers.ClientOptions(),
		Metrics:                metricsserver.Options{BindAddress: "0"},
		HealthProbeBindAddress: "0",
	})
	Expect(err).NotTo(HaveOccurred())
	clientSet = connection.NewCache()
	clientSet.Base = provider.Config{Backoff: 5 * time.Millisecond, MaxRetries: 6}
	opts := controllers.Options{
		ControllerOptions: controllers.ControllerOptions{MaxConcurrentReconciles: 2, SkipNameValidation: true},
		Clients:           clientSet,
		CreateSettle:      2 * time.Second,
	}
	for _, m := range mutate {
		m(&opts)
	}
	Expect(controllers.Setup(mgr, opts)).To(Succeed())
	mgrCtx, mgrCancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer GinkgoRecover()
		defer close(done)
		Expect(mgr.Start(mgrCtx)).To(Succeed())
	}()
	stopManager = func() {
		mgrCancel()
		<-done
	}
	mgrDone = done
}

var stopManager func()

// restartManagerWith replaces the suite's manager with one whose options mutate changed, for
// the rest of the spec; the usual manager is back afterwards. Only Serial specs may use it.
func restartManagerWith(mutate func(*controllers.Options)) {
	stopManager()
	startManager(mutate)
	DeferCleanup(func() {
		stopManager()
		startManager()
	})
}

// apiRequest is one request the manager sent to the API server.
type apiRequest struct {
	Method, Path, Query, Accept string
}

// requestLog records the manager's Secret requests, so a spec can show what it reads and how.
type requestLog struct {
	mu   sync.Mutex
	reqs []apiRequest
}

var secretRequests = &requestLog{}

func (l *requestLog) wrap(rt http.RoundTripper) http.RoundTripper {
	return roundTripperFunc(func(req *http.Request) (*http.Response, error) {
		if strings.Contains(req.URL.Path, "/secrets") {
			l.mu.Lock()
			l.reqs = append(l.reqs, apiRequest{Method: req.Method, Path: req.URL.Path, Query: req.URL.RawQuery, Accept: req.Header.Get("Accept")})
			l.mu.Unlock()
		}
		return rt.RoundTrip(req)
	})
}

func (l *requestLog) all() []apiRequest {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]apiRequest(nil), l.reqs...)
}

type roundTripperFunc func(*http.Request) (*http.Response, error)

func (f roundTripperFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

var _ = AfterSuite(func() {
	if stopManager != nil {
		stopManager()
	}
	cancel()
	if testEnv != nil {
		Expect(testEnv.Stop()).To(Succeed())
	}
})
