#!/usr/bin/python3
"""A Roost CoAP device over real UDP, OSCORE-protected, built on oscore_peer's functions.

A second implementation of the device side of docs/protocols/coap.md and oscore.md, written
apart from the gateway's TypeScript: only the standard library, cbor2 (SenML+CBOR) and
oscore_peer (CoAP messages and RFC 8613). Run with /usr/bin/python3.

  oscore_device.py --gateway HOST:PORT --kid HEX --secret HEX [--salt HEX]

It reads one JSON command per line on stdin and answers one JSON line each:
  register {ep?, b?, links?}        POST /rd (ep= left out when ep is null: the RD takes it from the context)
  telemetry {ep, name, value}       POST /t/<ep>, SenML+CBOR (ct 112); the answer's queued item decoded
  result {ep, id, output}           POST /a/<ep>/<id> with {s: completed, o: output}
  plain {path, payload?}            an unprotected POST (ct 60)
  replay {}                         the last protected datagram again under a new Message ID
  seq {seq}                         sets the next Sender Sequence Number
  served {}                         the gateway's requests this device answered (always-on role)
Every request answer: {code, payload (hex), item?, echoed, sent_bytes, received_bytes}.
A protected 4.01 with Echo is repeated once with that Echo (RFC 9175 section 2.4).
"""

import argparse
import json
import os
import queue
import socket
import sys
import threading

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import cbor2  # noqa: E402
from oscore_peer import (  # noqa: E402
    Context, Message, OscoreFailure, ReplayWindow, decode_message, encode_message,
    protect_request, protect_response, unprotect_request, unprotect_response,
)

CON, ACK = 0, 2
POST = 0x02
URI_PATH, CONTENT_FORMAT, URI_QUERY, ECHO, OSCORE = 11, 12, 15, 252, 9
CT_LINK, CT_CBOR, CT_SENML_CBOR = 40, 60, 112
# SenML CBOR labels (RFC 8428 section 6): n = 0, v = 2.
SENML_N, SENML_V = 0, 2


def code_text(code: int) -> str:
    return f"{code >> 5}.{code & 31:02d}"


def uint(n: int) -> bytes:
    return n.to_bytes((n.bit_length() + 7) // 8, "big") if n else b""


class Device:
    def __init__(self, gateway, ctx: Context):
        self.gateway = gateway
        self.ctx = ctx
        self.seq = 0
        self.mid = int.from_bytes(os.urandom(2), "big")
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 0))
        self.answers: "queue.Queue[bytes]" = queue.Queue()
        self.window = ReplayWindow()
        self.served = []
        self.last_protected = b""
        threading.Thread(target=self._receive, daemon=True).start()

    def next_mid(self) -> int:
        self.mid = (self.mid + 1) & 0xFFFF
        return self.mid

    def _receive(self) -> None:
        while True:
            data, addr = self.sock.recvfrom(2048)
            msg = decode_message(data)
            if msg.mtype == ACK or msg.code >> 5 != 0:
                self.answers.put(data)
            else:
                self._serve(msg, addr)

    def _serve(self, msg: Message, addr) -> None:
        """The gateway is the OSCORE client: verify, act, answer protected (always-on device)."""
        try:
            inner, info, _ = unprotect_request(msg, lambda kid, _c: (self.ctx, self.window) if kid == b"" else None)
        except OscoreFailure as err:
            answer = Message(ACK, (int(err.coap_code[0]) << 5) | int(err.coap_code[2:]), msg.mid, msg.token)
            self.sock.sendto(encode_message(answer), addr)
            return
        path = "/".join(v.decode() for n, v in inner.options if n == URI_PATH)
        body = cbor2.loads(inner.payload) if inner.payload else None
        self.served.append({"path": path, "input": body, "seq": int.from_bytes(info.piv, "big")})
        reply = Message(ACK, 0x44, msg.mid, msg.token, [(CONTENT_FORMAT, uint(CT_CBOR))], cbor2.dumps({"blinked": body}))
        self.sock.sendto(encode_message(protect_response(self.ctx, info, reply)), addr)

    def _exchange(self, data: bytes) -> Message:
        while not self.answers.empty():
            self.answers.get_nowait()
        self.sock.sendto(data, self.gateway)
        return decode_message(self.answers.get(timeout=3))

    def request(self, path, query=(), ct=None, payload=b"") -> dict:
        options = [(URI_PATH, p.encode()) for p in path.split("/") if p]
        options += [(URI_QUERY, q.encode()) for q in query]
        if ct is not None:
            options.append((CONTENT_FORMAT, uint(ct)))
        sent = received = 0
        echo = None
        echoed = False
        while True:
            inner = Message(CON, POST, self.next_mid(), os.urandom(4), options + ([(ECHO, echo)] if echo else []), payload)
            protected, info = protect_request(self.ctx, inner, self.seq)
            self.seq += 1
            data = encode_message(protected)
            self.last_protected = data
            sent += len(data)
            answer = self._exchange(data)
            received += len(encode_message(answer))
            if not answer.option_values(OSCORE):
                return {"code": code_text(answer.code), "payload": answer.payload.hex(), "protected": False,
                        "echoed": echoed, "sent_bytes": sent, "received_bytes": received}
            plain = unprotect_response(self.ctx, info, answer)
            echoes = plain.option_values(ECHO)
            if plain.code == 0x81 and echoes and echo is None:
                echo, echoed = echoes[0], True
                continue
            out = {"code": code_text(plain.code), "payload": plain.payload.hex(), "protected": True,
                   "echoed": echoed, "sent_bytes": sent, "received_bytes": received,
                   "location": [v.decode() for n, v in plain.options if n == 8]}
            if plain.code >> 5 == 2 and plain.payload:
                out["item"] = cbor2.loads(plain.payload)
            return out

    def plain(self, path, payload: bytes) -> dict:
        options = [(URI_PATH, p.encode()) for p in path.split("/") if p] + [(CONTENT_FORMAT, uint(CT_CBOR))]
        answer = self._exchange(encode_message(Message(CON, POST, self.next_mid(), os.urandom(4), options, payload)))
        return {"code": code_text(answer.code), "payload": answer.payload.hex(), "protected": bool(answer.option_values(OSCORE))}

    def replay(self) -> dict:
        data = bytearray(self.last_protected)
        data[2:4] = self.next_mid().to_bytes(2, "big")
        answer = self._exchange(bytes(data))
        return {"code": code_text(answer.code), "payload": answer.payload.hex(), "protected": bool(answer.option_values(OSCORE))}


