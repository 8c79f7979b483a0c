# Sourced by every end-to-end suite. Gives each suite its own temp folder (kept when the
# suite fails, removed when it passes) and small assertion helpers.
set -euo pipefail
: "${LAB:?LAB must point at the lab binary}"
SUITE=$(basename "${BASH_SOURCE[1]}" .sh)
mkdir -p "${LAB_TEST_TMP:-/tmp/lab-e2e}"
T=$(mktemp -d "${LAB_TEST_TMP:-/tmp/lab-e2e}/$SUITE.XXXXXX")
export LAB_CONFIG_DIR="$T/config"
CHECKS=0
ON_EXIT_HOOKS=()  # functions run before the temp folder is judged (e.g. stopping servers)

on_exit() {
  local rc=$? hook
  for hook in "${ON_EXIT_HOOKS[@]}"; do "$hook" || true; done
  if [ $rc -eq 0 ]; then rm -rf "$T"; echo "$SUITE: $CHECKS checks passed"
  else echo "$SUITE: FAILED (rc=$rc); its files are kept in $T" >&2; fi
}
trap on_exit EXIT

fail() { echo "FAIL: $*" >&2; exit 1; }
# expect_eq ACTUAL EXPECTED WHAT
expect_eq() { CHECKS=$((CHECKS + 1)); [ "$1" = "$2" ] || fail "$3: expected [$2], got [$1]"; }
# expect_contains HAYSTACK NEEDLE WHAT
expect_contains() { CHECKS=$((CHECKS + 1)); case "$1" in *"$2"*) ;; *) fail "$3: [$2] not in [$1]";; esac; }
# expect_rc EXPECTED CMD...: runs CMD, checks its exit code, leaves output in $OUT
expect_rc() {
  local want=$1; shift
  set +e; OUT=$("$@" 2>&1); local rc=$?; set -e
  CHECKS=$((CHECKS + 1))
  [ "$rc" = "$want" ] || fail "'$*' exited $rc, expected $want; output: $OUT"
}
# expect_fail CMD...: CMD must exit non-zero; its output is left in $OUT
expect_fail() {
  set +e; OUT=$("$@" 2>&1); local rc=$?; set -e
  CHECKS=$((CHECKS + 1))
  [ "$rc" != 0 ] || fail "'$*' succeeded, expected a failure; output: $OUT"
}
