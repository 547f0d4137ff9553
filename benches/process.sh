#!/usr/bin/env bash
# Whole-process timing of the release binary, as a container entrypoint would see it.
#   bash benches/process.sh            # needs hyperfine (apt-get install hyperfine)
# Prints hyperfine's medians and the peak memory (GNU time) for:
#   - a no-op process (the floor), and `envgate check` of a 3-variable schema, values in the env;
#   - generated stacks of 10, 100 and 1,000 services x 100 variables, one env file each.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v hyperfine >/dev/null || { echo "install hyperfine first (apt-get install hyperfine)" >&2; exit 1; }

cargo build --release --quiet
cargo build --release --quiet --example gen-stack
bin=target/release/envgate
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

cat > "$work/three.toml" <<'TOML'
[vars.SERVICE_SECRET]
type = "secret"
min_length = 32

[vars.AUTH_SERVICE_URL]
type = "url"
schemes = ["http", "https"]

[vars.PORT]
type = "port"
TOML
export SERVICE_SECRET=9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08
export AUTH_SERVICE_URL=http://auth:8081
export PORT=8080

echo "== 3-variable schema (whole process)"
hyperfine -N --warmup 20 --runs 300 --export-json "$work/three.json" \
  "/bin/true" "$bin check --schema $work/three.toml" >/dev/null
python3 - "$work/three.json" <<'PY'
import json, sys, statistics
for r in json.load(open(sys.argv[1]))["results"]:
    print(f"  {r['command'][:60]:<60} median {statistics.median(r['times'])*1000:.2f} ms")
PY
/usr/bin/time -f "  peak memory %M KB" "$bin" check --schema "$work/three.toml" >/dev/null

for n in 10 100 1000; do
  target/release/examples/gen-stack "$work/stack$n" "$n" 100
  runs=$([ "$n" -ge 1000 ] && echo 10 || echo 30)
  hyperfine -N --warmup 2 --runs "$runs" --export-json "$work/s$n.json" \
    "$bin check --no-process-env --config $work/stack$n/envgate.toml" >/dev/null
  python3 - "$work/s$n.json" "$n" <<'PY'
import json, sys, statistics
r = json.load(open(sys.argv[1]))["results"][0]
print(f"== {sys.argv[2]} services x 100 variables: median {statistics.median(r['times'])*1000:.1f} ms")
PY
  /usr/bin/time -f "  peak memory %M KB" "$bin" check --no-process-env --config "$work/stack$n/envgate.toml" >/dev/null
done

# [[jwt]]: 50 services in 10 trust groups with RS256 keys (10 variables each besides the
# JWT ones): every pair probed (10 probe tokens signed, 40 verified, 50 keys parsed).
target/release/examples/gen-stack "$work/jwt50" 50 10 10
hyperfine -N --warmup 3 --runs 30 --export-json "$work/jwt50.json" \
  "$bin check --no-process-env --config $work/jwt50/envgate.toml" >/dev/null
python3 - "$work/jwt50.json" <<'PY'
import json, sys, statistics
r = json.load(open(sys.argv[1]))["results"][0]
print(f"== 50 services in 10 RS256 [[jwt]] groups: median {statistics.median(r['times'])*1000:.1f} ms")
PY