def handle(dev: Device, cmd: dict) -> dict:
    c = cmd["cmd"]
    if c == "register":
        query = ([f"ep={cmd['ep']}"] if cmd.get("ep") else []) + ["lt=60", f"b={cmd.get('b', 'UQ')}"]
        links = cmd.get("links", '</temp>;rt="roost.p";u="Cel";obs,</blink>;rt="roost.a";dt="object"')
        return dev.request("rd", query, CT_LINK, links.encode())
    if c == "telemetry":
        pack = [{SENML_N: cmd["name"], SENML_V: cmd["value"]}]
        return dev.request(f"t/{cmd['ep']}", (), CT_SENML_CBOR, cbor2.dumps(pack))
    if c == "result":
        return dev.request(f"a/{cmd['ep']}/{cmd['id']}", (), CT_CBOR, cbor2.dumps({"s": "completed", "o": cmd.get("output")}))
    if c == "plain":
        return dev.plain(cmd["path"], bytes.fromhex(cmd.get("payload", "a0")))
    if c == "replay":
        return dev.replay()
    if c == "seq":
        dev.seq = cmd["seq"]
        return {"ok": True}
    if c == "served":
        return {"served": dev.served}
    return {"error": "unknown_command"}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--gateway", required=True)
    ap.add_argument("--kid", required=True)
    ap.add_argument("--secret", required=True)
    ap.add_argument("--salt", default="")
    a = ap.parse_args()
    host, port = a.gateway.rsplit(":", 1)
    # docs/protocols/oscore.md: the device's Sender ID is its kid, its Recipient ID the gateway's h''.
    ctx = Context.derive(bytes.fromhex(a.secret), bytes.fromhex(a.salt), bytes.fromhex(a.kid), b"")
    dev = Device((host, int(port)), ctx)
    sys.stdout.write(json.dumps({"ready": True, "port": dev.sock.getsockname()[1]}) + "\n")
    sys.stdout.flush()
    for line in sys.stdin:
        if not line.strip():
            continue
        try:
            answer = handle(dev, json.loads(line))
        except queue.Empty:
            answer = {"error": "timeout"}
        except OscoreFailure as err:
            answer = {"error": err.reason, "coap": err.coap_code}
        sys.stdout.write(json.dumps(answer) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
