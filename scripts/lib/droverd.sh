# shellcheck shell=bash
# Sourced by the scripts that run real nodes (scripts/demo.sh, bench/cli_timings.sh).
# The caller sets build, root, ca_dir, ingress and egress.
# shellcheck disable=SC2154

# start_secure_droverd NAME DIR [FLAG...]: issues NAME a node certificate from the CA in
# $ca_dir into DIR, then starts $build/node/droverd in the background on the broker at
# $ingress and $egress, security on as in production (the CA's CRL, the shipped policies
# of $root/etc/policies, an audit log DIR/audit.log), with the facts DIR/facts.yaml, the
# agents of DIR/agents, the pid file DIR/droverd.pid, the log DIR/droverd.log, and the
# FLAGs after those. Appends its PID to the caller's `pids` array.
start_secure_droverd() {
  local name="$1" dir="$2"
  shift 2
  "$build/cli/drover" cert issue --dir "$ca_dir" --name "$name" --role node \
    --out-key "$dir/node.key" --out-cert "$dir/node.pem" >/dev/null
  "$build/node/droverd" --identity "$name" --broker-publish "$ingress" \
    --broker-subscribe "$egress" --facts-file "$dir/facts.yaml" --ddl-dirs "$root/ddl" \
    --agents-dir "$dir/agents" --pid-file "$dir/droverd.pid" \
    --security-ca-file "$ca_dir/ca.crt" --security-crl-file "$ca_dir/crl.pem" \
    --security-cert-file "$dir/node.pem" --security-key-file "$dir/node.key" \
    --security-policy-dir "$root/etc/policies" --security-audit-log "$dir/audit.log" \
    "$@" >"$dir/droverd.log" 2>&1 &
  pids+=($!)
}
