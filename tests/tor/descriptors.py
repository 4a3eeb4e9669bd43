"""Fetching and decrypting a v3 onion descriptor as a client does, through a tor's control port.

``HSFETCH <service id>`` (tor's control-spec) makes the client tor fetch the
descriptor from one of the responsible HSDirs and report it in an
``HS_DESC_CONTENT`` event (empty when that HSDir has none); the descriptor is
also stored in the client's cache, so the next connection uses it
(``GETINFO hs/client/desc/id/<id>`` reads that cache back). stem
decrypts both layers with keys derived from the address alone (rend-spec-v3
"Encryption keys": no client authorization here). What the tests read is the
second layer: its ``pow-params`` line (tor 0.4.8+, proposal 327: present when the
service has proof-of-work on) and its introduction points, named by their
certified auth keys, which tell whose tor made the descriptor.
"""

from __future__ import annotations

import base64
import queue
import time
from dataclasses import dataclass, field
from typing import Callable

import stem
from stem.control import EventType
from stem.descriptor.hidden_service import HiddenServiceDescriptorV3

from deploy.torctl import connect
from tornet import LOOPBACK


@dataclass(frozen=True)
class Descriptor:
    """One fetched descriptor: its revision counter and decrypted second layer (plaintext)."""

    service_id: str
    revision_counter: int
    inner_text: str = field(repr=False)  # failure messages name the keys, not the whole layer
    intro_auth_keys: frozenset[str]  # base64 of each introduction point's certified auth key

    @property
    def pow_params(self) -> list[str]:
        """The ``pow-params`` lines of the second layer (none when PoW is off)."""
        return [line for line in self.inner_text.splitlines() if line.split(" ", 1)[0] == "pow-params"]


def decrypt(raw: str, service_id: str) -> Descriptor:
    """Parse and decrypt the descriptor text ``raw`` of ``service_id`` (56 chars, no .onion).

    Raises ValueError if it is malformed or not encrypted for that address.
    """
    outer = HiddenServiceDescriptorV3(raw.encode("ascii"), validate=True)
    inner = outer.decrypt(service_id)
    keys = frozenset(base64.b64encode(point.auth_key_cert.key).decode("ascii")
                     for point in inner.introduction_points)
    return Descriptor(service_id, outer.revision_counter, str(inner), keys)


def _content(event) -> str:
    """The descriptor text of an HS_DESC_CONTENT event ("" when the HSDir had none).

    The event's first line holds its arguments and its last line is ``OK``
    (stem's own HSDescContentEvent parses the body as a v2 descriptor, so the
    text is taken raw, as Onionbalance does)."""
    return "\n".join(str(event).splitlines()[1:-1]).strip()


def fetch(control_port: int, service_id: str, timeout: float = 60.0,
          accept: Callable[[Descriptor], bool] = lambda descriptor: True,
          attempt: float = 3.0) -> Descriptor:
    """Fetch ``service_id``'s descriptor through the tor at ``control_port``, decrypted,
    again and again until ``accept(descriptor)`` is true (default: the first one).

    One ``HSFETCH`` per ``attempt`` s: tor asks one responsible HSDir and, on a
    404, the next ones by itself; each answer is an event, read until one is
    accepted. A tor that asked every responsible HSDir a moment ago starts no
    fetch (about 5 s in a test network), which the next attempt outlives. For
    conditions such as "the HSDirs have the standby edge's descriptor" or "the
    Onionbalance frontend lists every backend". Raises TimeoutError after
    ``timeout`` s, naming the last descriptor seen.
    """
    events: queue.Queue = queue.Queue()
    last: Descriptor | None = None
    controller = connect(f"{LOOPBACK}:{control_port}")
    try:
        controller.add_event_listener(events.put, EventType.HS_DESC_CONTENT)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            response = controller.msg(f"HSFETCH {service_id}")
            if not response.is_ok():
                raise stem.ProtocolError(f"HSFETCH refused: {response}")
            until = min(deadline, time.monotonic() + attempt)
            while (left := until - time.monotonic()) > 0:
                try:
                    event = events.get(timeout=left)
                except queue.Empty:
                    break
                if event.address == service_id and (raw := _content(event)):
                    last = decrypt(raw, service_id)
                    if accept(last):
                        return last
    finally:
        controller.close()
    raise TimeoutError(f"no acceptable descriptor for {service_id}.onion within {timeout} s (last: {last})")



def cached(control_port: int, service_id: str) -> Descriptor:
    """The descriptor a client tor (at ``control_port``) holds in its cache for
    ``service_id`` (``GETINFO hs/client/desc/id/<id>``), decrypted: right after a
    connection succeeded, the one whose introduction points answered. Raises
    LookupError if it holds none."""
    controller = connect(f"{LOOPBACK}:{control_port}")
    try:
        raw = controller.get_info(f"hs/client/desc/id/{service_id}", None)
    finally:
        controller.close()
    if not raw:
        raise LookupError(f"no cached descriptor for {service_id}.onion")
    return decrypt(raw, service_id)
