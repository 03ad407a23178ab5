"""A local SMTP server for tests: every accepted message becomes one JSON file in a folder.

Recipients listed (one per line) in <folder>/reject.txt are refused with a permanent 550, so
tests can exercise a provider's hard rejection; those in <folder>/tempfail.txt get a transient
451, so the sender retries. A number of seconds in <folder>/delay.txt holds every message that
long before it is accepted (a slow provider): while it waits, <folder>/<id>.inflight exists,
and each stored message records when it arrived and when it was accepted (epoch seconds).

    PYTHONPATH=.tools/smtp-sink python3 tools/smtp-sink/smtp_sink.py --port 2525 --dir mailbox
"""

import argparse
import asyncio
import email
import email.policy
import json
import pathlib
import time
import uuid

from aiosmtpd.controller import Controller


class Sink:
    def __init__(self, folder: pathlib.Path):
        self.folder = folder

    def listed(self, name: str) -> set[str]:
        path = self.folder / name
        if not path.exists():
            return set()
        return {line.strip().lower() for line in path.read_text().splitlines() if line.strip()}

    def delay(self) -> float:
        path = self.folder / "delay.txt"
        return float(path.read_text().strip() or 0) if path.exists() else 0.0

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.lower() in self.listed("reject.txt"):
            return "550 5.1.1 mailbox unavailable"
        if address.lower() in self.listed("tempfail.txt"):
            return "451 4.3.0 try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        arrived_at = time.time()
        name = uuid.uuid4().hex
        delay = self.delay()
        if delay > 0:
            marker = self.folder / f"{name}.inflight"
            marker.write_text(json.dumps({"to": envelope.rcpt_tos, "arrived_at": arrived_at}))
            await asyncio.sleep(delay)
            marker.unlink()
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        parts = {"text": None, "html": None}
        for part in message.walk():
            kind = part.get_content_type()
            if kind == "text/plain" and parts["text"] is None:
                parts["text"] = part.get_content()
            elif kind == "text/html" and parts["html"] is None:
                parts["html"] = part.get_content()
        record = {
            "from": envelope.mail_from,
            "to": envelope.rcpt_tos,
            "subject": str(message["subject"] or ""),
            "reply_to": str(message["reply-to"] or ""),
            "message_id": str(message["message-id"] or ""),
            "text": parts["text"],
            "html": parts["html"],
            "arrived_at": arrived_at,
            "accepted_at": time.time(),
        }
        name = f"{name}.json"
        (self.folder / (name + ".tmp")).write_text(json.dumps(record))
        (self.folder / (name + ".tmp")).rename(self.folder / name)
        return "250 Message accepted for delivery"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--dir", type=pathlib.Path, required=True)
    args = parser.parse_args()
    args.dir.mkdir(parents=True, exist_ok=True)
    controller = Controller(Sink(args.dir), hostname=args.host, port=args.port)
    controller.start()
    print(f"smtp sink on {args.host}:{args.port}, mail in {args.dir}", flush=True)
    try:
        asyncio.get_event_loop().run_forever()
    finally:
        controller.stop()


if __name__ == "__main__":
    main()
