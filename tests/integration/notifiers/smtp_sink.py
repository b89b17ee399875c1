#!/usr/bin/python3
"""SMTP sink for the notify integration tests (aiosmtpd).

Accepts mail on 127.0.0.1:PORT and stores each message in MAILDIR as N.eml (the raw
message) and N.json (envelope: mail_from, rcpt_tos, tls, auth_user). The .json is renamed
into place last, so a test that sees it sees a complete message.

  smtp_sink.py --port P --maildir DIR [--cert C --key K] [--auth USER:PASS]

With --cert/--key the sink offers STARTTLS and refuses mail before it; with --auth it
offers AUTH PLAIN/LOGIN only after STARTTLS and refuses mail before a login.
"""
import argparse
import asyncio
import json
import logging
import os
import signal
import ssl

from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword


class Store:
    def __init__(self, maildir):
        self.maildir = maildir
        self.count = 0
        os.makedirs(maildir, exist_ok=True)

    async def handle_DATA(self, server, session, envelope):
        self.count += 1
        base = os.path.join(self.maildir, str(self.count))
        user = None
        if session.authenticated and isinstance(session.auth_data, LoginPassword):
            user = session.auth_data.login.decode()
        tls = server.transport.get_extra_info("ssl_object") is not None
        meta = {"mail_from": envelope.mail_from, "rcpt_tos": list(envelope.rcpt_tos),
                "tls": tls, "auth_user": user}
        with open(base + ".eml", "wb") as f:
            f.write(envelope.original_content)
        with open(base + ".tmp", "w") as f:
            json.dump(meta, f)
        os.rename(base + ".tmp", base + ".json")
        return "250 2.0.0 stored as %d" % self.count


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--maildir", required=True)
    parser.add_argument("--cert")
    parser.add_argument("--key")
    parser.add_argument("--auth")
    args = parser.parse_args()
    logging.getLogger("mail.log").setLevel(logging.ERROR)

    options = dict(hostname="sink.test", decode_data=False)
    if args.cert:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(args.cert, args.key)
        options.update(tls_context=context, require_starttls=True)
    if args.auth:
        user, password = args.auth.split(":", 1)

        def check(server, session, envelope, mechanism, data):
            ok = (isinstance(data, LoginPassword) and data.login.decode() == user
                  and data.password.decode() == password)
            return AuthResult(success=ok, handled=False, auth_data=data)

        options.update(authenticator=check, auth_required=True, auth_require_tls=True)

    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    store = Store(args.maildir)
    server = loop.run_until_complete(loop.create_server(
        lambda: SMTP(store, loop=loop, **options), host="127.0.0.1", port=args.port))
    stop = loop.create_future()
    loop.add_signal_handler(signal.SIGTERM, lambda: stop.done() or stop.set_result(None))
    print("listening on 127.0.0.1:%d" % args.port, flush=True)
    loop.run_until_complete(stop)
    server.close()


if __name__ == "__main__":
    main()
