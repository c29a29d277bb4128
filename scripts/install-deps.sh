#!/usr/bin/env bash
# Installs every Debian package the build and the tests need, and nothing else.
# Idempotent: packages already present are left alone; apt-get update runs once.
set -euo pipefail

PACKAGES=(
  build-essential cmake ninja-build ccache pkg-config
  libeigen3-dev      # CPU GEMM
  catch2             # unit tests (Catch2 v2, header-only)
  libcli11-dev       # command lines of the apps
  libyaml-cpp-dev    # official experiment YAML configs
  nlohmann-json3-dev # JSON (annotations, results, safetensors headers)
  libfmt-dev         # formatting
  libstb-dev         # image decode / encode
  libturbojpeg0-dev  # fast JPEG decode (the decoder OpenCV uses)
  libjpeg-dev        # libjpeg-turbo's libjpeg API: decoding only the region a crop reads
  zlib1g-dev         # .pth zip storages, MAT v5
)

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#PACKAGES[@]} packages present"
  exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
echo "install-deps: installing ${missing[*]}"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
echo "install-deps: done"
