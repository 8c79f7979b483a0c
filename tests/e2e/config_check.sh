# `lab config check` on files written here: exit codes, messages, secrets kept out of output.
source "$(dirname "$0")/lib/common.sh"
cd "$T"

touch train.py
cat > task.toml <<'TOML'
name = "mnist"
[resources]
gpus = 1
memory = "16G"
time_limit = "2:00:00"
[run]
script = "train.py"
TOML
expect_rc 0 "$LAB" config check task.toml
expect_eq "$OUT" "task.toml: valid task config" "valid task.toml"

cat > task.toml <<'TOML'
name = "mnist"
priority = "hihg"

[resources]
cpus = 2

gpu = 2
memory = "16X"
[run]
command = "python train.py"
script = "train.py"
TOML
expect_rc 1 "$LAB" config check task.toml
expect_contains "$OUT" "task.toml:7:1: unknown key 'gpu' in [resources] (did you mean 'gpus'?)" "typo with line:col"
expect_contains "$OUT" "task.toml:2:12: 'priority' must be \"default\" or \"high\", got \"hihg\" (did you mean \"high\"?)" "bad enum"
expect_contains "$OUT" "task.toml:8:10: 'memory' in [resources] is not a valid memory size" "bad memory"
expect_contains "$OUT" "has both 'command' and 'script'" "command and script"
expect_contains "$OUT" "4 problems found" "every problem counted"

printf 'name = my-task\n[run]\ncommand = "x"\n' > broken.task.toml
expect_rc 1 "$LAB" config check broken.task.toml
expect_contains "$OUT" "broken.task.toml:1:8: the value of 'name' is not valid TOML; text must be in double quotes" "syntax error"

# Role configs, and their secrets.
mkdir conf
cat > conf/worker.toml <<'TOML'
[worker]
remote = "http://127.0.0.1:8802"
token = "tok-e2e-SECRET"
gpus = "0,1"
TOML
expect_rc 0 "$LAB" config check conf/worker.toml --print
expect_contains "$OUT" "conf/worker.toml: valid worker config" "valid worker.toml"
expect_contains "$OUT" 'worker.token = ********' "secret masked in --print"
case "$OUT" in *tok-e2e-SECRET*) fail "secret printed by --print";; esac

printf '[worker]\nremote = "http://h"\ntoken = tok-e2e-SECRET\n' > conf/worker.toml
expect_rc 1 "$LAB" config check conf/worker.toml
expect_contains "$OUT" "conf/worker.toml:3:9: the value of 'token' is not valid TOML" "secret syntax error"
case "$OUT" in *SECRET*) fail "secret echoed in a syntax error: $OUT";; esac

cat > my.conf <<'TOML'
[transport]
listen = true
token = "t"
[storage]
type = "local"
root = "data"
[database]
path = "proxy.db"
[server]
prot = 8800
TOML
expect_rc 2 "$LAB" config check my.conf
expect_contains "$OUT" "add --kind" "kind cannot be inferred"
expect_rc 1 "$LAB" config check my.conf --kind proxy
expect_contains "$OUT" "my.conf:10:1: unknown key 'prot' in [server] (did you mean 'port'?)" "proxy typo"
expect_rc 2 "$LAB" config check my.conf --kind bogus
expect_rc 1 "$LAB" config check missing/task.toml
expect_contains "$OUT" "missing/task.toml: no such file" "missing file"
expect_rc 2 "$LAB" config
expect_rc 0 "$LAB" config check --help
