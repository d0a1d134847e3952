#!/usr/bin/env bash
# A two-node Kho cluster on loopback (docs/deployment.md): one PostgreSQL, one SeaweedFS S3
# (started by scripts/with-postgres.sh and scripts/with-s3.sh, unless KHO_TEST_DATABASE_URL and
# KHO_TEST_S3_ENDPOINT name servers already running), two `kho serve` nodes (a, b), each with its
# own KHO_HOME and index, and ingest worker(s), all with the same key file, database, bucket and
# cookie key. Everything lives in $KHO_CLUSTER_DIR (default ./cluster).
#
#   scripts/cluster.sh up            start the services, initialise, start a, b and the worker(s)
#   scripts/cluster.sh down          stop the nodes and worker(s), then the services
#   scripts/cluster.sh status        what runs, where
#   scripts/cluster.sh start NODE    start one of a, b, worker1, worker2 … (after a kill)
#   scripts/cluster.sh stop NODE     stop it cleanly (SIGTERM)
#   scripts/cluster.sh kill NODE     kill -9 its whole process group (a crash)
#   scripts/cluster.sh env           the environment of the cluster, to `source` (then `kho …`)
#
# Ports: KHO_CLUSTER_PORT (node a; b is +1; default KHO_S3_PORT + 10), KHO_PG_PORT, KHO_S3_PORT (see the
# scripts above). KHO_CLUSTER_WORKERS: how many `kho worker` processes (default 1).
# The first archivist/admin: `admin` with the password in $KHO_CLUSTER_DIR/admin.password.
set -euo pipefail

here="$(cd "$(dirname "$0")/.." && pwd)"
dir="$(mkdir -p "${KHO_CLUSTER_DIR:-$here/cluster}" && cd "${KHO_CLUSTER_DIR:-$here/cluster}" && pwd)"
python="${KHO_PYTHON:-$here/.venv/bin/python}"
port="${KHO_CLUSTER_PORT:-$((${KHO_S3_PORT:-58333} + 10))}"  # above SeaweedFS's eight ports
workers="${KHO_CLUSTER_WORKERS:-1}"
kho=("$python" -c "from web.cli import main; main()")

node_port() { case "$1" in a) echo "$port" ;; b) echo $((port + 1)) ;; esac; }

alive() { [ -f "$dir/$1.pid" ] && kill -0 "$(cat "$dir/$1.pid")" 2>/dev/null; }

start_node() {
  local name="$1"
  # shellcheck disable=SC1091
  source "$dir/cluster.env"
  alive "$name" && { echo "$name already runs (pid $(cat "$dir/$name.pid"))"; return; }
  mkdir -p "$dir/$name"
  case "$name" in
    a | b)
      KHO_HOME="$dir/$name" setsid "${kho[@]}" serve --bind "127.0.0.1:$(node_port "$name")" \
        --workers 2 --threads 4 --plain-http --no-ingest-worker >>"$dir/$name.log" 2>&1 &
      ;;
    worker*)
      KHO_HOME="$dir/$name" setsid "${kho[@]}" worker >>"$dir/$name.log" 2>&1 &
      ;;
    *) echo "unknown node $name (a, b, worker1, worker2 …)" >&2; exit 2 ;;
  esac
  echo $! >"$dir/$name.pid"
  case "$name" in
    a | b)
      local url="http://127.0.0.1:$(node_port "$name")/login"
      for _ in $(seq 600); do
        if "$python" -c "import urllib.request,sys; urllib.request.urlopen(sys.argv[1], timeout=1)" \
          "$url" 2>/dev/null; then
          echo "node $name: http://127.0.0.1:$(node_port "$name") (pid $(cat "$dir/$name.pid"))"
          return
        fi
        alive "$name" || { tail -n 20 "$dir/$name.log" >&2; exit 1; }
        sleep 0.1
      done
      echo "node $name did not answer in 60 s (see $dir/$name.log)" >&2; exit 1
      ;;
    *) echo "$name: kho worker (pid $(cat "$dir/$name.pid"))" ;;
  esac
}

stop_node() {  # $1 name, $2 signal
  alive "$1" || { rm -f "$dir/$1.pid"; return 0; }
  local pid; pid="$(cat "$dir/$1.pid")"
  kill "-$2" -- "-$pid" 2>/dev/null || true
  for _ in $(seq 250); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -9 -- "-$pid" 2>/dev/null || true
  rm -f "$dir/$1.pid"
}

