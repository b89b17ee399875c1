#!/usr/bin/env bash
# The embedded default on one machine: installs what is missing, builds, creates a
# collective CA with a certificate for every node and for the admin, starts a broker
# and six droverd nodes with different facts on private ipc endpoints, runs a tour of
# the CLI against them, then stops everything it started (by PID).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
build="${DROVER_BUILD_DIR:-$root/build}"
"$root/scripts/install-deps.sh"
"$root/scripts/build.sh"

work="$(mktemp -d /tmp/drover-demo.XXXXXX)"
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT

# Security is on, as in production: a CA, one certificate per principal, the shipped
# example policies (etc/policies) and an audit log per node.
drover="$build/cli/drover"
"$drover" cert ca create --dir "$work/ca" --name "Demo Collective CA" >/dev/null
"$drover" cert issue --dir "$work/ca" --name demo.admin --role admin \
  --out-key "$work/demo.admin.key" --out-cert "$work/demo.admin.pem" >/dev/null

ingress="ipc://$work/ingress.sock"
egress="ipc://$work/egress.sock"
control="ipc://$work/control.sock"
"$build/broker/drover-broker" --ingress "$ingress" --egress "$egress" --control "$control" \
  >"$work/broker.log" 2>&1 &
pids+=($!)

# name region country role cpus
nodes=(
  "web-eu-1 eu-west-1 ie web 4"
  "web-eu-2 eu-west-1 ie web 4"
  "db-eu-1 eu-west-1 ie db 16"
  "web-us-1 us-east-1 us web 8"
  "db-us-1 us-east-1 us db 32"
  "cache-ap-1 ap-south-1 in cache 2"
)
for spec in "${nodes[@]}"; do
  read -r name region country role cpus <<<"$spec"
  dir="$work/$name"
  mkdir -p "$dir/agents"
  cat >"$dir/facts.yaml" <<FACTS
region: $region
country: $country
role: $role
cpus: $cpus
maintenance: false
FACTS
  printf 'role::%s\nprofile::base\n' "$role" >"$dir/classes.txt"
  if [ "$role" = web ]; then cp "$root/agents/examples/echo" "$root/agents/examples/echo.json" "$dir/agents/"; fi
  "$drover" cert issue --dir "$work/ca" --name "$name" --role node \
    --out-key "$dir/node.key" --out-cert "$dir/node.pem" >/dev/null
  "$build/node/droverd" --identity "$name" --broker-publish "$ingress" --broker-subscribe "$egress" \
    --facts-file "$dir/facts.yaml" --classes-file "$dir/classes.txt" --ddl-dirs "$root/ddl" \
    --agents-dir "$dir/agents" --pid-file "$dir/droverd.pid" \
    --security-ca-file "$work/ca/ca.crt" --security-crl-file "$work/ca/crl.pem" \
    --security-cert-file "$dir/node.pem" --security-key-file "$dir/node.key" \
    --security-policy-dir "$root/etc/policies" --security-audit-log "$dir/audit.log" \
    >"$dir/droverd.log" 2>&1 &
  pids+=($!)
done
for spec in "${nodes[@]}"; do
  read -r name _ <<<"$spec"
  for _ in $(seq 100); do [ -f "$work/$name/droverd.pid" ] && break; sleep 0.05; done
done

cat >"$work/client.yaml" <<CONFIG
broker:
  publish: $ingress
  subscribe: $egress
ddl_dirs: [$root/ddl, $root/agents/examples]
security:
  ca_file: $work/ca/ca.crt
  crl_file: $work/ca/crl.pem
  cert_file: $work/demo.admin.pem
  key_file: $work/demo.admin.key
CONFIG
show() {
  printf '\n\033[1m$ drover %s\033[0m\n' "$*"
  "$drover" --config "$work/client.yaml" "$@" || echo "(exit status $?)"
}

show ping
show find -S 'region=eu-west-1 and (role=web or role=db) and not maintenance=true'
show rpc echo echo 'message=hello from the bus' -F region=eu-west-1 -C role::web
show rpc rpcutil get_fact fact=cpus -F 'cpus>=8'
show facts region
show facts role -v
show inventory db-eu-1
show rpc echo echo message=too-late --nodes - --timeout 1 <<<"web-us-1
retired-node-7"
# The provision policy (etc/policies/provision.yaml) keeps claims for provisioners:
# the node refuses the admin and writes both decisions to its audit log.
show rpc provision claim owner=demo.admin lease_seconds=60 -I web-eu-1
printf '\n\033[1m$ tail -n 2 %s\033[0m\n' "web-eu-1/audit.log"
tail -n 2 "$work/web-eu-1/audit.log"
printf '\n\033[1m$ drover-broker stats --control %s\033[0m\n' "$control"
"$build/broker/drover-broker" stats --control "$control"
