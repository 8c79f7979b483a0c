# Sourced by the journey suites after common.sh: starts lab's roles as separate processes
# (each from its own config file, on free loopback ports, all state under $T/cluster) and
# drives the student CLI as one of several users.
#
#   cluster_up [WORKERS]      write configs, start remote, proxy and WORKERS workers
#                             ($REMOTE_EXTRA_TOML is appended to remote.toml, e.g. an [executor])
#                             ($CLUSTER_STORAGE, if set, replaces the body of [storage];
#                             MAILBOX_PORT="" afterwards: the remote serves no mailbox)
#                             ($WORKER_ARGS are added to each worker's command line)
#   start_role NAME           (re)start one role: remote, proxy, worker1, worker2, ...
#   kill9 NAME                SIGKILL a role (its log stays in $T/cluster/NAME.log)
#   as USER CMD...            run `lab CMD...` as USER (own config dir), output in $OUT, rc in $RC
#   student USER              register USER (open registration) and log in
#   task_field USER ID JQ     a field of `lab status ID --json` as USER
#   wait_state USER ID STATE [SECONDS]
C="$T/cluster"
declare -A PIDS=()
ON_EXIT_HOOKS+=(cluster_down)

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

cluster_up() {
  local workers=${1:-1}
  mkdir -p "$C"
  PROXY_PORT=$(free_port) MAILBOX_PORT=$(free_port) WORKERS_PORT=$(free_port)
  TRANSPORT_TOKEN=$(head -c 24 /dev/urandom | base64 | tr -d '/+=') WORKERS_TOKEN=$(head -c 24 /dev/urandom | base64 | tr -d '/+=')
  export LAB_PROXY_URL="http://127.0.0.1:$PROXY_PORT"
  cat > "$C/remote.toml" <<TOML
[transport]
listen = true
host = "127.0.0.1"
port = $MAILBOX_PORT
token = "$TRANSPORT_TOKEN"
[storage]
${CLUSTER_STORAGE:-root = \"storage\"}
[database]
path = "remote/ledger.db"
[paths]
envs_dir = "remote/envs"
tasks_dir = "remote/tasks"
cache_dir = "remote/cache"
[workers]
host = "127.0.0.1"
port = $WORKERS_PORT
token = "$WORKERS_TOKEN"
lease_timeout_s = ${LEASE_TIMEOUT_S:-4}
max_requeues = 2
${REMOTE_EXTRA_TOML:-}
TOML
  cat > "$C/proxy.toml" <<TOML
[server]
host = "127.0.0.1"
port = $PROXY_PORT
[auth]
open_registration = true
[transport]
url = "http://127.0.0.1:$MAILBOX_PORT"
token = "$TRANSPORT_TOKEN"
[storage]
${CLUSTER_STORAGE:-root = \"storage\"}
[database]
path = "proxy/ledger.db"
[cache]
dir = "proxy/cache"
TOML
  mkdir -p "$C/remote" "$C/proxy"
  NWORKERS=$workers
  start_role remote
  start_role proxy
  local i
  for ((i = 1; i <= workers; i++)); do start_role "worker$i"; done
}

start_role() {
  local name=$1 cmd
  case $name in
    remote) cmd=("$LAB" remote --config "$C/remote.toml") ;;
    proxy) cmd=("$LAB" proxy --config "$C/proxy.toml") ;;
    worker*) cmd=("$LAB" worker --remote "http://127.0.0.1:$WORKERS_PORT" --name "$name" --cpus 1
                  --work-dir "$C/$name" ${WORKER_ARGS:-}) ;;
  esac
  LAB_WORKER_TOKEN=$WORKERS_TOKEN "${cmd[@]}" >>"$C/$name.log" 2>&1 &
  PIDS[$name]=$!
  case $name in
    proxy) wait_http "$LAB_PROXY_URL/api/v1/health" ;;
    remote) [ -z "$MAILBOX_PORT" ] || wait_port "$MAILBOX_PORT"; [ "${NWORKERS:-1}" = 0 ] || wait_port "$WORKERS_PORT" ;;
  esac
}

wait_http() {
  local i
  for ((i = 0; i < 100; i++)); do curl -fsS -o /dev/null "$1" 2>/dev/null && return 0; sleep 0.1; done
  fail "nothing answers at $1; logs: $(tail -n 20 "$C"/*.log)"
}
wait_port() {
  local i
  for ((i = 0; i < 100; i++)); do (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0; sleep 0.1; done
  fail "nothing listens on port $1; logs: $(tail -n 20 "$C"/*.log)"
}

kill9() { kill -9 "${PIDS[$1]}" 2>/dev/null || true; wait "${PIDS[$1]}" 2>/dev/null || true; unset "PIDS[$1]"; }

cluster_down() {
  local name
  for name in "${!PIDS[@]}"; do kill -TERM "${PIDS[$name]}" 2>/dev/null || true; done
  for name in "${!PIDS[@]}"; do
    local i
    for ((i = 0; i < 50; i++)); do kill -0 "${PIDS[$name]}" 2>/dev/null || break; sleep 0.1; done
    kill -9 "${PIDS[$name]}" 2>/dev/null || true
  done
}

# as USER CMD...: the CLI as USER; output (stdout+stderr) in $OUT, exit code in $RC.
as() {
  local user=$1; shift
  set +e; OUT=$(LAB_CONFIG_DIR="$T/users/$user" "$LAB" "$@" 2>&1); RC=$?; set -e
}
# as_json USER CMD...: like `as` but stdout only (for --json), stderr to $T/users/USER.err
as_json() {
  local user=$1; shift
  set +e; OUT=$(LAB_CONFIG_DIR="$T/users/$user" "$LAB" "$@" 2>>"$T/users/$user.err"); RC=$?; set -e
}

student() {
  mkdir -p "$T/users/$1"
  set +e; OUT=$(printf '%s\n' "pw-$1-secret" | LAB_CONFIG_DIR="$T/users/$1" "$LAB" register "$1" --password-stdin 2>&1); RC=$?; set -e
  [ "$RC" = 0 ] || fail "register $1 failed ($RC): $OUT"
}

task_field() {
  as_json "$1" status "$2" --json
  [ "$RC" = 0 ] || fail "status $2 as $1 failed ($RC): $OUT $(cat "$T/users/$1.err")"
  jq -r "(.task // .) | $3" <<<"$OUT"
}

wait_state() {
  local user=$1 id=$2 want=$3 secs=${4:-60} i state=""
  for ((i = 0; i < secs * 5; i++)); do
    state=$(task_field "$user" "$id" .state)
    [ "$state" = "$want" ] && { CHECKS=$((CHECKS + 1)); return 0; }
    case $state in completed|failed|cancelled) [ "$want" = "$state" ] || break ;; esac
    sleep 0.2
  done
  fail "task $id of $user: expected state $want, it is $state; logs: $(tail -n 30 "$C"/*.log)"
}
