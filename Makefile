# AccountSync operator. Every tool this Makefile needs is installed into ./bin at a pinned version,
# so a fresh machine with only Go can run `make test` and `make demo`.

# Tool versions (pinned).
CONTROLLER_TOOLS_VERSION ?= v0.23.0
HELM_VERSION ?= v3.22.0
GOLANGCI_LINT_VERSION ?= v2.15.0
ENVTEST_K8S_VERSION ?= 1.37.1

SHELL := /usr/bin/env bash -o pipefail
.SHELLFLAGS := -ec

LOCALBIN ?= $(CURDIR)/bin
CONTROLLER_GEN ?= $(LOCALBIN)/controller-gen
HELM ?= $(LOCALBIN)/helm
GOLANGCI_LINT ?= $(LOCALBIN)/golangci-lint
GOOS := $(shell go env GOOS)
GOARCH := $(shell go env GOARCH)
ENVTEST_ASSETS ?= $(HOME)/.local/share/kubebuilder-envtest/k8s/$(ENVTEST_K8S_VERSION)-$(GOOS)-$(GOARCH)
IMG ?= ghcr.io/accountsync/accountsync-operator:dev

# Test packages that need a real API server run with KUBEBUILDER_ASSETS set.
TEST_FLAGS ?= -count=1 -timeout=30m
GO_TEST_ENV = KUBEBUILDER_ASSETS=$(ENVTEST_ASSETS) HELM=$(HELM)
# Packages whose concurrency (parallel workers, the shared client cache and token buckets, the
# creation guard, the HTTP layer) the race detector checks on every `make test`; the others run
# without it, which keeps the whole run short.
RACE_PKGS ?= ./controllers/... ./internal/connection/... ./internal/creation/... ./internal/provider/httpx/...

.PHONY: all
all: build

##@ General

.PHONY: help
help: ## Show the targets.
	@awk 'BEGIN {FS = ":.*##"} /^[a-zA-Z_0-9-]+:.*?##/ { printf "  %-18s %s\n", $$1, $$2 } /^##@/ { printf "\n%s\n", substr($$0, 5) }' $(MAKEFILE_LIST)

##@ Development

