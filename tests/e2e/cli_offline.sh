# The student CLI where no proxy is needed: what it says when the proxy is unreachable, when
# nobody is logged in, and when a command line is wrong.
source "$(dirname "$0")/lib/common.sh"
cd "$T"
unset LAB_PROXY_URL
DEAD=http://127.0.0.1:1  # nothing listens on port 1

# Logged out: every verb that needs a session says how to get one, without a request.
for verb in whoami status list "logs t-1" "cancel t-1" "pull t-1"; do
  # shellcheck disable=SC2086
  expect_rc 1 "$LAB" $verb
  expect_contains "$OUT" "not logged in: run \`lab login NAME\`" "$verb while logged out"
done
expect_rc 1 "$LAB" cli status
expect_contains "$OUT" "not logged in" "the cli prefix works"
expect_rc 0 "$LAB" logout
expect_contains "$OUT" "not signed in" "logout while logged out"

# An unreachable proxy is named, with what to check.
echo "secret-password" > pw
expect_rc 1 bash -c "\"$LAB\" login ann --password-stdin --proxy $DEAD < pw"
expect_contains "$OUT" "cannot reach the proxy at $DEAD (connection refused)" "unreachable proxy is named"
expect_contains "$OUT" "is \`lab proxy\` running? Set LAB_PROXY_URL to point elsewhere." "and what to check"
[ ! -e "$LAB_CONFIG_DIR/credentials.json" ] || fail "a failed login must not save credentials"
expect_rc 1 bash -c "LAB_PROXY_URL=$DEAD/ \"$LAB\" register ann --password-stdin < pw"
expect_contains "$OUT" "cannot reach the proxy at $DEAD (connection refused)" "LAB_PROXY_URL is used"

# With stored credentials, their proxy is the one asked; the token is never printed.
mkdir -p "$LAB_CONFIG_DIR"
printf '{"proxy_url":"%s","user":"ann","token":"lab_TOPSECRET","expires_at_ms":0}\n' "$DEAD" > "$LAB_CONFIG_DIR/credentials.json"
expect_rc 1 "$LAB" status t-1
expect_contains "$OUT" "cannot reach the proxy at $DEAD" "the stored proxy URL is used"
case "$OUT" in *TOPSECRET*) fail "the token was printed";; esac
expect_rc 1 "$LAB" list --proxy http://127.0.0.1:2
expect_contains "$OUT" "cannot reach the proxy at http://127.0.0.1:2" "--proxy wins over the stored URL"
expect_rc 1 "$LAB" status --proxy not-a-url
expect_contains "$OUT" "'not-a-url' is not a proxy address" "a malformed URL is explained"
expect_rc 0 "$LAB" logout
expect_contains "$OUT" "signed out ann" "logout forgets the token even when the proxy is away"
[ ! -e "$LAB_CONFIG_DIR/credentials.json" ] || fail "logout must remove the credentials"

# `run` needs `--` before the command, and checks its flags like a task.toml.
expect_rc 2 "$LAB" run python train.py
expect_contains "$OUT" "put the command after \`--\`" "run without --"
expect_rc 2 "$LAB" cli run --gpus 1 python
expect_contains "$OUT" "put the command after \`--\`" "cli run without --"
expect_rc 2 "$LAB" run --gpus 1 --
expect_contains "$OUT" "no command after \`--\`" "run with nothing after --"
expect_rc 2 "$LAB" run --gpus 100 -- python train.py
expect_contains "$OUT" "'gpus' in [resources] must be between 0 and 64, got 100" "run checks --gpus like task.toml"
expect_rc 2 "$LAB" run --mem 4Q -- python train.py
expect_contains "$OUT" "--mem:" "run explains a bad --mem"
expect_rc 2 "$LAB" run --priority urgent -- true
expect_contains "$OUT" "'priority' must be \"default\" or \"high\"" "run checks --priority"
expect_rc 0 "$LAB" run --help
expect_contains "$OUT" "--gpus" "run --help lists its flags"

# submit needs a task.toml.
expect_rc 1 "$LAB" submit
expect_contains "$OUT" "task.toml" "submit without a task.toml names it"
