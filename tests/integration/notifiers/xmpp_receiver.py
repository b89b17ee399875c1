#!/usr/bin/python3
"""XMPP receiver for the notify integration tests (slixmpp).

Logs in, optionally joins a MUC room, then writes the ready file and appends each
message it receives to OUT as one JSON line: {"type", "from", "body"}. Chat and normal
messages are recorded as they come; room messages only when live (no history, not our
own). Runs until killed.

  xmpp_receiver.py --port P --jid J --password W --out FILE --ready FILE
                   [--room ROOM --nick NICK] [--ca-file CA]
"""
import argparse
import asyncio
import json
import logging

import slixmpp

DELAY = "{urn:xmpp:delay}delay"


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
        if args.room:
            self.add_event_handler("muc::%s::got_online" % args.room, self.joined)

    def record(self, kind, sender, body):
        with open(self.args.out, "a") as f:
            f.write(json.dumps({"type": kind, "from": sender, "body": body}) + "\n")

    def ready(self):
        with open(self.args.ready, "w") as f:
            f.write("ready\n")

    async def started(self, event):
        self.send_presence()
        if self.args.room:
            self.plugin["xep_0045"].join_muc(self.args.room, self.args.nick, maxhistory="0")
        else:
            self.ready()

    def joined(self, presence):
        if presence["muc"]["nick"] == self.args.nick:
            self.ready()

    def direct(self, msg):
        if msg["type"] in ("chat", "normal") and msg["body"]:
            self.record(msg["type"], msg["from"].bare, msg["body"])

    def room(self, msg):
        if msg["mucnick"] == self.args.nick or msg.xml.find(DELAY) is not None:
            return
        self.record("groupchat", msg["from"].full, msg["body"])


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--jid", required=True)
    parser.add_argument("--password", required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("--ready", required=True)
    parser.add_argument("--room")
    parser.add_argument("--nick", default="watcher")
    parser.add_argument("--ca-file")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    receiver = Receiver(args)
    receiver.connect(address=("127.0.0.1", args.port))
    asyncio.get_event_loop().run_forever()


if __name__ == "__main__":
    main()