.PHONY: manifests
manifests: controller-gen ## Generate CRDs and RBAC from the API types and markers.
	$(CONTROLLER_GEN) rbac:roleName=manager-role crd:allowDangerousTypes=false paths="./api/..." paths="./controllers/..." output:crd:artifacts:config=config/crd/bases output:rbac:artifacts:config=config/rbac
	@mkdir -p charts/accountsync-crds/templates
	@for f in config/crd/bases/*.yaml; do cp "$$f" charts/accountsync-crds/templates/$$(basename $$f); done
	@go run ./hack/chartrules config/rbac/role.yaml charts/accountsync/files/rules.yaml

.PHONY: generate
generate: controller-gen ## Generate deepcopy code.
	$(CONTROLLER_GEN) object:headerFile="hack/boilerplate.go.txt" paths="./api/..."

.PHONY: fmt
fmt: ## go fmt.
	go fmt ./...

.PHONY: vet
vet: ## go vet.
	go vet ./...

.PHONY: lint
lint: golangci-lint ## golangci-lint with the committed .golangci.yml (formatting included).
	$(GOLANGCI_LINT) run ./...

.PHONY: lint-fix
lint-fix: golangci-lint ## golangci-lint, applying the fixes it can make.
	$(GOLANGCI_LINT) run --fix ./...

.PHONY: test
test: manifests generate vet lint envtest helm ## Run every test (unit, simulators, envtest controllers, chart, e2e); RACE_PKGS with -race.
	$(GO_TEST_ENV) go test $(TEST_FLAGS) -race $(RACE_PKGS)
	$(GO_TEST_ENV) go test $(TEST_FLAGS) $$(go list ./... | grep -vxF -f <(go list $(RACE_PKGS)))

.PHONY: test-short
test-short: ## Unit tests only (no API server).
	go test -short -count=1 ./internal/... ./api/...

.PHONY: fuzz
fuzz: ## Run every fuzz target for FUZZTIME each (default 20s).
	hack/fuzz-all.sh $(or $(FUZZTIME),20s)

.PHONY: bench
bench: ## Benchmarks of matching, suggestions, planning and ticketing (reported numbers, not pass/fail).
	go test -run='^$$' -bench=. -benchmem ./internal/... ./controllers/

##@ Build

.PHONY: build
build: generate ## Build the manager and the vendor simulators.
	go build -o bin/manager ./cmd
	go build -o bin/vendorsim ./cmd/vendorsim
	go build -o bin/kubectl-accountsync ./cmd/kubectl-accountsync

.PHONY: run
run: manifests generate ## Run the manager against the current kubeconfig.
	go run ./cmd

.PHONY: demo
demo: envtest ## Start a local control plane and vendor simulators and show a sync (DEMO_ONCE=1 exits after convergence).
	KUBEBUILDER_ASSETS=$(ENVTEST_ASSETS) go run ./hack/demo

PLUGIN_DIR ?= $(shell go env GOPATH)/bin

.PHONY: scale
scale: ## Benchmark (not part of test): vendor calls, wall time and peak RSS of asset sync at MSP scale, per PSA.
	KUBEBUILDER_ASSETS=$(ENVTEST_ASSETS) go run ./hack/scale

.PHONY: build-plugin
build-plugin: ## Build the kubectl plugin into bin/kubectl-accountsync.
	go build -o bin/kubectl-accountsync ./cmd/kubectl-accountsync

.PHONY: install-plugin
install-plugin: ## Install `kubectl accountsync` into PLUGIN_DIR (default $GOPATH/bin, which must be on PATH).
	@mkdir -p $(PLUGIN_DIR)
	go build -o $(PLUGIN_DIR)/kubectl-accountsync ./cmd/kubectl-accountsync
	@echo "installed $(PLUGIN_DIR)/kubectl-accountsync; try: kubectl accountsync status -n <namespace>"

.PHONY: plugin-dist
plugin-dist: ## Build the plugin's release archives for Krew into dist/ (VERSION=<tag>).
	hack/krew/dist.sh $(or $(VERSION),$(error set VERSION, e.g. make plugin-dist VERSION=v0.1.0))

.PHONY: docker-build
docker-build: ## Build the container image (needs a Docker engine).
	docker build -t $(IMG) .

.PHONY: install
install: manifests ## Install the CRDs into the current cluster (needs kubectl).
	kubectl apply --server-side -f config/crd/bases

##@ Tools

.PHONY: envtest
envtest: ## Build kube-apiserver, etcd and kubectl from Go modules (once) for envtest.
	ENVTEST_K8S_VERSION=$(ENVTEST_K8S_VERSION) K8S_VERSION=$(ENVTEST_K8S_VERSION) hack/setup-envtest.sh

.PHONY: controller-gen
controller-gen: $(CONTROLLER_GEN)
$(CONTROLLER_GEN): go.mod
	@mkdir -p $(LOCALBIN)
	@if ! $(CONTROLLER_GEN) --version 2>/dev/null | grep -q $(CONTROLLER_TOOLS_VERSION); then \
	  echo "installing controller-gen $(CONTROLLER_TOOLS_VERSION)"; \
	  GOBIN=$(LOCALBIN) go install sigs.k8s.io/controller-tools/cmd/controller-gen@$(CONTROLLER_TOOLS_VERSION); \
	fi
	@touch $(CONTROLLER_GEN)

.PHONY: golangci-lint
golangci-lint: $(GOLANGCI_LINT)
$(GOLANGCI_LINT): go.mod
	@mkdir -p $(LOCALBIN)
	@if ! $(GOLANGCI_LINT) version 2>/dev/null | grep -q "version $(GOLANGCI_LINT_VERSION:v%=%)"; then \
	  echo "installing golangci-lint $(GOLANGCI_LINT_VERSION) (a few minutes on a cold cache)"; \
	  GOBIN=$(LOCALBIN) go install github.com/golangci/golangci-lint/v2/cmd/golangci-lint@$(GOLANGCI_LINT_VERSION); \
	fi
	@touch $(GOLANGCI_LINT)

.PHONY: helm
helm: $(HELM)
$(HELM):
	@mkdir -p $(LOCALBIN)
	@echo "installing helm $(HELM_VERSION) (about a minute on a cold cache)"
	GOBIN=$(LOCALBIN) go install -ldflags "-X helm.sh/helm/v3/pkg/chartutil.k8sVersionMajor=1 -X helm.sh/helm/v3/pkg/chartutil.k8sVersionMinor=37" helm.sh/helm/v3/cmd/helm@$(HELM_VERSION)
