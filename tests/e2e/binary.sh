# The built binary: static, small, and its command table as a user meets it.
source "$(dirname "$0")/lib/common.sh"

expect_rc 0 "$LAB" help
expect_contains "$OUT" "submit" "help lists submit"
expect_contains "$OUT" "Server roles" "help groups server roles"
expect_rc 0 "$LAB"
expect_contains "$OUT" "usage: lab" "no verb prints help"

expect_rc 0 "$LAB" --version
expect_contains "$OUT" "lab 0." "--version prints the version"
expect_contains "$OUT" "commit" "--version prints build info"

expect_rc 2 "$LAB" sbumit
expect_contains "$OUT" "did you mean 'submit'" "typo gets a suggestion"
expect_rc 2 "$LAB" frobnicate
expect_contains "$OUT" "unknown command 'frobnicate'" "unknown verb is named"

expect_rc 2 "$LAB" cli proxy
expect_contains "$OUT" "not a student command" "cli prefix only for student verbs"
expect_rc 0 "$LAB" help submit
expect_contains "$OUT" "usage: lab submit" "help VERB shows usage"

if "$LAB" --version | grep -q static; then
  info=$(file -L "$LAB")
  expect_contains "$info" "statically linked" "file(1) says static"
  set +e; ldd_out=$(ldd "$LAB" 2>&1); set -e
  expect_contains "$ldd_out" "not a dynamic executable" "ldd finds no shared libraries"
  # Release builds are stripped at link time; the budget is 15 MB (decimal, the stricter reading).
  if "$LAB" --version | grep -q "Release build"; then
    size=$(stat -c %s "$LAB")
    CHECKS=$((CHECKS + 1))
    [ "$size" -le 15000000 ] || fail "the static Release binary is $size bytes, over the 15 MB budget"
  fi
fi
