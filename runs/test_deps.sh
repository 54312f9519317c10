#!/usr/bin/env bash
# What only the tests and check scripts use, never training or chatting: python3, python3-venv and curl (web_check,
# openai_check's venv, the
# HumanEval sandbox test), chromium (web_check's browser part), librsvg2-bin (the report's SVG render test),
# iproute2 (multihost_check's network namespaces). .ci/run calls it; web_check.sh and multihost_check.sh call it
# too. Installs only what is missing and never fails: without apt-get or root the checks skip themselves.
set -uo pipefail
cd "$(dirname "$0")/.."
if [ "$(uname)" = "Darwin" ]; then
    command -v rsvg-convert >/dev/null || echo "test_deps: optional on macOS: brew install librsvg (report SVG test)"
    exit 0
fi
command -v apt-get >/dev/null || { echo "test_deps: no apt-get; install python3, curl, chromium, librsvg2-bin, iproute2 yourself"; exit 0; }
if [ "$(id -u)" != 0 ] && ! sudo -n true 2>/dev/null; then
    echo "test_deps: not root and no password-less sudo; not installing (the checks that need them skip)"; exit 0
fi
bash runs/apt_install.sh python3 python3-venv curl chromium librsvg2-bin iproute2 || echo "test_deps: could not install (the checks that need them skip)"
exit 0
