#!/usr/bin/env bash
# Installs the system libraries NanoChat links against, then builds everything in release mode.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "$(uname)" = "Darwin" ]; then
    command -v pkg-config >/dev/null && pkg-config --exists libzstd 2>/dev/null || \
        echo "macOS: run  brew install zstd open-mpi pkg-config  (BLAS comes from Accelerate)"
elif command -v apt-get >/dev/null; then
    need=""
    # chromium and librsvg2-bin are for the browser test of chat_web and the SVG plot test of report;
    # iproute2 for the multi-host check (network namespaces)
    for p in libopenblas-dev libopenmpi-dev openmpi-bin pkg-config libzstd-dev chromium librsvg2-bin iproute2; do
        dpkg -s "$p" >/dev/null 2>&1 || need="$need $p"
    done
    if [ -n "$need" ]; then
        SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
        $SUDO apt-get update -qq
        DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq $need
    fi
else
    echo "install OpenBLAS, Open MPI and zstd development packages with your package manager" >&2
fi
swift build -c release
