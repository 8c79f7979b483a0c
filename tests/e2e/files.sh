#!/usr/bin/env bash
# `lab files` against git's own answer on a tree with tricky ignore rules; --ignored, --json,
# and the stat cache across two runs.
source "$(dirname "$0")/lib/common.sh"
export HOME="$T/home" LAB_CACHE_DIR="$T/cache" GIT_CONFIG_NOSYSTEM=1
unset XDG_CONFIG_HOME GIT_CONFIG_GLOBAL
mkdir -p "$HOME"

P="$T/project"
mkdir -p "$P"/{data/raw,src/gen,logs,deep/a/b,build,'sp ace'}
cd "$P"
git init -q --template=
cat > .gitignore <<'RULES'
# comment
*.log
!keep.log
build/
/data/raw/
src/**/gen*
deep/**/b/
\#literal
trailing\ 
RULES
printf '!important.log\n' > logs/.gitignore
printf '*.ckpt\n' > .labignore
mkdir -p .git/info && printf 'secret.txt\n' > .git/info/exclude
for f in a.py keep.log x.log logs/important.log logs/other.log data/raw/big.bin data/ok.csv \
         src/gen/gen1.py src/main.py deep/a/b/x deep/a/y build/o '#literal' 'trailing ' \
         'sp ace/f' secret.txt model.ckpt; do
  echo "$f" > "$f"
done
chmod +x a.py
ln -s ../../etc/passwd outside-link
ln -s src dir-link
mkfifo pipe

expected=$(git ls-files --others --exclude-standard -z | tr '\0' '\n' | grep -v '^model.ckpt$')
expect_rc 0 "$LAB" files
expect_eq "$OUT" "$expected" "lab files equals git ls-files (minus .labignore'd model.ckpt)"
expect_rc 0 "$LAB" files "$P"
expect_eq "$OUT" "$expected" "lab files DIR"

expect_rc 0 "$LAB" files --ignored
expect_contains "$OUT" "build/	.gitignore:4: build/" "ignored folder with its rule"
expect_contains "$OUT" "model.ckpt	.labignore:1: *.ckpt" ".labignore rule"
expect_contains "$OUT" "secret.txt	.git/info/exclude:1: secret.txt" "info/exclude rule"
expect_contains "$OUT" ".git/	always left out" ".git"
expect_contains "$OUT" "pipe	not a regular file" "fifo"

expect_rc 0 "$LAB" files --json
json1=$OUT
count=$(printf '%s' "$json1" | python3 -c 'import json,sys; d=json.load(sys.stdin); print(d["count"])')
expect_eq "$count" "$(printf '%s\n' "$expected" | wc -l)" "--json lists every kept path"
mode=$(printf '%s' "$json1" | python3 -c 'import json,sys; print([e["mode"] for e in json.load(sys.stdin)["entries"] if e["path"]=="a.py"][0])')
expect_eq "$mode" "100755" "executable mode"
outside=$(printf '%s' "$json1" | python3 -c 'import json,sys; print([e.get("outside") for e in json.load(sys.stdin)["entries"] if e["path"]=="outside-link"][0])')
expect_eq "$outside" "True" "symlink out of the folder is flagged, not followed"
expect_rc 0 "$LAB" files --json
expect_eq "$OUT" "$json1" "second run (stat cache) gives the same manifest"
[ -n "$(ls "$LAB_CACHE_DIR"/stat/)" ] || fail "no stat cache written under LAB_CACHE_DIR"

expect_rc 1 "$LAB" files "$T/does-not-exist"
expect_contains "$OUT" "does not exist" "missing folder"
expect_rc 2 "$LAB" files --json --ignored
