#!/usr/bin/env bash
# Builds the kubectl-accountsync release archives the Krew manifest (hack/krew/accountsync.yaml)
# points at: dist/kubectl-accountsync_<version>_<os>_<arch>.tar.gz (.zip on Windows), each with
# the binary and README.md, plus dist/checksums.txt.
set -euo pipefail
version="${1:?usage: hack/krew/dist.sh <version tag>}"
cd "$(dirname "$0")/../.."
mkdir -p dist
rm -f dist/checksums.txt
for target in linux/amd64 linux/arm64 darwin/amd64 darwin/arm64 windows/amd64; do
  os="${target%/*}" arch="${target#*/}"
  work=$(mktemp -d)
  bin=kubectl-accountsync
  [[ "$os" == windows ]] && bin=kubectl-accountsync.exe
  CGO_ENABLED=0 GOOS="$os" GOARCH="$arch" go build -trimpath -ldflags "-s -w" -o "$work/$bin" ./cmd/kubectl-accountsync
  cp README.md "$work/"
  name="kubectl-accountsync_${version}_${os}_${arch}"
  if [[ "$os" == windows ]]; then
    (cd "$work" && zip -q "$OLDPWD/dist/$name.zip" "$bin" README.md)
    archive="dist/$name.zip"
  else
    tar -C "$work" -czf "dist/$name.tar.gz" "$bin" README.md
    archive="dist/$name.tar.gz"
  fi
  rm -rf "$work"
  (cd dist && sha256sum "$(basename "$archive")" >> checksums.txt)
  echo "built $archive"
done
