// Package testenv starts what the demo (hack/demo) and the end-to-end tests (test/e2e) run
// against: an envtest control plane with the AccountSync CRDs and a kubeconfig file for it, Go
// binaries built from this module, and child processes (the real manager, cmd/vendorsim) whose
// output goes to log files.
//
// It is deliberately small: both callers drive a real manager binary, so the helpers here only
// start and stop things; every assertion stays with the caller.
package testenv

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/envtest"

	v1alpha1 "github.com/accountsync/accountsync-operator/api/v1alpha1"
)

// AssetsEnv is the variable envtest reads to find kube-apiserver, etcd and kubectl.
const AssetsEnv = "KUBEBUILDER_ASSETS"

// Scheme knows the core kinds and the AccountSync kinds.
func Scheme() *runtime.Scheme {
	s := runtime.NewScheme()
	// Both only fail on a programming error (a type registered twice).
	if err := clientgoscheme.AddToScheme(s); err != nil {
		panic(err)
	}
	if err := v1alpha1.AddToScheme(s); err != nil {
		panic(err)
	}
	return s
}

// Root returns the module root: the nearest directory at or above the working directory that
// holds go.mod. `go run ./hack/demo` runs in the root, `go test` in the package directory;
// both find it.
func Root() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("no go.mod found at or above the working directory")
		}
		dir = parent
	}
}

// ControlPlane is a running envtest kube-apiserver and etcd with the CRDs installed.
type ControlPlane struct {
	// Config reaches the API server as an administrator.
	Config *rest.Config
	// Client is uncached, so what it reads is what kubectl would show.
	Client client.Client
	// Kubeconfig is the path of a kubeconfig file for the API server (admin user).
	Kubeconfig string

	env *envtest.Environment
}

// StartControlPlane starts envtest with the CRDs of root/config/crd/bases and writes a kubeconfig
// for it to kubeconfigPath. KUBEBUILDER_ASSETS must name the directory holding the binaries.
func StartControlPlane(root, kubeconfigPath string) (*ControlPlane, error) {
	if os.Getenv(AssetsEnv) == "" {
		return nil, fmt.Errorf("%s is not set: run `make envtest` and point it at the binaries", AssetsEnv)
	}
	env := &envtest.Environment{
		CRDDirectoryPaths:     []string{filepath.Join(root, "config", "crd", "bases")},
		ErrorIfCRDPathMissing: true,
	}
	cfg, err := env.Start()
	if err != nil {
		return nil, fmt.Errorf("start envtest: %w", err)
	}
	cp := &ControlPlane{Config: cfg, Kubeconfig: kubeconfigPath, env: env}
	// envtest renders a kubeconfig for its admin user (client certificate); writing it to a file
	// is all the manager process and a person's kubectl need.
	if err := os.MkdirAll(filepath.Dir(kubeconfigPath), 0o755); err != nil {
		return nil, errors.Join(err, cp.Stop())
	}
	if err := os.WriteFile(kubeconfigPath, env.KubeConfig, 0o600); err != nil {
		return nil, errors.Join(fmt.Errorf("write kubeconfig: %w", err), cp.Stop())
	}
	cp.Client, err = client.New(cfg, client.Options{Scheme: Scheme()})
	if err != nil {
		return nil, errors.Join(err, cp.Stop())
	}
	return cp, nil
}

// Stop stops the API server and etcd and removes their data. It is safe to call twice.
func (c *ControlPlane) Stop() error {
	if c == nil || c.env == nil {
		return nil
	}
	env := c.env
	c.env = nil
	return env.Stop()
}

// Kubectl is the kubectl binary shipped with the envtest assets.
func Kubectl() string {
	return filepath.Join(os.Getenv(AssetsEnv), "kubectl")
}

// CreateNamespace creates a namespace.
func (c *ControlPlane) CreateNamespace(ctx context.Context, name string) error {
	ns := &corev1.Namespace{}
	ns.Name = name
	return c.Client.Create(ctx, ns)
}

