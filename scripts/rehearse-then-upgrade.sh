#!/usr/bin/env bash
# The whole path, on this machine: a local hardhat node plays the live chain, the protocol is
# deployed and seeded on it, the upgrade is rehearsed on a fork of it with both engines, and the
# live upgrade follows, which (localhost being treated as live here) demands the receipt.
# Used by .ci/run and by the GitHub workflow; needs nothing but npm ci.
set -euo pipefail
cd "$(dirname "$0")/.."
export HARDHAT_DISABLE_TELEMETRY_PROMPT=true

port=$(node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')
work=$(mktemp -d)
node node_modules/hardhat/internal/cli/bootstrap.js node --hostname 127.0.0.1 --port "$port" >"$work/node.log" 2>&1 &
node_pid=$!
cleanup() { kill "$node_pid" 2>/dev/null || true; wait "$node_pid" 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
for _ in $(seq 1 120); do
  grep -q "Started HTTP" "$work/node.log" && break
  kill -0 "$node_pid" 2>/dev/null || { cat "$work/node.log"; exit 1; }
  sleep 0.5
done

export AEGIS_LOCALHOST_URL="http://127.0.0.1:$port"
export AEGIS_DEPLOYMENTS_DIR="$work/deployments"
# localhost plays a live network: its upgrade needs a passing rehearsal receipt.
export AEGIS_DEVELOPMENT_NETWORKS=hardhat

echo "== deploy and seed the live chain (127.0.0.1:$port)"
AEGIS_DEVELOPMENT_NETWORKS=hardhat,localhost npx hardhat aegis:deploy --network localhost --seed
echo "== rehearse on an anvil fork"
npx hardhat aegis:rehearse --network localhost --fork-url "$AEGIS_LOCALHOST_URL" --engine anvil
echo "== rehearse on the in-process hardhat fork"
npx hardhat aegis:rehearse --network localhost --fork-url "$AEGIS_LOCALHOST_URL" --engine hardhat
echo "== the live upgrade, with its receipt"
npx hardhat aegis:upgrade --network localhost --yes
npx hardhat aegis:status --network localhost
