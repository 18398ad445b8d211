#!/usr/bin/python3
"""An independent OSCORE (RFC 8613) peer, written from the RFC text, for interop tests.

Only the standard library, Debian's python3-cryptography (AESCCM, HKDF) and python3-cbor2.
Run it with /usr/bin/python3 (Debian's, which sees those packages).

Importable building blocks (for device simulators built on top of it):
  * CoAP over UDP messages, RFC 7252 section 3: Message, encode_message, decode_message
  * Security context, RFC 8613 section 3.2: Context.derive
  * Protection, RFC 8613 section 8: protect_request, unprotect_request,
    protect_response, unprotect_response, with RequestInfo binding a response to its request
  * ReplayWindow (section 7.4) and OscoreFailure (reason + CoAP code of section 8.2)

As a tool it reads one JSON object per line on stdin and writes one per line on stdout;
byte strings travel as lowercase hex. Commands: hello, derive, protect_request,
unprotect_request, protect_response, unprotect_response (see handle()).
"""

import json
import sys
from dataclasses import dataclass, field, replace
from typing import Callable, Dict, List, Optional, Tuple

import cbor2
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESCCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

# ---------------------------------------------------------------------------
# CoAP messages (RFC 7252 section 3)
# ---------------------------------------------------------------------------

Option = Tuple[int, bytes]


@dataclass
class Message:
    mtype: int  # 0 CON, 1 NON, 2 ACK, 3 RST
    code: int  # class << 5 | detail
    mid: int
    token: bytes = b""
    options: List[Option] = field(default_factory=list)
    payload: bytes = b""

    def option_values(self, number: int) -> List[bytes]:
        return [v for (n, v) in self.options if n == number]


class CoapFormatError(ValueError):
    pass


def _ext(n: int) -> Tuple[int, bytes]:
    """Nibble and extension bytes for an option delta or length (section 3.1)."""
    if n < 13:
        return n, b""
    if n < 269:
        return 13, bytes([n - 13])
    return 14, (n - 269).to_bytes(2, "big")


def encode_options(options: List[Option], payload: bytes) -> bytes:
    out = bytearray()
    previous = 0
    for number, value in sorted(options, key=lambda o: o[0]):  # sorted() is stable
        dn, dext = _ext(number - previous)
        ln, lext = _ext(len(value))
        out.append(dn << 4 | ln)
        out += dext + lext + value
        previous = number
    if payload:
        out.append(0xFF)
        out += payload
    return bytes(out)


def decode_options(data: bytes) -> Tuple[List[Option], bytes]:
    options: List[Option] = []
    pos = 0
    number = 0

    def take(count: int) -> bytes:
        nonlocal pos
        if pos + count > len(data):
            raise CoapFormatError("truncated option")
        chunk = data[pos:pos + count]
        pos += count
        return chunk

    def extended(nib: int) -> int:
        if nib == 13:
            return 13 + take(1)[0]
        if nib == 14:
            return 269 + int.from_bytes(take(2), "big")
        if nib == 15:
            raise CoapFormatError("reserved nibble 15")
        return nib

    while pos < len(data):
        byte = take(1)[0]
        if byte == 0xFF:
            if pos == len(data):
                raise CoapFormatError("payload marker without payload")
            return options, data[pos:]
        number += extended(byte >> 4)
        length = extended(byte & 0x0F)
        options.append((number, take(length)))
    return options, b""


def encode_message(msg: Message) -> bytes:
    if len(msg.token) > 8:
        raise CoapFormatError("token longer than 8 bytes")
    header = bytes([0x40 | msg.mtype << 4 | len(msg.token), msg.code]) + msg.mid.to_bytes(2, "big")
    return header + msg.token + encode_options(msg.options, msg.payload)


def decode_message(data: bytes) -> Message:
    if len(data) < 4 or data[0] >> 6 != 1:
        raise CoapFormatError("not CoAP version 1")
    tkl = data[0] & 0x0F
    if tkl > 8 or len(data) < 4 + tkl:
        raise CoapFormatError("bad token length")
    options, payload = decode_options(data[4 + tkl:])
    return Message((data[0] >> 4) & 3, data[1], int.from_bytes(data[2:4], "big"), data[4:4 + tkl], options, payload)


def code_class(code: int) -> int:
    return code >> 5


