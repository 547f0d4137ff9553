#!/usr/bin/env bash
# Hostile inputs end in seconds, in bounded memory and output (issue 9's cases, at full size).
#   bash benches/hostile.sh
# For each case: exit code, wall time, peak memory (GNU time) and bytes of output of
# `envgate check` on the release build. Memory is capped with `ulimit -v` (4 GiB) so that a
# regression aborts instead of swapping.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x /usr/bin/time ] || { echo "needs GNU time (apt-get install time)" >&2; exit 1; }

cargo build --release --quiet
bin=$PWD/target/release/envgate
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"

run() { # name, then the envgate arguments
  local name=$1
  shift
  local code=0
  (ulimit -v 4194304; /usr/bin/time -f '%e %M' -o time.txt env -i "$bin" "$@" >out.txt 2>err.txt) || code=$?
  # GNU time writes "Command exited with non-zero status N" first when it is not 0.
  read -r secs kib < <(tail -n 1 time.txt)
  printf '  %-52s exit %s  %6s s  %7.1f MB  %9s bytes out\n' "$name" "$code" "$secs" \
    "$(awk -v k="$kib" 'BEGIN { print k / 1024 }')" "$(cat out.txt err.txt | wc -c)"
}

printf '[vars.A]\ntype = "string"\n' >one.toml

echo "== env files"
python3 -c 'import sys; sys.stdout.write("A=v\n" * 4_000_000)' >dup.env
run "4,000,000 lines A=v" check --schema one.toml --env-file dup.env
python3 -c '
import sys
refs = " ".join(f"$U_{i}" for i in range(100_000))
sys.stdout.write("".join(f"K{l}={refs}\n" for l in range(20)))' >refs.env
run "20 lines x 100,000 undefined \$U_n" check --schema one.toml --env-file refs.env
python3 -c 'import sys; sys.stdout.write("".join(f"K{i}=v\n" for i in range(1_000_000)))' >keys.env
run "1,000,000 distinct keys" check --schema one.toml --env-file keys.env

python3 -c '
import sys
files = ", ".join(["\"keys100k.env\""] * 200)
sys.stdout.write(f"[services.s]\nschema = \"one.toml\"\nenv_files = [{files}]\n")' >repeat.toml
python3 -c 'import sys; sys.stdout.write("".join(f"K{i}=v\n" for i in range(100_000)))' >keys100k.env
run "a 100,000-key file listed 200 times in a stack" check --config repeat.toml

echo "== near-miss suggestions"
python3 -c '
import sys
sys.stdout.write("".join(f"[vars.REQUIRED_SETTING_{i:05d}]\ntype = \"string\"\n" for i in range(2_000)))' >many.toml
python3 -c 'import sys; sys.stdout.write("".join(f"OTHER_KEY_{i:05d}=v\n" for i in range(20_000)))' >other.env
run "2,000 missing vs 20,000 other keys" check --schema many.toml --env-file other.env
python3 -c '
import sys
out = ["".join(f"[vars.VARIABLE_{i:05d}]\ntype = \"string\"\n" for i in range(3_000))]
out += [f"[profiles.p.vars.VARIABEL_{i:05d}]\nrequired = false\n" for i in range(3_000)]
sys.stdout.write("".join(out))' >overlays.toml
run "3,000 misspelt overlays vs 3,000 variables" check --schema overlays.toml

echo "== schemas"
python3 -c '
import sys
sys.stdout.write("[vars.A]\ntype = \"enum\"\nvalues = [" + ", ".join(f"\"v{i}\"" for i in range(400_000)) + "]\n")' >array.toml
run "TOML array of 400,000 items on one line" check --schema array.toml
for i in $(seq 1 20000); do printf '[vars.I%d]\ntype = "string"\nrequired = false\n' "$i" >"f$i.toml"; done
python3 -c '
import sys
sys.stdout.write("include = [" + ", ".join(f"\"f{i}.toml\"" for i in range(1, 20_001)) + "]\n")' >includes.toml
run "20,000 includes on one line" check --schema includes.toml
python3 -c '
import sys
big = "x" * (1 << 20)
sys.stdout.write(f"anchor: &a \"{big}\"\nvars:\n" + "".join(f"  V{i}:\n    type: string\n    default: *a\n" for i in range(3_000)))' >aliases.yaml
run "YAML: 3,000 aliases of a 1 MiB anchor" check --schema aliases.yaml
python3 -c '
import sys
sys.stdout.write("".join(f"[vars.P{i}]\ntype = \"string\"\npattern = \"a{{99000}}|x\"\n" for i in range(1_000)))' >patterns.toml
run "1,000 patterns a{99000}|x" check --schema patterns.toml

echo "== files that block"
mkfifo fifo.env
run "a FIFO as env file" check --schema one.toml --env-file fifo.env
run "a FIFO as schema" check --schema fifo.env
