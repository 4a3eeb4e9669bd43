"""Reference-side helper for the JavaScript tests: keys/ (Python) over stdin/stdout.

Called by tests/js/*.test.js through child_process with the project's venv:

    py_envelope.py keygen [xwing]         -> stdout: JSON {"public": b64, "secret": b64}
    py_envelope.py seal <b64 public>...   stdin: content  -> stdout: envelope v1
    py_envelope.py seal2 <b64 public>...  stdin: content  -> stdout: envelope v2 (32-byte keys
                                          X25519, 1216-byte keys X-Wing)
    py_envelope.py open <secret>...       stdin: envelope (v1 or v2) -> stdout: content;
                                          a secret is b64 (X25519) or "xwing:" + b64 (X-Wing seed)
    py_envelope.py fingerprint <b64 public> -> stdout: JSON {"hex": ..., "display": ...}
    py_envelope.py sizes <n>...           -> stdout: JSON [[padme(n), chunk_count(n), envelope_size(n, 1)], ...]

On a keys/ error, ``open`` writes the error class name (e.g. ``PayloadError``)
to stderr and exits with status 3, so the JS side can compare error types.
"""

from __future__ import annotations

import base64
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import keys  # noqa: E402


def main(argv: list[str]) -> int:
    command, args = argv[1], argv[2:]
    if command == "keygen":
        secret = (keys.XWingSecretKey if args[:1] == ["xwing"] else keys.SecretKey).generate()
        json.dump(
            {
                "public": base64.b64encode(secret.public_key.raw).decode(),
                "secret": base64.b64encode(secret.raw).decode(),
            },
            sys.stdout,
        )
        return 0
    if command == "seal":
        recipients = [keys.PublicKey.from_bytes(base64.b64decode(a)) for a in args]
        with keys.EnvelopeWriter(recipients, sys.stdout.buffer) as writer:
            while piece := sys.stdin.buffer.read(1 << 20):
                writer.write(piece)
        return 0
    if command == "seal2":
        recipients = [keys.public_key_from_bytes("xwing" if len(raw) == 1216 else "x25519", raw)
                      for raw in (base64.b64decode(a) for a in args)]
        with keys.EnvelopeWriterV2(recipients, sys.stdout.buffer) as writer:
            while piece := sys.stdin.buffer.read(1 << 20):
                writer.write(piece)
        return 0
    if command == "open":
        identities = [
            keys.XWingSecretKey.from_bytes(base64.b64decode(a[6:])) if a.startswith("xwing:")
            else keys.SecretKey.from_bytes(base64.b64decode(a))
            for a in args
        ]
        content = bytearray()  # held back: nothing is released before the end is verified
        try:
            for piece in keys.EnvelopeReader(sys.stdin.buffer, identities):
                content += piece
        except keys.KeysError as error:
            sys.stderr.write(type(error).__name__)
            return 3
        sys.stdout.buffer.write(content)
        return 0
    if command == "fingerprint":
        fingerprint = keys.PublicKey.from_bytes(base64.b64decode(args[0])).fingerprint
        json.dump({"hex": fingerprint.hex, "display": fingerprint.display()}, sys.stdout)
        return 0
    if command == "sizes":
        from keys.padding import padme
        from keys.stream import chunk_count

        values = [int(a) for a in args]
        json.dump([[padme(n), chunk_count(n), keys.envelope_size(n, 1)] for n in values], sys.stdout)
        return 0
    sys.stderr.write(f"unknown command {command!r}\n")
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
