#!/usr/bin/env bash
# `make run`: initialize the instance once (KHO_HOME, default ./instance), seed demo data once,
# start the ingest worker (web uploads), print every account made for this instance (the
# administrator `kho init` created, shown only on the run that created it, and the demo
# accounts), then serve on http://127.0.0.1:$PORT (default 5000). Re-running reuses the instance.
# KHO_BIN: the kho command to use (default .venv/bin/kho; tests put a stand-in there);
# KHO_DEMO_COUNT: how many sample documents the first run files (default 50).
set -euo pipefail
cd "$(dirname "$0")/.."
kho="${KHO_BIN:-.venv/bin/kho}"
port="${PORT:-5000}"
if ! [[ "$port" =~ ^[0-9]+$ ]] || ((port < 1 || port > 65535)); then
    echo "PORT phải là một số từ 1 đến 65535 / PORT must be a number from 1 to 65535: $port" >&2
    exit 2
fi

init_out="$("$kho" init --demo)"
echo "$init_out"
admin_line="$(grep -F 'admin account' <<<"$init_out" || true)"
"$kho" demo --once --count "${KHO_DEMO_COUNT:-50}"
"$kho" worker >/dev/null 2>&1 &
worker=$!
trap 'kill "$worker" 2>/dev/null || true' EXIT INT TERM
echo
if [[ -n "$admin_line" ]]; then
    echo "Quản trị do kho init tạo / the administrator kho init created:"
    echo "  $admin_line"
else
    echo "Tài khoản quản trị admin đã được tạo ở lần chạy đầu (mật khẩu đã hiện khi đó) /"
    echo "  the admin account was created on the first run (its password was shown then)."
fi
echo "Kho đang chạy tại / Kho is serving at: http://127.0.0.1:$port  (Ctrl+C để dừng / to stop)"
echo "Đăng nhập bằng một tài khoản mẫu ở trên / log in with a demo account above, e.g. vanthu."
"$kho" run --host 127.0.0.1 --port "$port"
