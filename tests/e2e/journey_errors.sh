#!/usr/bin/env bash
# Malformed requests get a 4xx with a message; bad task.toml lines are named; a logged-out
# CLI says what to do.
source "$(dirname "$0")/lib/common.sh"
source "$(dirname "$0")/lib/cluster.sh"
command -v jq >/dev/null || fail "jq is needed (scripts/install-deps.sh --e2e installs it)"
cluster_up 1
student dave
TOKEN=$(jq -r .token "$T/users/dave/credentials.json")
API="$LAB_PROXY_URL/api/v1"

# code BODY-FILE: the HTTP status of the last curl, its body in $T/body
req() { curl -s -o "$T/body" -w '%{http_code}' "$@"; }
expect_error() {  # expect_error STATUS CODE WHAT CURL-ARGS...
  local status=$1 code=$2 what=$3; shift 3
  expect_eq "$(req "$@")" "$status" "$what: status"
  expect_eq "$(jq -r .error.code "$T/body")" "$code" "$what: error code"
  CHECKS=$((CHECKS + 1)); [ -n "$(jq -r '.error.message // empty' "$T/body")" ] || fail "$what: no message"
}
expect_error 401 unauthenticated "no token" "$API/tasks"
expect_error 401 unauthenticated "a wrong token" -H "Authorization: Bearer lab_nope" "$API/tasks"
expect_error 400 invalid_argument "not JSON" -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' \
  -d '{"spec": ' "$API/tasks"
expect_error 400 invalid_argument "a bad spec field" -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' \
  -d '{"spec": {"name": "x", "resources": {"memory": "lots"}, "run": {"command": "x"}}, "snapshot": "00000000000000000000000000000000"}' "$API/tasks"
expect_contains "$(jq -r .error.message "$T/body")" "memory" "the message names the field"
expect_error 404 not_found "an unknown task" -H "Authorization: Bearer $TOKEN" "$API/tasks/t-991231-9999"
head -c $((70 << 20)) /dev/zero > "$T/big"
expect_error 413 too_large "an oversized body" -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' \
  --data-binary "@$T/big" "$API/snapshots"
expect_error 409 conflict "registering a taken name" -H 'Content-Type: application/json' \
  -d '{"name": "dave", "password": "another-password"}' "$API/auth/register"

# A task.toml mistake is reported with its line, before anything is uploaded.
mkdir -p "$T/p" && cd "$T/p"
printf '[resources]\ngpu = 1\n[run]\ncommand = "true"\n' > task.toml
as dave submit
CHECKS=$((CHECKS + 1)); [ "$RC" != 0 ] || fail "a bad task.toml was submitted"
expect_contains "$OUT" "task.toml:2" "the error names the line"
expect_contains "$OUT" "gpus" "and suggests the right key"

# Logged out, the CLI says how to log in.
as dave logout
as dave list
CHECKS=$((CHECKS + 1)); [ "$RC" != 0 ] || fail "list worked while logged out"
expect_contains "$OUT" "lab login" "logged-out message says what to do"
# The revoked token no longer works.
expect_error 401 unauthenticated "a revoked token" -H "Authorization: Bearer $TOKEN" "$API/tasks"
