"""A webhook receiver for the server's tests: verifies every delivery's signature with the
Standard Webhooks reference library (`standardwebhooks` from PyPI) and records what it got.

    python webhook_receiver.py PORT

Receivers are named by path: deliveries go to `POST /hook/<name>`. The test configures each
name with `POST /control/<name>` and a JSON body (every field optional):

    {"secrets": ["whsec_..."],   # the secrets to verify with (any one may match)
     "statuses": [500, 200],     # answers in turn, the last one repeated; default [200]
     "delayMs": 0,               # how long to wait before answering
     "redirect": "http://..."}   # answer 302 to this Location instead

`GET /received` answers every delivery so far, in arrival order: its name, `webhook-id`,
which configured secret verified it (null: none did, and the answer was 400), the envelope's
eventId, type, orderId and sequence, the body, the raw `webhook-signature` header, when the
request arrived and when it was answered (`arrivedAt`, `at`: Unix seconds) and with what.
"""

import json
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from standardwebhooks.webhooks import Webhook, WebhookVerificationError

LOCK = threading.Lock()
CONFIG = {}
TURNS = {}
RECEIVED = []


def settings(name):
    with LOCK:
        config = CONFIG.get(name, {})
        statuses = config.get("statuses") or [200]
        turn = TURNS.get(name, 0)
        TURNS[name] = turn + 1
        status = statuses[min(turn, len(statuses) - 1)]
        return (
            config.get("secrets", []),
            status,
            config.get("delayMs", 0),
            config.get("redirect"),
        )


def verified_with(secrets, body, headers):
    for index, secret in enumerate(secrets):
        try:
            Webhook(secret).verify(body, headers)
            return index
        except WebhookVerificationError:
            continue
    return None


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def answer(self, status, payload, location=None):
        data = json.dumps(payload).encode()
        self.send_response(status)
        if location:
            self.send_header("location", location)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def body(self):
        length = int(self.headers.get("content-length", "0"))
        return self.rfile.read(length)

    def do_GET(self):
        if self.path == "/received":
            with LOCK:
                self.answer(200, list(RECEIVED))
        else:
            self.answer(404, {"error": "no such path"})

    def do_POST(self):
        body = self.body()
        if self.path.startswith("/control/"):
            name = self.path[len("/control/"):]
            with LOCK:
                CONFIG[name] = json.loads(body or b"{}")
                TURNS[name] = 0
            self.answer(200, {"ok": True})
            return
        if not self.path.startswith("/hook/"):
            self.answer(404, {"error": "no such path"})
            return
        name = self.path[len("/hook/"):]
        arrived = time.time()
        secrets, status, delay_ms, redirect = settings(name)
        if redirect:
            status = 302
        headers = {key.lower(): value for key, value in self.headers.items()}
        index = verified_with(secrets, body, headers)
        if index is None and not redirect:
            status = 400
        try:
            event = json.loads(body)
        except ValueError:
            event = {}
        if delay_ms:
            time.sleep(delay_ms / 1000)
        record = {
            "name": name,
            "webhookId": headers.get("webhook-id"),
            "verifiedWith": index,
            "signature": headers.get("webhook-signature"),
            "eventId": event.get("eventId"),
            "type": event.get("type"),
            "orderId": event.get("orderId"),
            "sequence": event.get("sequence"),
            "hasPayload": "payload" in event,
            "body": body.decode("utf-8", "replace"),
            "status": status,
            "arrivedAt": arrived,
            "at": time.time(),
        }
        with LOCK:
            RECEIVED.append(record)
        self.answer(status, {"received": status < 300}, redirect)


def main():
    port = int(sys.argv[1])
    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    server.daemon_threads = True
    print(f"listening on {port}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
