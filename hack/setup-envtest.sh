#!/usr/bin/env bash
# Builds the envtest control-plane binaries (kube-apiserver, etcd, kubectl) from Go modules, because
# this project's machines reach only the Go module proxy: setup-envtest's release tarballs are not
# downloadable here. Installs them where setup-envtest would, and does nothing when they are present.
set -euo pipefail

K8S_VERSION="${K8S_VERSION:-1.37.1}"
STAGING_VERSION="${STAGING_VERSION:-v0.37.1}"
ETCD_VERSION="${ETCD_VERSION:-v3.6.16}"
GOARCH="$(go env GOARCH)"
GOOS="$(go env GOOS)"
ASSETS_DIR="${ENVTEST_ASSETS_DIR:-${HOME}/.local/share/kubebuilder-envtest/k8s/${K8S_VERSION}-${GOOS}-${GOARCH}}"

if [[ -x "${ASSETS_DIR}/kube-apiserver" && -x "${ASSETS_DIR}/etcd" && -x "${ASSETS_DIR}/kubectl" ]]; then
  echo "envtest: binaries present in ${ASSETS_DIR}"
  exit 0
fi

work="$(mktemp -d)"
log="${ENVTEST_BUILD_LOG:-${work}/build.log}"
trap 'rm -rf "${work}/src"' EXIT
mkdir -p "${work}/src" "${ASSETS_DIR}"

fail() {
  echo "envtest: FAILED: $1 (last lines of ${log}):" >&2
  tail -n 40 "${log}" >&2 || true
  exit 1
}

# The server must report its real version, or clients that gate on it misbehave.
major="${K8S_VERSION%%.*}"; rest="${K8S_VERSION#*.}"; minor="${rest%%.*}"
vpkg="k8s.io/component-base/version"
ldflags="-s -w -X ${vpkg}.gitVersion=v${K8S_VERSION} -X ${vpkg}.gitMajor=${major} -X ${vpkg}.gitMinor=${minor}"
ldflags+=" -X ${vpkg}.gitTreeState=clean -X ${vpkg}/verflag.programName=kube-apiserver"

echo "envtest: [1/3] preparing wrapper module for k8s.io/kubernetes v${K8S_VERSION}"
k8s="${work}/src/k8s"
mkdir -p "${k8s}"
(
  cd "${k8s}"
  go mod init envtest.local/k8s >>"${log}" 2>&1
  go mod edit -require="k8s.io/kubernetes@v${K8S_VERSION}"
  modfile="$(go mod download -json "k8s.io/kubernetes@v${K8S_VERSION}" | sed -n 's/.*"GoMod": "\(.*\)".*/\1/p')"
  # Every staging module k8s.io/X is a local replace in kubernetes' go.mod; point each at its
  # published version instead.
  for m in $(sed -n 's#^\s*\(k8s.io/[a-z0-9-]*\) => ./staging/.*#\1#p' "${modfile}"); do
    go mod edit -replace="${m}=${m}@${STAGING_VERSION}"
  done
  cat > tools.go <<'GO'
//go:build tools

package tools

import (
	_ "k8s.io/kubernetes/cmd/kube-apiserver"
	_ "k8s.io/kubernetes/cmd/kubectl"
)
GO
  go mod tidy >>"${log}" 2>&1
) || fail "wrapper module for kubernetes"

echo "envtest: [2/3] building kube-apiserver and kubectl (several minutes on a cold cache; log: ${log})"
(
  cd "${k8s}"
  CGO_ENABLED=0 go build -trimpath -ldflags "${ldflags}" -o "${ASSETS_DIR}/kube-apiserver" k8s.io/kubernetes/cmd/kube-apiserver
  CGO_ENABLED=0 go build -trimpath -ldflags "${ldflags/programName=kube-apiserver/programName=kubectl}" -o "${ASSETS_DIR}/kubectl" k8s.io/kubernetes/cmd/kubectl
) >>"${log}" 2>&1 || fail "building kube-apiserver/kubectl"

echo "envtest: [3/3] building etcd ${ETCD_VERSION}"
etcd="${work}/src/etcd"
mkdir -p "${etcd}"
(
  cd "${etcd}"
  go mod init envtest.local/etcd
  go mod edit -require="go.etcd.io/etcd/server/v3@${ETCD_VERSION}"
  cat > tools.go <<'GO'
//go:build tools

package tools

import _ "go.etcd.io/etcd/server/v3"
GO
  go mod tidy
  CGO_ENABLED=0 go build -trimpath -ldflags "-s -w" -o "${ASSETS_DIR}/etcd" go.etcd.io/etcd/server/v3
) >>"${log}" 2>&1 || fail "building etcd"

"${ASSETS_DIR}/kube-apiserver" --version
echo "envtest: installed into ${ASSETS_DIR}"
