#!/usr/bin/env bash
# The embedded default on one machine, in two parts:
#  1. a tour of the CLI: a collective CA, a broker and six droverd nodes with different
#     facts on private ipc endpoints, driven by `drover`;
#  2. Drover's main job for real: two Puppet masters (real puppetservers, own CA each) in
#     two regions, a broker, drover-provisioner with the shipped classic flow
#     (etc/flows/classic.yaml) and six bare nodes; progress per node as the provisioner
#     takes each from bare image to production Puppet, then a summary, the Puppet marker
#     files each run left on its node, the log notifications, and what the XMPP and email
#     notifiers delivered to a local Prosody room and SMTP sink, as read back from them.
# Installs what is missing and builds first what it runs, the four programs and
# drover-lab (target drover-demo; DROVER_SKIP_BUILD=1 skips the build).
# Everything it started is stopped by PID when it ends.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
build="${DROVER_BUILD_DIR:-$root/build}"
"$root/scripts/install-deps.sh"
[ "${DROVER_SKIP_BUILD:-0}" = 1 ] || "$root/scripts/build.sh" drover-demo

work="$(mktemp -d /tmp/drover-demo.XXXXXX)"
pids=()
lab_pids=()
stop_all() {
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  pids=()
}
cleanup() {
  stop_all
  # drover-lab stops its servers (puppetservers, Prosody, the SMTP sink) by PID on SIGTERM.
  for pid in "${lab_pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${lab_pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT

# The puppetservers take 25-55 s to start: launch them now, take the tour meanwhile.
# Prosody and the SMTP sink, where the provisioner's notifications go, take about 1 s.
lab="$build/tests/e2e/lab/drover-lab"
mkdir -p "$work/masters" "$work/notify"
"$lab" masters --dir "$work/masters" puppet-eu puppet-us >"$work/masters/lab.log" 2>&1 &
lab_pid=$!
lab_pids+=("$lab_pid")
"$lab" notify --dir "$work/notify" >"$work/notify/lab.log" 2>&1 &
notify_pid=$!
lab_pids+=("$notify_pid")

# Security is on, as in production: a CA, one certificate per principal, the shipped
# example policies (etc/policies) and an audit log per node.
drover="$build/cli/drover"
ca_dir="$work/ca"
# shellcheck source=scripts/lib/droverd.sh
. "$root/scripts/lib/droverd.sh"
"$drover" cert ca create --dir "$ca_dir" --name "Demo Collective CA" >/dev/null
"$drover" cert issue --dir "$ca_dir" --name demo.admin --role admin \
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
  start_secure_droverd "$name" "$dir" --classes-file "$dir/classes.txt"
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
  ca_file: $ca_dir/ca.crt
  crl_file: $ca_dir/crl.pem
  cert_file: $work/demo.admin.pem
  key_file: $work/demo.admin.key
CONFIG
show() {
  printf '\n\033[1m$ drover %s\033[0m\n' "$*"
  "$drover" --config "$work/client.yaml" "$@" || echo "(exit status $?)"
}
# Stops one of the processes in pids now (SIGTERM, then waits for it) and forgets it.
stop_one() {
  kill -TERM "$1" 2>/dev/null || true
  wait "$1" 2>/dev/null || true
  local kept=() pid
  for pid in "${pids[@]}"; do [ "$pid" = "$1" ] || kept+=("$pid"); done
  pids=("${kept[@]}")
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

stop_all

# ---- part 2: provisioning against real Puppet masters ----------------------------------
title() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
title "provisioning: two Puppet masters, a provisioner and six bare nodes"
printf 'waiting for the puppetservers (started %s s ago) ...\n' "$SECONDS"
# Waits for drover-lab's `ready` file in DIR while its process PID lives; then its log.
wait_lab() {
  local dir="$1" pid="$2" what="$3"
  while [ ! -f "$dir/ready" ]; do
    if ! kill -0 "$pid" 2>/dev/null; then
      echo "$what did not start:"; cat "$dir/lab.log"; exit 1
    fi
    sleep 0.2
  done
  cat "$dir/lab.log"
}
wait_lab "$work/masters" "$lab_pid" "the puppetservers"
wait_lab "$work/notify" "$notify_pid" "the notification servers"

# The provisioner's notifiers (every key: notifiers/notifiers.example.yaml), routed by
# event: the burst of provisioned nodes as one digest per window, each failure (or node
# left waiting) as a message of its own, both to the admins' XMPP room and their mailbox.
# shellcheck source=/dev/null
. "$work/notify/notify.env"
room="admins@$XMPP_MUC_SERVICE"
mailbox="admins@$XMPP_DOMAIN"
digest_window=60s
xmpp_common="    type: xmpp
    password_file: $XMPP_DROVER_PASSWORD_FILE
    server: 127.0.0.1
    port: $XMPP_PORT
    ca_file: $XMPP_CA_FILE
    rooms: [$room]"
mail_common="    type: email
    url: $SMTP_URL
    from: drover@$XMPP_DOMAIN
    to: [$mailbox]
    username: $SMTP_USER
    password_file: $SMTP_PASSWORD_FILE
    ca_file: $SMTP_CA_FILE"
cat >"$work/provisioner.yaml" <<CONFIG
notifiers:
  room-digest:
$xmpp_common
    jid: $XMPP_DROVER_JID/digest
    nick: drover
    events: [provisioned]
    digest_window: $digest_window
  room-failures:
$xmpp_common
    jid: $XMPP_DROVER_JID/failures
    nick: drover-failures
    events: [failed, waiting_too_long]
    digest_window: 0s
  mail-digest:
$mail_common
    events: [provisioned]
    digest_window: $digest_window
  mail-failures:
$mail_common
    events: [failed, waiting_too_long]
    digest_window: 0s
CONFIG

ingress="ipc://$work/p-ingress.sock"
egress="ipc://$work/p-egress.sock"
"$build/broker/drover-broker" --ingress "$ingress" --egress "$egress" >"$work/p-broker.log" 2>&1 &
pids+=($!)
sed -i "s|publish: .*|publish: $ingress|; s|subscribe: .*|subscribe: $egress|" "$work/client.yaml"

# One droverd per node, private root for everything its agents write (hosts file,
# Puppet ssldir, provisioning record). start_node NAME FACTS EXTRA_ARGS...
start_node() {
  local name="$1" facts="$2"; shift 2
  local dir="$work/p/$name"
  mkdir -p "$dir/root/etc" "$dir/agents"
  printf '%s' "$facts" >"$dir/facts.yaml"
  : >"$dir/classes.txt"
  start_secure_droverd "$name" "$dir" --classes-file "$dir/classes.txt" --root "$dir/root" "$@"
}

# The masters' droverds host puppetca for their puppetserver and say, in their facts,
# where its agents reach it (loopback here: a node's private hosts file is not what the
# machine's resolver reads).
# name region country continent
masters=("puppet-eu eu-west-1 ie europe" "puppet-us us-east-1 us america")
for spec in "${masters[@]}"; do
  read -r name region country continent <<<"$spec"
  port="$(cat "$work/masters/$name.port")"
  start_node "$name" "region: $region
country: $country
continent: $continent
fqdn: $name
puppet_address: 127.0.0.1
puppet_server: 127.0.0.1
puppet_port: $port
" --puppetserver-config "$work/masters/$name/puppet/puppet.conf"
done

# Bare nodes (new names: the tour's nodes hold certificates of this CA). app-gb-1
# (eu-west-2, gb) and app-ca-1 (ca-central-1) have no master in their region or
# country: the continent picks one.
nodes=(
  "app-eu-1 eu-west-1 ie europe"
  "app-eu-2 eu-west-1 ie europe"
  "app-gb-1 eu-west-2 gb europe"
  "app-us-1 us-east-1 us america"
  "app-us-2 us-east-1 us america"
  "app-ca-1 ca-central-1 ca america"
)
for spec in "${nodes[@]}"; do
  read -r name region country continent <<<"$spec"
  mkdir -p "$work/p/$name/root/etc"
  echo "127.0.0.1 localhost" >"$work/p/$name/root/etc/hosts"
  "$lab" node-root --root "$work/p/$name/root" --certname "$name"
  start_node "$name" "region: $region
country: $country
continent: $continent
" --puppet-confdir /etc/puppet --hosts-file /etc/hosts
done

"$drover" cert issue --dir "$ca_dir" --name demo.provisioner --role provisioner \
  --out-key "$work/demo.provisioner.key" --out-cert "$work/demo.provisioner.pem" >/dev/null
# The live page and /metrics on a free loopback port (README "The live provisioning page").
page_port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
"$build/provisioner/drover-provisioner" --config "$work/provisioner.yaml" --identity demo.provisioner \
  --broker-publish "$ingress" --broker-subscribe "$egress" \
  --security-ca-file "$ca_dir/ca.crt" --security-crl-file "$ca_dir/crl.pem" \
  --security-cert-file "$work/demo.provisioner.pem" --security-key-file "$work/demo.provisioner.key" \
  --state-db "$work/provisioner.db" --flow-file "$root/etc/flows/classic.yaml" \
  --master-facts region,country,continent --metrics-listen "127.0.0.1:$page_port" \
  --events-file "$work/events.jsonl" --log-file "$work/provisioner.log" \
  --pid-file "$work/provisioner.pid" >"$work/provisioner.out" 2>&1 &
provisioner_pid=$!
pids+=("$provisioner_pid")
printf '\nthe live page, while the nodes go through: http://127.0.0.1:%s/\n' "$page_port"
printf '\n\033[1m$ drover provision status   (every second, changes only)\033[0m\n'

# Progress: one line per node whenever its state, step or master changes.
result=0
python3 - "$drover" "$work/client.yaml" "${nodes[@]%% *}" <<'PY' || result=$?
import json, subprocess, sys, time
drover, config, names = sys.argv[1], sys.argv[2], sys.argv[3:]
seen, start, records = {}, time.time(), {}
while time.time() - start < 900:
    run = subprocess.run([drover, "--config", config, "provision", "status", "--json"],
                         capture_output=True, text=True)
    try:
        for reply in json.loads(run.stdout).get("replies", []):
            for n in reply.get("data", {}).get("nodes", []):
                records[n["identity"]] = n
    except ValueError:
        pass
    for name in names:
        n = records.get(name)
        if not n:
            continue
        key = (n.get("state"), n.get("step"), n.get("master"))
        if seen.get(name) != key:
            seen[name] = key
            err = n.get("last_error") or ""
            print(f"[{time.time() - start:6.1f}s] {name:10} {n.get('state', ''):12} "
                  f"{n.get('step', ''):18} {n.get('master', '') or '-':10} {err[:60]}", flush=True)
    if names and all(records.get(x, {}).get("state") in ("provisioned", "failed") for x in names):
        break
    time.sleep(1)
def in_programs(name):
    """Seconds the programs the node's steps ran took (puppet ssl, puppet agent, puppetserver
    ca on the masters), as the nodes' replies said; None if the history is not to be had."""
    run = subprocess.run([drover, "--config", config, "provision", "history", name, "--json"],
                         capture_output=True, text=True)
    try:
        replies = json.loads(run.stdout).get("replies", [])
        return sum(a.get("program_ms", 0) for a in replies[0]["data"]["attempts"]) / 1000
    except (ValueError, LookupError, TypeError):
        return None

print()
print("PUPPET: what the Puppet programs took, as the nodes' replies said; DROVER: the rest")
print(f"{'NODE':10} {'MASTER':10} {'DURATION':>9} {'PUPPET':>9} {'DROVER':>9}  RESULT")
for name in names:
    n = records.get(name, {})
    began, ended = n.get("started_ms") or n.get("first_seen_ms") or 0, n.get("finished_ms") or 0
    took, puppet, drover_own = "-", "-", "-"
    if began and ended:
        took = f"{(ended - began) / 1000:.1f} s"
        programs = in_programs(name)
        if programs is not None:
            puppet = f"{programs:.1f} s"
            drover_own = f"{(ended - began) / 1000 - programs:.2f} s"
    print(f"{name:10} {n.get('master', '') or '-':10} {took:>9} {puppet:>9} {drover_own:>9}  "
          f"{n.get('state', 'never seen')}")
sys.exit(0 if all(records.get(x, {}).get("state") == "provisioned" for x in names) else 1)
PY

title "what the Puppet runs left on each node (<root>/var/markers)"
for spec in "${nodes[@]}"; do
  read -r name _ <<<"$spec"
  for env in bootstrap production; do
    marker="$work/p/$name/root/var/markers/$name.$env.marker"
    if [ -f "$marker" ]; then printf '%-10s %-10s %s\n' "$name" "$env" "$(tr '\n' ' ' <"$marker")"
    else printf '%-10s %-10s (no marker)\n' "$name" "$env"; fi
  done
done
show provision status --all
title "the live page's state (http://127.0.0.1:$page_port/api/state), by state"
python3 - "$page_port" <<'PY' || echo "(the page did not answer)"
import collections, json, sys, urllib.request
state = json.load(urllib.request.urlopen(f"http://127.0.0.1:{sys.argv[1]}/api/state", timeout=10))
counts = collections.Counter(row["state"] for row in state["rows"])
print(", ".join(f"{n} {s}" for s, n in sorted(counts.items())) or "(no node)")
print("masters: " + ", ".join(f"{m['identity']} ({' '.join(f'{k}={v}' for k, v in m['facts'].items())})"
                             for m in state["masters"]))
PY
title "log notifications ($work/events.jsonl)"
cat "$work/events.jsonl" 2>/dev/null || echo "(none)"

# A stopping provisioner sends what its notifiers hold (an open digest window closes at
# once). Then the room and the mailbox are read back from the servers: the room's
# history as the admin account joining it now receives it from Prosody, the mail as the
# SMTP sink stored it.
stop_one "$provisioner_pid"
room_status=0
/usr/bin/python3 "$root/tests/integration/notifiers/xmpp_receiver.py" --port "$XMPP_PORT" \
  --jid "$XMPP_ADMIN_JID" --password-file "$XMPP_ADMIN_PASSWORD_FILE" --ca-file "$XMPP_CA_FILE" \
  --room "$room" --nick admin --history 20 --exit-when-ready \
  --out "$work/notify/room.jsonl" --ready "$work/notify/room.ready" \
  >"$work/notify/room.log" 2>&1 || room_status=$?
title "notifications, read back from the servers"
echo "routing ($work/provisioner.yaml), each to the room $room and the mailbox $mailbox:"
echo "  provisioned                -> one digest per $digest_window window (room-digest, mail-digest)"
echo "  failed, waiting_too_long   -> one message per node (room-failures, mail-failures)"
echo "A digest window still open when the provisioner stops is sent then."
if [ "$result" -eq 0 ]; then
  echo "No node failed in this run, so no per-node message was sent."
fi
[ "$room_status" -eq 0 ] || { echo "could not read the room:"; cat "$work/notify/room.log"; }
/usr/bin/python3 - "$room" "$XMPP_ADMIN_JID" "$work/notify/room.jsonl" "$mailbox" \
  "$SMTP_MAILDIR" <<'PY'
import email, email.policy, json, os, sys
room, admin, room_file, mailbox, maildir = sys.argv[1:]
LINES = 8  # of a message's body: a digest of the six nodes whole

def title(text):
    print(f"\n\033[1m== {text}\033[0m")

def excerpt(text, indent):
    lines = text.strip("\n").split("\n")
    for line in lines[:LINES]:
        print((indent + line).rstrip())
    if len(lines) > LINES:
        print(f"{indent}... ({len(lines) - LINES} more lines)")

title(f"what arrived in the XMPP room {room} (its history, as {admin} joining now gets it)")
messages = []
if os.path.exists(room_file):
    with open(room_file) as f:
        messages = [json.loads(line) for line in f if line.strip()]
for m in messages:
    nick = m["from"].partition("/")[2]
    when = m.get("stamp", "")[11:19] or "live"
    print(f"[{when} UTC] {nick}:")
    excerpt(m["body"], "    ")
if not messages:
    print("(nothing)")

title(f"what arrived in the mailbox {mailbox} (the SMTP sink's {maildir})")
numbers = sorted(int(n[:-5]) for n in os.listdir(maildir) if n.endswith(".json")) \
    if os.path.isdir(maildir) else []
for n in numbers:
    with open(os.path.join(maildir, f"{n}.json")) as f:
        envelope = json.load(f)
    with open(os.path.join(maildir, f"{n}.eml"), "rb") as f:
        mail = email.message_from_binary_file(f, policy=email.policy.default)
    how = ("STARTTLS" if envelope["tls"] else "plain text") + \
        (f", login {envelope['auth_user']}" if envelope["auth_user"] else "")
    print(f"#{n} from {mail['From']} to {mail['To']} ({how}), {mail['Date']}")
    print(f"    Subject: {mail['Subject']}")
    excerpt(mail.get_body(preferencelist=("plain",)).get_content(), "    ")
if not numbers:
    print("(nothing)")
PY
if [ "$result" -ne 0 ]; then
  title "not every node was provisioned: the provisioner's log"
  tail -n 40 "$work/provisioner.log"
  exit 1
fi
