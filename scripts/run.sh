#!/usr/bin/env bash
# `make run`: initialize the instance once (KHO_HOME, default ./instance), seed demo data once,
# start the ingest worker (web uploads), print how to log in, then serve on
# http://127.0.0.1:5000. Re-running reuses the instance.
set -euo pipefail
cd "$(dirname "$0")/.."
kho=.venv/bin/kho

"$kho" init --demo
"$kho" demo --once
"$kho" worker >/dev/null 2>&1 &
worker=$!
trap 'kill "$worker" 2>/dev/null || true' EXIT INT TERM
echo
echo "Kho đang chạy tại / Kho is serving at: http://127.0.0.1:5000  (Ctrl+C để dừng / to stop)"
echo "Đăng nhập bằng một tài khoản mẫu ở trên / log in with a demo account above, e.g. vanthu."
"$kho" run --host 127.0.0.1 --port 5000
