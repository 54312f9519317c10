#!/usr/bin/env bash
# Installs what NanoChat builds and runs with (OpenBLAS, Open MPI, zstd, pkg-config), then builds everything in
# release mode. What only the tests need (a browser, an SVG renderer, iproute2) is in runs/test_deps.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "$(uname)" = "Darwin" ]; then
    command -v pkg-config >/dev/null && pkg-config --exists libzstd 2>/dev/null || \
        echo "macOS: run  brew install zstd open-mpi pkg-config  (BLAS comes from Accelerate)"
elif command -v apt-get >/dev/null; then
    bash runs/apt_install.sh libopenblas-dev libopenmpi-dev openmpi-bin pkg-config libzstd-dev
else
    echo "install OpenBLAS, Open MPI and zstd development packages with your package manager" >&2
fi
swift build -c release
