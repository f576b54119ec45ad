#!/usr/bin/env bash
# Load test of the production profile on this machine: starts bin/prod on 127.0.0.1 (gunicorn,
# Celery worker and beat on PostgreSQL and Redis), runs locust headless with hospitals' API traffic
# (tests/load/locustfile.py), prints requests/s, p95 latency and errors per request kind, then stops.
#
# Needs DATABASE_URL and REDIS_URL of a database filled by `manage.py demo`. Optional: LOAD_USERS
# (16), LOAD_DURATION (60s), LOAD_PORT (8100), WEB_CONCURRENCY (2), GUNICORN_THREADS (4),
# LOAD_OUT (var/loadtest). Only ever targets 127.0.0.1.
set -euo pipefail
cd "$(dirname "$0")/../.."
: "${DATABASE_URL:?set DATABASE_URL (a database filled by manage.py demo)}"
: "${REDIS_URL:?set REDIS_URL}"
export SECRET_KEY=${SECRET_KEY:-$(.venv/bin/python -c "import secrets; print(secrets.token_urlsafe(50))")}
export WEB_CONCURRENCY=${WEB_CONCURRENCY:-2} GUNICORN_THREADS=${GUNICORN_THREADS:-4}
PORT=${LOAD_PORT:-8100}
USERS=${LOAD_USERS:-16}
DURATION=${LOAD_DURATION:-60s}
OUT=${LOAD_OUT:-var/loadtest}
mkdir -p "$OUT"

.venv/bin/python tests/load/prepare_users.py "$OUT/users.json" "$USERS"

GUNICORN_BIND=127.0.0.1:$PORT ACCESS_LOG=0 APP_VAR_DIR=${APP_VAR_DIR:-var} bin/prod >"$OUT/prod.log" 2>&1 &
prod=$!
trap 'kill -TERM $prod 2>/dev/null; wait $prod 2>/dev/null || true' EXIT
for _ in $(seq 1 300); do
  if curl -fs -o /dev/null -H "X-Forwarded-Proto: https" "http://127.0.0.1:$PORT/health/"; then break; fi
  if ! kill -0 $prod 2>/dev/null; then echo "bin/prod stopped:" >&2; tail -n 30 "$OUT/prod.log" >&2; exit 1; fi
  sleep 1
done

LOAD_USERS_FILE="$OUT/users.json" .venv/bin/locust -f tests/load/locustfile.py --headless \
  --users "$USERS" --spawn-rate 4 --run-time "$DURATION" --host "http://127.0.0.1:$PORT" \
  --csv "$OUT/result" --only-summary --loglevel WARNING >"$OUT/locust.log" 2>&1 || true

.venv/bin/python - "$OUT/result_stats.csv" "$USERS" "$DURATION" <<'PY'
import csv
import sys

rows = list(csv.DictReader(open(sys.argv[1])))
print(f"load test: {sys.argv[2]} users for {sys.argv[3]} against 127.0.0.1 (production profile)")
print(f"{'request':28} {'count':>7} {'errors':>6} {'req/s':>7} {'p50 ms':>7} {'p95 ms':>7} {'p99 ms':>7}")
for row in rows:
    name = row["Name"] if row["Name"] != "Aggregated" else "ALL"
    print(
        f"{name:28} {row['Request Count']:>7} {row['Failure Count']:>6} {float(row['Requests/s']):>7.1f}"
        f" {row['50%']:>7} {row['95%']:>7} {row['99%']:>7}"
    )
PY
if [ -s "$OUT/result_failures.csv" ] && [ "$(wc -l <"$OUT/result_failures.csv")" -gt 1 ]; then
  echo "failures:"; cat "$OUT/result_failures.csv"
fi
