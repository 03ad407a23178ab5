#!/usr/bin/env bash
# Prints a fresh set of the chaser's secrets as KEY=value lines: one random value per lane
# and a codec key. `scripts/secrets.sh > .env` before `docker compose up` (compose reads
# .env); `make demo` makes its own. Keep the file private: whoever holds it can forge
# webhooks and links, and decrypt every chase.
set -euo pipefail
hex() { python3 -c 'import secrets; print(secrets.token_hex(32))'; }
cat <<ENV
CHASER_ACCOUNTING_SECRET=$(hex)
CHASER_BANK_SECRET=$(hex)
CHASER_INBOUND_SECRET=$(hex)
CHASER_API_TOKEN=$(hex)
CHASER_LINKS_SECRET=$(hex)
CHASER_CODEC_KEY=k1:$(python3 -c 'import base64, secrets; print(base64.b64encode(secrets.token_bytes(32)).decode())')
ENV