// Build runs `go build -o out pkg` in root. The output of a failed build is in the error.
func Build(ctx context.Context, root, pkg, out string) error {
	cmd := exec.CommandContext(ctx, "go", "build", "-o", out, pkg)
	cmd.Dir = root
	if b, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("go build %s: %w\n%s", pkg, err, bytes.TrimSpace(b))
	}
	return nil
}

// Process is a child process whose stdout and stderr go to a log file.
type Process struct {
	Name    string
	LogPath string

	cmd  *exec.Cmd
	log  *os.File
	done chan struct{}

	mu      sync.Mutex
	err     error
	stopped bool
}

// StartProcess starts path with args and env (nil env means the parent's), writing its output
// to logPath. The child runs in its own process group, so a Ctrl-C in the terminal reaches
// only the parent, which then stops its children in order (manager before the API server).
func StartProcess(name, path string, args, env []string, logPath string) (*Process, error) {
	if err := os.MkdirAll(filepath.Dir(logPath), 0o755); err != nil {
		return nil, err
	}
	f, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o644)
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(path, args...)
	cmd.Env = env
	cmd.Stdout, cmd.Stderr = f, f
	cmd.SysProcAttr = sysProcAttr()
	if err := cmd.Start(); err != nil {
		_ = f.Close()
		return nil, fmt.Errorf("start %s: %w", name, err)
	}
	p := &Process{Name: name, LogPath: logPath, cmd: cmd, log: f, done: make(chan struct{})}
	go func() {
		err := cmd.Wait()
		_ = f.Close()
		p.mu.Lock()
		p.err = err
		p.mu.Unlock()
		close(p.done)
	}()
	return p, nil
}

// PID is the process id.
func (p *Process) PID() int { return p.cmd.Process.Pid }

// Done is closed when the process has exited.
func (p *Process) Done() <-chan struct{} { return p.done }

// ExitError describes how the process ended; nil while it runs or after a clean exit.
func (p *Process) ExitError() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.err
}

// Stop sends SIGTERM, waits up to grace for the process to exit, then kills it. An exit caused
// by the stop itself is not an error; an earlier crash is reported.
func (p *Process) Stop(grace time.Duration) error {
	if p == nil {
		return nil
	}
	select {
	case <-p.done:
		return p.unexpectedExit()
	default:
	}
	p.mu.Lock()
	p.stopped = true
	p.mu.Unlock()
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(grace):
		_ = p.cmd.Process.Kill()
		<-p.done
		return fmt.Errorf("%s did not stop within %s and was killed", p.Name, grace)
	}
	return nil
}

func (p *Process) unexpectedExit() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.stopped || p.err == nil {
		return nil
	}
	return fmt.Errorf("%s exited: %w (log: %s)", p.Name, p.err, p.LogPath)
}

// Tail returns the last n lines of the process log, for a failure message.
func (p *Process) Tail(n int) string {
	return TailFile(p.LogPath, n)
}

// TailFile returns the last n lines of a file ("" when it cannot be read).
func TailFile(path string, n int) string {
	f, err := os.Open(path)
	if err != nil {
		return ""
	}
	defer f.Close()
	var lines []string
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	for sc.Scan() {
		lines = append(lines, sc.Text())
		if len(lines) > n {
			lines = lines[1:]
		}
	}
	return strings.Join(lines, "\n")
}

// StartManager runs the manager binary against the API server of kubeconfig, the way a person
// runs it outside a cluster: KUBECONFIG set, no metrics or probe listeners (they would need free
// ports and nothing here scrapes them).
func StartManager(binary, kubeconfig, logPath string, extraArgs ...string) (*Process, error) {
	args := append([]string{"--metrics-bind-address=0", "--health-probe-bind-address=0"}, extraArgs...)
	// exec keeps the last of duplicate variables, so this wins over an inherited KUBECONFIG.
	env := append(os.Environ(), "KUBECONFIG="+kubeconfig)
	return StartProcess("manager", binary, args, env, logPath)
}
