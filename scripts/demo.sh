#!/usr/bin/env bash
# `make demo`: the Temporal dev server (with its UI), the SES emulator and the chaser worker,
# with example invoices (dated relative to today) imported. Ctrl-C stops everything this script started.
set -euo pipefail
cd "$(dirname "$0")/.."

RUN=${DEMO_DIR:-.run/demo}
TEMPORAL=.tools/temporal/bin/temporal
SES=.tools/ses-emulator/node_modules/.bin/aws-ses-v2-local
TEMPORAL_PORT=${TEMPORAL_PORT:-7233}
UI_PORT=${UI_PORT:-8233}
SES_PORT=${SES_PORT:-8005}
HTTP_PORT=${HTTP_PORT:-8080}
TEMPORAL_HTTP_PORT=${TEMPORAL_HTTP_PORT:-$((TEMPORAL_PORT + 10))}
TEMPORAL_METRICS_PORT=${TEMPORAL_METRICS_PORT:-$((TEMPORAL_PORT + 11))}
# Live: every message goes to the local SES emulator's mailbox; nothing leaves the machine.
MODE=${MODE:-live}
# A test hands in the binary it built; otherwise the demo builds it.
CHASER=${DEMO_CHASER:-}

for port in "$TEMPORAL_PORT" "$UI_PORT" "$SES_PORT" "$HTTP_PORT" "$TEMPORAL_HTTP_PORT" "$TEMPORAL_METRICS_PORT"; do
    if (echo > "/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
        echo "port $port is in use: stop what runs there, or set TEMPORAL_PORT/UI_PORT/SES_PORT/HTTP_PORT" >&2
        exit 1
    fi
done
mkdir -p "$RUN"
groups=()
stop() {
    trap - EXIT INT TERM
    echo
    echo "stopping the demo..."
    for g in "${groups[@]}"; do /bin/kill -s TERM -- "-$g" 2>/dev/null || true; done
    sleep 1
    for g in "${groups[@]}"; do /bin/kill -s KILL -- "-$g" 2>/dev/null || true; done
}
trap stop EXIT INT TERM
# Each service in its own process group, so stopping it stops its children too.
start() {
    local log=$1
    shift
    setsid "$@" > "$log" 2>&1 &
    groups+=($!)
}
wait_port() {
    for _ in $(seq 1 150); do
        (echo > "/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
        sleep 0.2
    done
    echo "$2 did not start; see $3" >&2
    exit 1
}

if [ -z "$CHASER" ]; then
    cargo build --quiet --bin chaser
    CHASER=target/debug/chaser
fi
# The search attributes come from the chaser itself, which sets them: no copy of the list here.
pairs=$("$CHASER" search-attributes)
attributes=()
for pair in $pairs; do attributes+=(--search-attribute "$pair"); done
# The UI decodes the (encrypted) chases through the worker's codec server.
start "$RUN/temporal.log" "$TEMPORAL" server start-dev --ip 127.0.0.1 --port "$TEMPORAL_PORT" \
    --ui-port "$UI_PORT" --http-port "$TEMPORAL_HTTP_PORT" --metrics-port "$TEMPORAL_METRICS_PORT" \
    --db-filename "$RUN/temporal.db" --log-level warn "${attributes[@]}" \
    --ui-codec-endpoint "http://127.0.0.1:$HTTP_PORT/codec"
start "$RUN/ses.log" "$SES" --host 127.0.0.1 --port "$SES_PORT"
wait_port "$TEMPORAL_PORT" "the Temporal dev server" "$RUN/temporal.log"
wait_port "$SES_PORT" "the SES emulator" "$RUN/ses.log"

# Fresh random secrets for every demo: one per lane, and a codec key. The worker refuses
# guessable ones.
hex() { python3 -c 'import secrets; print(secrets.token_hex(32))'; }
API_TOKEN=$(hex)
CODEC_KEY="demo:$(python3 -c 'import base64, secrets; print(base64.b64encode(secrets.token_bytes(32)).decode())')"
umask 077
cat > "$RUN/chaser.toml" <<TOML
mode = "$MODE"
rules = "examples/demo-rules.toml"
database_url = "sqlite://$RUN/chaser.db"

[http]
listen = "127.0.0.1:$HTTP_PORT"
accounting_secret = "$(hex)"
bank_secret = "$(hex)"
inbound_secret = "$(hex)"
api_token = "$API_TOKEN"

[links]
secret = "$(hex)"

[codec]
key = "$CODEC_KEY"
ui_origins = ["http://127.0.0.1:$UI_PORT"]

[email]
from = "Acme Billing <billing@acme.example>"
reply_to = "billing@acme.example"
company_name = "Acme Ltd"

[aws]
region = "us-east-1"
ses_endpoint_url = "http://127.0.0.1:$SES_PORT"
TOML
umask 022
export CHASER_CONFIG=$RUN/chaser.toml TEMPORAL_ADDRESS=127.0.0.1:$TEMPORAL_PORT TEMPORAL_NAMESPACE=default
export AWS_ACCESS_KEY_ID=demo AWS_SECRET_ACCESS_KEY=demo
start "$RUN/worker.log" "$CHASER" worker
wait_port "$HTTP_PORT" "the chaser worker" "$RUN/worker.log"

python3 scripts/demo-invoices.py "$RUN/invoices.csv"
"$CHASER" import "$RUN/invoices.csv" --by demo || true

cat <<INFO

The demo is running (mode: $MODE). Ctrl-C stops it.
  Temporal UI      http://127.0.0.1:$UI_PORT/namespaces/default/workflows
  Mailbox viewer   http://127.0.0.1:$SES_PORT  (the catch-up messages; nothing leaves the machine)
  API              http://127.0.0.1:$HTTP_PORT/healthz
  Cockpit          http://127.0.0.1:$HTTP_PORT/review  (sign in with the API token: $API_TOKEN)
Chases are encrypted in Temporal. To see them decoded in the UI: sign in at the review link
above, then in the UI's codec server settings override them in this browser with the same
endpoint (http://127.0.0.1:$HTTP_PORT/codec) and tick "Include cross-origin credentials".
Try, in another shell (CHASER_CONFIG=$RUN/chaser.toml TEMPORAL_ADDRESS=127.0.0.1:$TEMPORAL_PORT):
  $CHASER status INV-1003
  $CHASER schedule INV-1001
  $CHASER paid INV-1004 --reference bank-42     (the thank-you appears in the mailbox)
Logs: $RUN/*.log
INFO
setsid tail -f "$RUN/worker.log" &
groups+=($!)
wait "${groups[2]}"