nodes() { echo a b; for n in $(seq "$workers"); do echo "worker$n"; done; }

write_env() {  # the settings every node shares, from the services' variables
  umask 077
  cat >"$dir/cluster.env" <<EOF
export KHO_DATABASE_URL='$KHO_TEST_DATABASE_URL'
export KHO_BLOBS='s3://$KHO_TEST_S3_BUCKET/${KHO_CLUSTER_PREFIX:-cluster}'
export KHO_S3_ENDPOINT='$KHO_TEST_S3_ENDPOINT'
export AWS_ACCESS_KEY_ID='$AWS_ACCESS_KEY_ID'
export AWS_SECRET_ACCESS_KEY='$AWS_SECRET_ACCESS_KEY'
export AWS_DEFAULT_REGION='${AWS_DEFAULT_REGION:-us-east-1}'
export KHO_KEY_FILE='$dir/keys/kho.key'
export KHO_SECRET_KEY='$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')'
export KHO_INDEX_SNAPSHOTS=1
EOF
}

case "${1:-}" in
  up)
    if [ -f "$dir/cluster.env" ] && alive a; then echo "the cluster already runs ($dir)"; exit 0; fi
    rm -f "$dir/cluster.env"
    if [ -n "${KHO_TEST_DATABASE_URL:-}" ] && [ -n "${KHO_TEST_S3_ENDPOINT:-}" ]; then
      write_env
    else  # the services live as long as `cluster.sh _services` (stopped by `down`)
      setsid bash "$here/scripts/with-s3.sh" bash "$here/scripts/with-postgres.sh" \
        bash "$0" _services >"$dir/services.log" 2>&1 &
      echo $! >"$dir/services.pid"
      for _ in $(seq 900); do
        [ -f "$dir/cluster.env" ] && break
        kill -0 "$(cat "$dir/services.pid")" 2>/dev/null || { cat "$dir/services.log" >&2; exit 1; }
        sleep 0.1
      done
      [ -f "$dir/cluster.env" ] || { echo "services did not start" >&2; exit 1; }
      grep -h "on http\|on 127" "$dir/services.log" || true
    fi
    # shellcheck disable=SC1091
    source "$dir/cluster.env"
    mkdir -p "$dir/keys"
    [ -f "$dir/admin.password" ] || (umask 077; head -c 18 /dev/urandom | base64 >"$dir/admin.password")
    KHO_HOME="$dir/a" "${kho[@]}" init --admin-password-file "$dir/admin.password" >"$dir/init.log"
    mkdir -p "$dir/b"  # its index is made by its follower: from a snapshot, or rebuilt
    for name in $(nodes); do start_node "$name"; done
    echo "cluster up in $dir: source <(scripts/cluster.sh env) to use kho against it"
    ;;
  _services)  # inside with-s3.sh and with-postgres.sh: publish their settings, wait for down
    write_env
    echo $$ >"$dir/services.inner.pid"
    trap 'exit 0' TERM INT
    while true; do sleep 1; done
    ;;
  down)
    for name in $(nodes) worker1 worker2 worker3 worker4; do stop_node "$name" TERM & done
    wait
    if [ -f "$dir/services.pid" ]; then
      pid="$(cat "$dir/services.pid")"
      # the inner script ends; with-postgres.sh and with-s3.sh then stop their servers
      kill -TERM "$(cat "$dir/services.inner.pid" 2>/dev/null)" 2>/dev/null || true
      for _ in $(seq 300); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
      kill -TERM "$pid" 2>/dev/null || true
      rm -f "$dir/services.pid" "$dir/services.inner.pid"
    fi
    rm -f "$dir/cluster.env"
    echo "cluster down"
    ;;
  status)
    for name in $(nodes); do
      if alive "$name"; then echo "$name: running (pid $(cat "$dir/$name.pid"))"; else echo "$name: stopped"; fi
    done
    ;;
  start) start_node "${2:?node}" ;;
  stop) stop_node "${2:?node}" TERM ;;
  kill) stop_node "${2:?node}" KILL ;;
  env) cat "$dir/cluster.env" ;;
  *) sed -n '2,20p' "$0" >&2; exit 2 ;;
esac
