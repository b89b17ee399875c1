#!/usr/bin/python3
"""XMPP receiver for the notify integration tests and the demo (slixmpp).

Logs in, optionally joins a MUC room, then writes the ready file and appends each
message it receives to OUT as one JSON line: {"type", "from", "body"}. Chat and normal
messages are recorded as they come; room messages when live and not our own. Runs until
killed.

With --history N it asks the room for its last N messages as it joins and records them
too, with "stamp" (when the room got them); the ready file then waits for the room's
subject, which the server sends after the history. With --exit-when-ready it leaves
once ready: a one-shot read of what the room holds (scripts/demo.sh).

  xmpp_receiver.py --port P --jid J (--password W | --password-file F) --out FILE
                   --ready FILE [--room ROOM --nick NICK [--history N]]
                   [--exit-when-ready] [--ca-file CA]
"""
import argparse
import asyncio
import json
import logging
import os
import sys

import slixmpp

DELAY = "{urn:xmpp:delay}delay"
ONE_SHOT_TIMEOUT = 30  # seconds --exit-when-ready may take in all


class Receiver(slixmpp.ClientXMPP):
    def __init__(self, args):
        super().__init__(args.jid, args.password)
        self.args = args
        self.register_plugin("xep_0045")
        if args.ca_file:
            self.ca_certs = args.ca_file
        self.add_event_handler("session_start", self.started)
        self.add_event_handler("message", self.direct)
        self.add_event_handler("groupchat_message", self.room)
        if args.room and args.history:
            self.add_event_handler("muc::%s::groupchat_subject" % args.room, self.ready)
        elif args.room:
            self.add_event_handler("muc::%s::got_online" % args.room, self.joined)

    def record(self, kind, sender, body, stamp=None):
        entry = {"type": kind, "from": sender, "body": body}
        if stamp:
            entry["stamp"] = stamp
        with open(self.args.out, "a") as f:
            f.write(json.dumps(entry) + "\n")

    def ready(self, *_):
        with open(self.args.ready, "w") as f:
            f.write("ready\n")
        if self.args.exit_when_ready:
            self.disconnect()

    async def started(self, event):
        self.send_presence()
        if self.args.room:
            self.plugin["xep_0045"].join_muc(self.args.room, self.args.nick,
                                             maxhistory=str(self.args.history))
        else:
            self.ready()

    def joined(self, presence):
        if presence["muc"]["nick"] == self.args.nick:
            self.ready()

    def direct(self, msg):
        if msg["type"] in ("chat", "normal") and msg["body"]:
            self.record(msg["type"], msg["from"].bare, msg["body"])

    def room(self, msg):
        delay = msg.xml.find(DELAY)
        if msg["mucnick"] == self.args.nick or (delay is not None and not self.args.history):
            return
        self.record("groupchat", msg["from"].full, msg["body"],
                    delay.get("stamp") if delay is not None else None)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--jid", required=True)
    secret = parser.add_mutually_exclusive_group(required=True)
    secret.add_argument("--password")
    secret.add_argument("--password-file")
    parser.add_argument("--out", required=True)
    parser.add_argument("--ready", required=True)
    parser.add_argument("--room")
    parser.add_argument("--nick", default="watcher")
    parser.add_argument("--history", type=int, default=0)
    parser.add_argument("--exit-when-ready", action="store_true")
    parser.add_argument("--ca-file")
    args = parser.parse_args()
    if args.password_file:
        with open(args.password_file) as f:
            args.password = f.readline().strip()
    logging.basicConfig(level=logging.WARNING)
    receiver = Receiver(args)
    receiver.connect(address=("127.0.0.1", args.port))
    if not args.exit_when_ready:
        asyncio.get_event_loop().run_forever()
    # One shot: a refused login or a server that never answers ends it too, with status 1.
    receiver.add_event_handler("failed_auth", lambda _: receiver.disconnect())
    try:
        asyncio.get_event_loop().run_until_complete(
            asyncio.wait_for(receiver.disconnected, ONE_SHOT_TIMEOUT))
    except asyncio.TimeoutError:
        sys.exit("xmpp_receiver.py: not ready within %d s" % ONE_SHOT_TIMEOUT)
    if not os.path.exists(args.ready):
        sys.exit("xmpp_receiver.py: disconnected before it was ready")


if __name__ == "__main__":
    main()
