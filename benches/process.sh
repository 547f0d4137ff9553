#!/usr/bin/env bash
# Whole-process timing of the release binary as users build it (`cargo release-build`: static,
# non-PIE), as a container entrypoint would see it. Needs python3 (no other tool).
#   bash benches/process.sh [ROUNDS]     # ROUNDS of the one-service cases, default 300
#   ZENV=/path/to/zenv bash benches/process.sh   # compare with zenv found elsewhere than PATH
# Every comparison is one interleaved run (benches/interleave.py): each round runs each command
# once in a shuffled order; medians, quartiles, peak memory, and "+X ms over /bin/true".
#   1. one service: /bin/true, `envgate --version`, `envgate check` of 3 and of 500 variables
#      (values in the process environment), and zenv 0.3.13 on the same 3 and 500 variables
#      (values in a .env file: it reads no other source) when zenv is installed;
#   2. stacks from examples' gen-stack: 10, 100 and 1,000 services x 100 variables, an env file
#      each, and 50 services in 10 RS256 [[jwt]] trust groups.
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-300}
stack_rounds=${STACK_ROUNDS:-10}

cpu=$(grep -m1 '^model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')
echo "machine: ${cpu:-unknown CPU}, $(nproc) cores, $(awk '/^MemTotal/ {printf "%.0f GiB", $2 / 1048576}' /proc/meminfo); $(uname -sr)"
echo "date:    $(date -u '+%Y-%m-%d %H:%M UTC'); load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "build:   cargo release-build ($(rustc --version))"

cargo release-build --quiet --bin envgate --example gen-stack
out=target/x86_64-unknown-linux-gnu/release
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# Each binary is timed as a fresh copy (as `cargo install` leaves one), zenv's too: how a
# file's pages sit in the page cache moves start-up on this machine by 0.3-0.4 ms for the
# same bytes (the linker's own output file, or an old file whose pages were evicted and read
# back, took 12-14 more page faults for 3 variables, each far dearer than an instruction),
# which would charge a tool for its file's history, not for its code.
cp "$out/envgate" "$work/envgate"
bin=$work/envgate

zenv=${ZENV:-$(command -v zenv || true)}
if [ -z "$zenv" ]; then
  echo "zenv not found, its cases are skipped: install it with" \
    "\`cargo install --locked zorath-env --version 0.3.13\`, or point ZENV=/path/to/zenv at it"
else
  echo "zenv:    $(basename "$zenv") ($("$zenv" --version 2>/dev/null | head -n1))"
  cp "$zenv" "$work/zenv"
  zenv=$work/zenv
fi

# The fixtures and the interleaved runs' specs. The 500-variable schema: 100 each of secret
# (min_length 32), https url, port, bool and an enum of five log levels, every value valid.
python3 - "$work" "$bin" "$zenv" <<'PY'
import json, sys
work, envgate, zenv = sys.argv[1:4]
SECRET = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f"
LEVELS = ["trace", "debug", "info", "warn", "error"]

def three():
    toml = ('[vars.SERVICE_SECRET]\ntype = "secret"\nmin_length = 32\n\n'
            '[vars.AUTH_SERVICE_URL]\ntype = "url"\nschemes = ["http", "https"]\n\n'
            '[vars.PORT]\ntype = "port"\n')
    zenv_schema = {
        "SERVICE_SECRET": {"type": "string", "required": True, "validate": {"min_length": 32}},
        "AUTH_SERVICE_URL": {"type": "url", "required": True},
        "PORT": {"type": "int", "required": True, "validate": {"min": 1, "max": 65535}},
    }
    values = {"SERVICE_SECRET": SECRET + "00a08", "AUTH_SERVICE_URL": "http://auth:8081",
              "PORT": "8080"}
    return toml, zenv_schema, values