# ---------------------------------------------------------------------------
# OSCORE (RFC 8613)
# ---------------------------------------------------------------------------

ALG_AES_CCM_16_64_128 = 10  # COSE algorithm, RFC 8152 section 10.2
KEY_LEN = 16
NONCE_LEN = 13
TAG_LEN = 8

OPT_OBSERVE = 6
OPT_OSCORE = 9
OPT_PROXY_URI = 35

# Figure 5: options that are only Outer (class U). Every other option, known or unknown
# (section 4.1), has an Inner (class E) form.
OUTER_ONLY = frozenset({3, 7, OPT_OSCORE, OPT_PROXY_URI, 39})


class OscoreFailure(Exception):
    """A failed step of section 8 with the error response section 8.2 suggests."""

    ANSWERS = {
        "malformed_option": ("4.02", "Failed to decode COSE"),
        "unknown_kid": ("4.01", "Security context not found"),
        "replay": ("4.01", "Replay detected"),
        "decrypt_failed": ("4.00", "Decryption failed"),
        "malformed_plaintext": ("4.00", "Malformed protected message"),
        "unprotectable": ("5.00", "Message cannot be protected"),
    }

    def __init__(self, reason: str, detail: str = ""):
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason
        self.coap_code, self.diagnostic = self.ANSWERS[reason]


@dataclass(frozen=True)
class Context:
    sender_id: bytes
    recipient_id: bytes
    id_context: Optional[bytes]
    sender_key: bytes
    recipient_key: bytes
    common_iv: bytes

    @staticmethod
    def info(ident: bytes, id_context: Optional[bytes], kind: str, length: int) -> bytes:
        # Section 3.2.1: info = [id, id_context, alg_aead, type, L]
        return cbor2.dumps([ident, id_context, ALG_AES_CCM_16_64_128, kind, length])

    @classmethod
    def derive(cls, master_secret: bytes, master_salt: bytes, sender_id: bytes, recipient_id: bytes,
               id_context: Optional[bytes] = None) -> "Context":
        def hkdf(info: bytes, length: int) -> bytes:
            # Section 3.2.1: an absent/empty salt means a string of zeros (RFC 5869 section 2.2).
            return HKDF(algorithm=hashes.SHA256(), length=length, salt=master_salt or None, info=info).derive(master_secret)

        return cls(
            sender_id=sender_id,
            recipient_id=recipient_id,
            id_context=id_context,
            sender_key=hkdf(cls.info(sender_id, id_context, "Key", KEY_LEN), KEY_LEN),
            recipient_key=hkdf(cls.info(recipient_id, id_context, "Key", KEY_LEN), KEY_LEN),
            common_iv=hkdf(cls.info(b"", id_context, "IV", NONCE_LEN), NONCE_LEN),
        )


