#!/usr/bin/env bash
# cli_timings.sh: the whole `drover` process, as an operator runs it, against N real droverd
# (security on: a CA, one certificate each, the shipped policies, an audit log per node)
# on one drover-broker. Times each command R times (start-up, connect, discovery, the call,
# output), and prints median, min and max with the replies counted; then one droverd's
# idle RSS, the CPU all N used while idle, and the broker's RSS with N nodes connected.
# These are the figures the MCollective comparison in ../shared/peers/mcollective reports
# for `mco`, command for command.
#
# Usage: bench/cli_timings.sh [BUILD_DIR] [N] [R]     (build, 100, 7)
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
build="$(cd "${1:-$root/build}" && pwd)"
count="${2:-100}"
repeat="${3:-7}"
idle_seconds=10
drover="$build/cli/drover"
for program in "$drover" "$build/node/droverd" "$build/broker/drover-broker"; do
  [ -x "$program" ] || { echo "cli_timings: $program is not built" >&2; exit 2; }
done

work="$(mktemp -d /tmp/drover-cli-timings.XXXXXX)"
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

ca_dir="$work/ca"
# shellcheck source=scripts/lib/droverd.sh
. "$root/scripts/lib/droverd.sh"
"$drover" cert ca create --dir "$ca_dir" --name "Timings CA" >/dev/null
"$drover" cert issue --dir "$ca_dir" --name bench.admin --role admin \
  --out-key "$work/admin.key" --out-cert "$work/admin.pem" >/dev/null

ingress="ipc://$work/ingress.sock"
egress="ipc://$work/egress.sock"
"$build/broker/drover-broker" --ingress "$ingress" --egress "$egress" >"$work/broker.log" 2>&1 &
broker_pid=$!
pids+=("$broker_pid")

regions=(eu-west-1 us-east-1 ap-south-1)
: >"$work/nodes.txt"
for i in $(seq 1 "$count"); do
  name="$(printf 'node-%04d' "$i")"
  dir="$work/$name"
  mkdir -p "$dir/agents"
  printf 'region: %s\nrole: web\nindex: %d\n' "${regions[$((i % 3))]}" "$i" >"$dir/facts.yaml"
  echo "$name" >>"$work/nodes.txt"
  start_secure_droverd "$name" "$dir"
done

cat >"$work/client.yaml" <<CONFIG
broker:
  publish: $ingress
  subscribe: $egress
ddl_dirs: [$root/ddl]
security:
  ca_file: $ca_dir/ca.crt
  crl_file: $ca_dir/crl.pem
  cert_file: $work/admin.pem
  key_file: $work/admin.key
CONFIG

# Every node has written its PID file once it is connected and subscribed; then the fleet
# must answer a ping in full.
for i in $(seq 1 "$count"); do
  pid_file="$work/$(printf 'node-%04d' "$i")/droverd.pid"
  for _ in $(seq 600); do [ -f "$pid_file" ] && break; sleep 0.05; done
  [ -f "$pid_file" ] || { echo "cli_timings: $pid_file never appeared" >&2; exit 3; }
done
for _ in $(seq 30); do
  "$drover" --config "$work/client.yaml" ping 2>/dev/null | grep -q "$count of $count" && break
  sleep 1
done

eu=$(grep -c eu-west-1 "$work"/node-*/facts.yaml | awk -F: '{s += $2} END {print s}')
commands=(
  "ping|$count"
  "rpc rpcutil ping|$count"
  "rpc rpcutil ping -F region=eu-west-1|$eu"
  "rpc rpcutil ping --nodes $work/nodes.txt|$count"
  "rpc rpcutil ping -I node-0001|1"
)
printf '%s droverd, security on; %s runs each; whole process, ms\n' "$count" "$repeat"
printf '%-52s %9s %9s %9s  %s\n' command median min max replies
for entry in "${commands[@]}"; do
  command="${entry%|*}"
  expect="${entry##*|}"
  times=()
  answered="all"
  for _ in $(seq "$repeat"); do
    begin=$(date +%s%N)
    # shellcheck disable=SC2086  # the command is words on purpose
    out="$("$drover" --config "$work/client.yaml" $command 2>&1 || true)"
    end=$(date +%s%N)
    times+=($(((end - begin) / 1000)))
    got=$(grep -oE "[0-9]+ of [0-9]+" <<<"$out" | tail -1 || true)
    if [ "${got%% of*}" != "$expect" ]; then answered="${got:-no count} (expected $expect)"; fi
  done
  mapfile -t sorted < <(printf "%s\n" "${times[@]}" | sort -n)
  median=${sorted[$((repeat / 2))]}
  awk -v c="${command/$work\//}" -v med="$median" -v lo="${sorted[0]}" \
    -v hi="${sorted[$((repeat - 1))]}" -v a="$answered" \
    'BEGIN {printf "%-52s %9.1f %9.1f %9.1f  %s\n", c, med / 1000, lo / 1000, hi / 1000, a}'
done

# Idle: RSS of one node, CPU of all of them over idle_seconds (scheduler run time of every
# thread, /proc/PID/task/*/schedstat, nanoseconds), and the broker's RSS.
node_pids=("${pids[@]:1}")
run_ns() {
  local total=0 pid file
  for pid in "$@"; do
    for file in /proc/"$pid"/task/*/schedstat; do
      total=$((total + $(cut -d' ' -f1 "$file" 2>/dev/null || echo 0)))
    done
  done
  echo "$total"
}
sleep 2
before=$(run_ns "${node_pids[@]}")
sleep "$idle_seconds"
after=$(run_ns "${node_pids[@]}")
rss() { awk '/^VmRSS/ {print $2}' "/proc/$1/status"; }
printf 'one idle droverd: RSS %s KiB\n' "$(rss "${node_pids[0]}")"
awk -v n="$count" -v s="$idle_seconds" -v ns="$((after - before))" \
  'BEGIN {printf "%s idle droverd, %s s: %.3f%% of a core together\n", n, s, ns / (s * 1e7)}'
printf 'drover-broker with %s nodes: RSS %s KiB\n' "$count" "$(rss "$broker_pid")"