def five_hundred():
    toml, zenv_schema, values = [], {}, {}
    for i in range(100):
        toml.append(f'[vars.SECRET_{i}]\ntype = "secret"\nmin_length = 32\n\n'
                    f'[vars.URL_{i}]\ntype = "url"\nschemes = ["https"]\n\n'
                    f'[vars.PORT_{i}]\ntype = "port"\n\n'
                    f'[vars.FLAG_{i}]\ntype = "bool"\n\n'
                    f'[vars.LEVEL_{i}]\ntype = "enum"\nvalues = {json.dumps(LEVELS)}\n\n')
        zenv_schema.update({
            f"SECRET_{i}": {"type": "string", "required": True, "validate": {"min_length": 32}},
            f"URL_{i}": {"type": "url", "required": True},
            f"PORT_{i}": {"type": "int", "required": True, "validate": {"min": 1, "max": 65535}},
            f"FLAG_{i}": {"type": "bool", "required": True},
            f"LEVEL_{i}": {"type": "enum", "required": True, "values": LEVELS},
        })
        values.update({f"SECRET_{i}": f"{SECRET}{i:05d}", f"URL_{i}": f"https://svc{i}.example.com/api",
                       f"PORT_{i}": str(1000 + i), f"FLAG_{i}": "true", f"LEVEL_{i}": "info"})
    return "".join(toml), zenv_schema, values

commands = [{"name": "/bin/true", "argv": ["/bin/true"]},
            {"name": "envgate --version", "argv": [envgate, "--version"], "expect_exit": 0}]
for n, (toml, zenv_schema, values) in (("3", three()), ("500", five_hundred())):
    open(f"{work}/{n}.toml", "w").write(toml)
    json.dump(zenv_schema, open(f"{work}/{n}.json", "w"), indent=1)
    open(f"{work}/{n}.env", "w").write("".join(f"{k}={v}\n" for k, v in values.items()))
    commands.append({"name": f"envgate {n} variables",
                     "argv": [envgate, "check", "--schema", f"{work}/{n}.toml"],
                     "env": values, "expect_exit": 0})
    if zenv:
        commands.append({"name": f"zenv {n} variables",
                         "argv": [zenv, "check", "--schema", f"{work}/{n}.json", "--env", f"{work}/{n}.env"],
                         "expect_exit": 0})
json.dump({"commands": commands}, open(f"{work}/one.json", "w"))

stacks = [{"name": "/bin/true", "argv": ["/bin/true"]}]
for name, label in (("stack10", "10 services x 100 variables"),
                    ("stack100", "100 services x 100 variables"),
                    ("stack1000", "1,000 services x 100 variables"),
                    ("jwt50", "50 services in 10 RS256 [[jwt]] groups")):
    stacks.append({"name": label, "expect_exit": 0,
                   "argv": [envgate, "check", "--no-process-env", "--config", f"{work}/{name}/envgate.toml"]})
json.dump({"commands": stacks}, open(f"{work}/stacks.json", "w"))
PY

echo
echo "== one service (interleaved, $rounds rounds; envgate reads the values from the environment, zenv from a .env file)"
python3 benches/interleave.py "$work/one.json" "$rounds"

for n in 10 100 1000; do
  "$out/examples/gen-stack" "$work/stack$n" "$n" 100
done
# [[jwt]]: 50 services in 10 trust groups with RS256 keys (10 variables each besides the JWT
# ones): every pair probed (10 probe tokens signed, 40 verified, 50 keys parsed).
"$out/examples/gen-stack" "$work/jwt50" 50 10 10
echo
echo "== stacks, an env file per service (interleaved, $stack_rounds rounds; STACK_ROUNDS to change)"
python3 benches/interleave.py "$work/stacks.json" "$stack_rounds"

# Peak memory (GNU time's %M: the largest resident set of the process), one run each.
echo
if [ -x /usr/bin/time ]; then
  echo "== peak memory (GNU time, one run each)"
  peak() {
    local label=$1
    shift
    /usr/bin/time -f %M -o "$work/peak" "$@" >/dev/null 2>&1 || true
    printf '  %-40s %6.1f MB\n' "$label" "$(awk '{print $1 / 1024}' "$work/peak")"
  }
  # The values as the process environment, and nothing else (they hold no spaces).
  for n in 3 500; do
    # shellcheck disable=SC2046
    peak "envgate $n variables" env -i $(cat "$work/$n.env") "$bin" check --schema "$work/$n.toml"
  done
  for n in 10 100 1000; do
    peak "$n services x 100 variables" "$bin" check --no-process-env --config "$work/stack$n/envgate.toml"
  done
  peak "50 services in 10 RS256 [[jwt]] groups" "$bin" check --no-process-env --config "$work/jwt50/envgate.toml"
else
  echo "GNU time not found, peak memory skipped: apt-get install time"
fi