def piv_from_seq(seq: int) -> bytes:
    """Section 5: network byte order, leading zero bytes removed, 0 encoded as 0x00."""
    if not 0 <= seq < 2 ** 40:
        raise OscoreFailure("unprotectable", "sequence number out of range")
    return seq.to_bytes(max(1, (seq.bit_length() + 7) // 8), "big")


def make_nonce(common_iv: bytes, id_piv: bytes, piv: bytes) -> bytes:
    """Section 5.2, Figure 8."""
    id_room = NONCE_LEN - 6
    block = bytes([len(id_piv)]) + id_piv.rjust(id_room, b"\0") + piv.rjust(5, b"\0")
    return bytes(a ^ b for a, b in zip(block, common_iv))


def make_aad(request_kid: bytes, request_piv: bytes) -> bytes:
    """Section 5.4: Enc_structure around external_aad = bstr .cbor aad_array (no class I options)."""
    aad_array = cbor2.dumps([1, [ALG_AES_CCM_16_64_128], request_kid, request_piv, b""])
    return cbor2.dumps(["Encrypt0", b"", aad_array])


@dataclass
class CompressedCose:
    piv: Optional[bytes] = None
    kid_context: Optional[bytes] = None
    kid: Optional[bytes] = None


def compress(c: CompressedCose) -> bytes:
    """Section 6.1, Figure 10."""
    flags = (len(c.piv) if c.piv else 0) | (0x08 if c.kid is not None else 0) | (0x10 if c.kid_context is not None else 0)
    if flags == 0:
        return b""
    out = bytes([flags]) + (c.piv or b"")
    if c.kid_context is not None:
        out += bytes([len(c.kid_context)]) + c.kid_context
    if c.kid is not None:
        out += c.kid
    return out


def decompress(value: bytes) -> CompressedCose:
    if not value:
        return CompressedCose()
    flags = value[0]
    n = flags & 0x07
    if flags & 0xE0 or n > 5 or flags == 0:
        raise OscoreFailure("malformed_option", f"flag byte {flags:#04x}")
    rest = value[1:]
    if len(rest) < n:
        raise OscoreFailure("malformed_option", "truncated Partial IV")
    result = CompressedCose(piv=rest[:n] if n else None)
    if result.piv is not None and len(result.piv) > 1 and result.piv[0] == 0:
        raise OscoreFailure("malformed_option", "Partial IV with leading zero")
    rest = rest[n:]
    if flags & 0x10:
        if not rest or len(rest) < 1 + rest[0]:
            raise OscoreFailure("malformed_option", "truncated kid context")
        result.kid_context = rest[1:1 + rest[0]]
        rest = rest[1 + rest[0]:]
    if flags & 0x08:
        result.kid = rest
    elif rest:
        raise OscoreFailure("malformed_option", "trailing bytes")
    return result


class ReplayWindow:
    """Section 7.4: sliding window (RFC 6347 section 4.1.2.6) kept as a bit mask."""

    def __init__(self, size: int = 32):
        self.size = size
        self.highest = -1
        self.mask = 0  # bit i set: highest - i was received

    def fresh(self, seq: int) -> bool:
        if seq > self.highest:
            return True
        offset = self.highest - seq
        return offset < self.size and not (self.mask >> offset) & 1

    def mark(self, seq: int) -> None:
        if seq > self.highest:
            self.mask = (self.mask << (seq - self.highest)) & ((1 << self.size) - 1) if self.highest >= 0 else 0
            self.highest = seq
        self.mask |= 1 << (self.highest - seq)


@dataclass(frozen=True)
class RequestInfo:
    """Section 7.1 and section 8: what a response is bound to."""
    kid: bytes
    piv: bytes
    nonce: bytes
    observe: bool


def _seal(key: bytes, nonce: bytes, plaintext: bytes, aad: bytes) -> bytes:
    return AESCCM(key, tag_length=TAG_LEN).encrypt(nonce, plaintext, aad)


def _open(key: bytes, nonce: bytes, ciphertext: bytes, aad: bytes) -> bytes:
    if len(ciphertext) < TAG_LEN:
        raise OscoreFailure("decrypt_failed", "shorter than the tag")
    try:
        return AESCCM(key, tag_length=TAG_LEN).decrypt(nonce, ciphertext, aad)
    except (InvalidTag, ValueError) as err:
        raise OscoreFailure("decrypt_failed", str(err)) from err


def _encrypt_message(msg: Message, is_response: bool, key: bytes, nonce: bytes, aad: bytes, cose: CompressedCose) -> Message:
    """Sections 4 and 5.3: Code + Inner options + payload encrypted; Outer options + OSCORE in clear."""
    if msg.option_values(OPT_OSCORE) or msg.option_values(OPT_PROXY_URI):
        raise OscoreFailure("unprotectable", "nested OSCORE or undecomposed Proxy-Uri")
    inner: List[Option] = []
    outer: List[Option] = []
    for number, value in msg.options:
        if number == OPT_OBSERVE:
            # Section 4.1.3.5: Observe is both; notifications carry an empty Inner value.
            outer.append((number, value))
            inner.append((number, b"" if is_response else value))
        elif number in OUTER_ONLY:
            outer.append((number, value))
        else:
            inner.append((number, value))
    plaintext = bytes([msg.code]) + encode_options(inner, msg.payload)
    outer.append((OPT_OSCORE, compress(cose)))
    observe = bool(msg.option_values(OPT_OBSERVE))
    # Section 4.2: POST / 2.04, or FETCH / 2.05 with Observe (section 4.1.3.5).
    outer_code = (0x45 if observe else 0x44) if is_response else (0x05 if observe else 0x02)
    return replace(msg, code=outer_code, options=sorted(outer, key=lambda o: o[0]), payload=_seal(key, nonce, plaintext, aad))


def _oscore_value(msg: Message) -> CompressedCose:
    values = msg.option_values(OPT_OSCORE)
    if len(values) != 1 or not msg.payload:
        raise OscoreFailure("malformed_option", "needs exactly one OSCORE option and a payload")
    return decompress(values[0])


def _decrypted_message(msg: Message, plaintext: bytes, want_request: bool) -> Message:
    """Sections 8.2/8.4 steps 1 and 7."""
    if not plaintext or (code_class(plaintext[0]) == 0) != want_request or plaintext[0] == 0 or code_class(plaintext[0]) in (1, 6, 7):
        raise OscoreFailure("malformed_plaintext", "code")
    try:
        inner, payload = decode_options(plaintext[1:])
    except CoapFormatError as err:
        raise OscoreFailure("malformed_plaintext", str(err)) from err
    if any(n == OPT_OSCORE for n, _ in inner):
        raise OscoreFailure("malformed_plaintext", "Inner OSCORE option")
    kept = [(n, v) for (n, v) in msg.options if n in OUTER_ONLY and n != OPT_OSCORE]
    return replace(msg, code=plaintext[0], options=sorted(kept + inner, key=lambda o: o[0]), payload=payload)


def protect_request(ctx: Context, msg: Message, seq: int, send_kid_context: bool = False) -> Tuple[Message, RequestInfo]:
    """Section 8.1."""
    piv = piv_from_seq(seq)
    nonce = make_nonce(ctx.common_iv, ctx.sender_id, piv)
    cose = CompressedCose(piv=piv, kid=ctx.sender_id, kid_context=ctx.id_context if send_kid_context else None)
    out = _encrypt_message(msg, False, ctx.sender_key, nonce, make_aad(ctx.sender_id, piv), cose)
    return out, RequestInfo(ctx.sender_id, piv, nonce, bool(msg.option_values(OPT_OBSERVE)))


Lookup = Callable[[bytes, Optional[bytes]], Optional[Tuple[Context, ReplayWindow]]]


def unprotect_request(msg: Message, lookup: Lookup) -> Tuple[Message, RequestInfo, Context]:
    """Section 8.2."""
    cose = _oscore_value(msg)
    if cose.piv is None or cose.kid is None:
        raise OscoreFailure("malformed_option", "request without kid or Partial IV")
    found = lookup(cose.kid, cose.kid_context)
    if found is None:
        raise OscoreFailure("unknown_kid", cose.kid.hex())
    ctx, window = found
    seq = int.from_bytes(cose.piv, "big")
    if not window.fresh(seq):
        raise OscoreFailure("replay", str(seq))
    nonce = make_nonce(ctx.common_iv, ctx.recipient_id, cose.piv)
    plaintext = _open(ctx.recipient_key, nonce, msg.payload, make_aad(cose.kid, cose.piv))
    window.mark(seq)
    out = _decrypted_message(msg, plaintext, True)
    return out, RequestInfo(cose.kid, cose.piv, nonce, bool(out.option_values(OPT_OBSERVE))), ctx


def protect_response(ctx: Context, req: RequestInfo, msg: Message, seq: Optional[int] = None) -> Message:
    """Section 8.3: reuse the request nonce, or use a new Partial IV of our own."""
    if seq is None:
        nonce, cose = req.nonce, CompressedCose()
    else:
        piv = piv_from_seq(seq)
        nonce, cose = make_nonce(ctx.common_iv, ctx.sender_id, piv), CompressedCose(piv=piv)
    return _encrypt_message(msg, True, ctx.sender_key, nonce, make_aad(req.kid, req.piv), cose)


def unprotect_response(ctx: Context, req: RequestInfo, msg: Message) -> Message:
    """Section 8.4."""
    cose = _oscore_value(msg)
    nonce = req.nonce if cose.piv is None else make_nonce(ctx.common_iv, ctx.recipient_id, cose.piv)
    out = _decrypted_message(msg, _open(ctx.recipient_key, nonce, msg.payload, make_aad(req.kid, req.piv)), False)
    if out.option_values(OPT_OBSERVE) and not req.observe:
        raise OscoreFailure("malformed_plaintext", "Inner Observe in a response to a non-Observe request")
    return out


# ---------------------------------------------------------------------------
# JSON-lines tool
# ---------------------------------------------------------------------------

def _b(value: Optional[str]) -> Optional[bytes]:
    return None if value is None else bytes.fromhex(value)


def _context(spec: dict) -> Context:
    return Context.derive(bytes.fromhex(spec["master_secret"]), _b(spec.get("master_salt")) or b"",
                          bytes.fromhex(spec["sender_id"]), bytes.fromhex(spec["recipient_id"]), _b(spec.get("id_context")))


def _request_info(spec: dict) -> RequestInfo:
    return RequestInfo(bytes.fromhex(spec["kid"]), bytes.fromhex(spec["piv"]), bytes.fromhex(spec["nonce"]), bool(spec.get("observe")))


def _info_json(info: RequestInfo) -> dict:
    return {"kid": info.kid.hex(), "piv": info.piv.hex(), "nonce": info.nonce.hex(), "observe": info.observe}


# Replay windows of the server sessions named in unprotect_request ("session"), kept between lines.
_windows: Dict[str, ReplayWindow] = {}


def handle(req: dict) -> dict:
    cmd = req.get("cmd")
    if cmd == "hello":
        import cryptography
        return {"ok": True, "python": sys.version.split()[0], "cryptography": cryptography.__version__}
    if cmd == "derive":
        ctx = _context(req["context"])
        return {"sender_key": ctx.sender_key.hex(), "recipient_key": ctx.recipient_key.hex(), "common_iv": ctx.common_iv.hex(),
                "info_sender_key": Context.info(ctx.sender_id, ctx.id_context, "Key", KEY_LEN).hex(),
                "info_recipient_key": Context.info(ctx.recipient_id, ctx.id_context, "Key", KEY_LEN).hex(),
                "info_common_iv": Context.info(b"", ctx.id_context, "IV", NONCE_LEN).hex(),
                "sender_nonce_piv0": make_nonce(ctx.common_iv, ctx.sender_id, b"\0").hex(),
                "recipient_nonce_piv0": make_nonce(ctx.common_iv, ctx.recipient_id, b"\0").hex()}
    if cmd == "protect_request":
        ctx = _context(req["context"])
        msg = decode_message(bytes.fromhex(req["message"]))
        out, info = protect_request(ctx, msg, req["seq"], bool(req.get("send_kid_context")))
        return {"message": encode_message(out).hex(), "request": _info_json(info), "aad": make_aad(info.kid, info.piv).hex(),
                "option": out.option_values(OPT_OSCORE)[0].hex(), "ciphertext": out.payload.hex()}
    if cmd == "unprotect_request":
        ctx = _context(req["context"])
        window = _windows.setdefault(req["session"], ReplayWindow()) if "session" in req else ReplayWindow()

        def lookup(kid: bytes, kid_context: Optional[bytes]) -> Optional[Tuple[Context, ReplayWindow]]:
            if kid != ctx.recipient_id or (kid_context is not None and kid_context != ctx.id_context):
                return None
            return ctx, window

        out, info, _ = unprotect_request(decode_message(bytes.fromhex(req["message"])), lookup)
        return {"message": encode_message(out).hex(), "request": _info_json(info)}
    if cmd == "protect_response":
        out = protect_response(_context(req["context"]), _request_info(req["request"]), decode_message(bytes.fromhex(req["message"])), req.get("seq"))
        return {"message": encode_message(out).hex(), "option": out.option_values(OPT_OSCORE)[0].hex(), "ciphertext": out.payload.hex()}
    if cmd == "unprotect_response":
        out = unprotect_response(_context(req["context"]), _request_info(req["request"]), decode_message(bytes.fromhex(req["message"])))
        return {"message": encode_message(out).hex()}
    return {"error": "unknown_command", "detail": str(cmd)}


def main() -> None:
    for line in sys.stdin:
        if not line.strip():
            continue
        try:
            answer = handle(json.loads(line))
        except OscoreFailure as err:
            answer = {"error": err.reason, "coap": err.coap_code, "diagnostic": err.diagnostic, "detail": str(err)}
        except (CoapFormatError, KeyError, ValueError, TypeError) as err:
            answer = {"error": "bad_input", "detail": f"{type(err).__name__}: {err}"}
        sys.stdout.write(json.dumps(answer) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
