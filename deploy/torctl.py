"""Talking to tor's control port with stem, with every failure mapped to a typed error.

Control protocol reference: tor's control-spec ("ADD_ONION", "DEL_ONION",
"GETINFO onions/detached"). stem's ``create_ephemeral_hidden_service`` has no
proof-of-work arguments, so ADD_ONION is sent raw through ``Controller.msg``.
"""

from __future__ import annotations

import shutil
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import stem
import stem.connection
import stem.response
from stem.control import Controller

from deploy.errors import (
    AddressCollisionError,
    AuthenticationError,
    ConfigError,
    ControlRefusedError,
    TorMissingError,
    TorRejectedError,
)
from deploy.onionkey import OnionKey

DEFAULT_CONTROL = "unix:/run/tor/control"  # Debian's tor-service-defaults-torrc


@dataclass(frozen=True)
class ServiceSpec:
    """What to publish: the key, the port map, PoW and client-auth settings.

    ``target`` is ``HOST:PORT`` on loopback or ``unix:/path`` (the gunicorn bind);
    ``virtual_port`` is the port clients dial on the .onion (80). PoW queue
    rate/burst are tor's defaults (requests per second, queue size).
    ``client_keys`` are base32 x25519 public keys; non-empty means auth required.
    ``max_streams``: streams one circuit may open at once; a circuit asking for
    more is closed (``MaxStreamsCloseCircuit``), so one client cannot open
    hundreds of slow connections on one cheap circuit (a page with its static
    files needs about ten).
    """

    key: OnionKey
    target: str
    virtual_port: int = 80
    pow_enabled: bool = True
    pow_queue_rate: int = 250
    pow_queue_burst: int = 2500
    client_keys: tuple[str, ...] = field(default_factory=tuple)
    max_streams: int = 32

    def add_onion_command(self, with_pow: bool | None = None) -> str:
        """The raw ADD_ONION line (contains the secret key: never log it)."""
        pow_on = self.pow_enabled if with_pow is None else with_pow
        flags = "Detach,MaxStreamsCloseCircuit" + (",V3Auth" if self.client_keys else "")
        parts = ["ADD_ONION", self.key.add_onion_blob(), f"Flags={flags}", f"MaxStreams={self.max_streams}"]
        if pow_on:
            parts += [
                "PoWDefensesEnabled=1",
                f"PoWQueueRate={self.pow_queue_rate}",
                f"PoWQueueBurst={self.pow_queue_burst}",
            ]
        parts.append(f"Port={self.virtual_port},{self.target}")
        parts += [f"ClientAuthV3={pub}" for pub in self.client_keys]
        return " ".join(parts)


def validate_target(target: str) -> str:
    """Accept ``127.0.0.1:PORT``, ``[::1]:PORT`` or ``unix:/absolute/path``; else ConfigError.

    Only loopback is allowed: gunicorn must never listen where the network reaches it.
    """
    if target.startswith("unix:"):
        if not target[5:].startswith("/") or " " in target:
            raise ConfigError(f"target {target!r}: a unix socket needs an absolute path")
        return target
    host, _, port = target.rpartition(":")
    if host not in ("127.0.0.1", "[::1]") or not port.isdigit() or not 0 < int(port) < 65536:
        raise ConfigError(
            f"target {target!r}: use 127.0.0.1:PORT or unix:/path (loopback only)"
        )
    return target


def _open_socket(control: str) -> Controller:
    if control.startswith("unix:"):
        opener = lambda: Controller.from_socket_file(control[5:])  # noqa: E731
    else:
        host, _, port = control.rpartition(":")
        if not host or not port.isdigit():
            raise ConfigError(f"control address {control!r}: use HOST:PORT or unix:/path")
        opener = lambda: Controller.from_port(address=host, port=int(port))  # noqa: E731
    with warnings.catch_warnings():
        # stem 1.8.2 calls Thread.setDaemon(), deprecated since Python 3.10
        warnings.filterwarnings("ignore", "setDaemon", DeprecationWarning)
        return opener()


def connect(control: str = DEFAULT_CONTROL, cookie_file: Path | None = None) -> Controller:
    """Open and authenticate a control connection (cookie authentication).

    ``control`` is ``HOST:PORT`` or ``unix:/path``. Without ``cookie_file`` the
    cookie path comes from tor's PROTOCOLINFO answer. Raises TorMissingError
    (nothing listening and no ``tor`` on PATH), ControlRefusedError,
    AuthenticationError (wrong or unreadable cookie, no cookie auth offered).
    """
    try:
        controller = _open_socket(control)
    except stem.SocketError as exc:
        if shutil.which("tor") is None:
            raise TorMissingError(
                f"tor is not installed and nothing answers on {control}; "
                "install it: apt install tor"
            ) from None
        raise ControlRefusedError(
            f"cannot reach tor's control port at {control} ({exc}); is tor running "
            "with ControlPort/ControlSocket and CookieAuthentication 1?"
        ) from None
    try:
        if cookie_file is not None:
            stem.connection.authenticate_safecookie(controller, str(cookie_file))
        else:
            controller.authenticate()
    except stem.connection.UnreadableCookieFile as exc:
        controller.close()
        raise AuthenticationError(
            f"cannot read tor's control cookie ({exc}); add this user to tor's group "
            "(Debian: debian-tor)"
        ) from None
    except stem.connection.AuthenticationFailure as exc:
        controller.close()
        raise AuthenticationError(f"tor refused our control cookie: {exc}") from None
    except stem.SocketError as exc:
        controller.close()
        raise ControlRefusedError(f"tor closed the control connection: {exc}") from None
    return controller


def _reply_text(response: stem.response.ControlMessage) -> str:
    return " ".join(line for _, _, line in response.content() if line != "OK")


def detached_services(controller: Controller) -> list[str]:
    """Service ids (56 chars) of the detached onion services tor runs now."""
    response = controller.msg("GETINFO onions/detached")
    if not response.is_ok():
        raise TorRejectedError(f"tor refused GETINFO onions/detached: {_reply_text(response)}")
    ids: list[str] = []
    for _, _, line in response.content():
        if line.startswith("onions/detached="):
            line = line.split("=", 1)[1]
        ids += [word for word in line.split() if len(word) == 56]
    return ids


def add_onion(controller: Controller, spec: ServiceSpec) -> bool:
    """Publish ``spec`` as a detached ephemeral v3 service. Returns True if PoW is on.

    If tor does not know the PoW keywords (built without the pow module, or
    older than 0.4.8) it is retried without PoW and False is returned, so the
    caller can warn. Raises AddressCollisionError if tor already serves this
    address, TorRejectedError for any other refusal or a mismatching service id.
    """
    response = controller.msg(spec.add_onion_command())
    pow_on = spec.pow_enabled
    if not response.is_ok() and spec.pow_enabled and "PoW" in _reply_text(response):
        response = controller.msg(spec.add_onion_command(with_pow=False))
        pow_on = False
    if not response.is_ok():
        text = _reply_text(response)
        if "collision" in text.lower():
            raise AddressCollisionError(
                f"tor already serves {spec.key.hostname} (\"{text}\"): another launcher, "
                "a HiddenServiceDir with this key, or a non-detached service holds it"
            )
        raise TorRejectedError(f"tor refused to publish {spec.key.hostname}: {text}")
    got = [line.split("=", 1)[1] for _, _, line in response.content()
           if line.startswith("ServiceID=")]
    if got != [spec.key.service_id]:
        raise TorRejectedError(f"tor published {got} instead of {spec.key.service_id}")
    return pow_on


def del_onion(controller: Controller, service_id: str) -> None:
    """Remove a detached service; raises TorRejectedError if tor does not have it."""
    response = controller.msg(f"DEL_ONION {service_id}")
    if not response.is_ok():
        raise TorRejectedError(f"tor refused DEL_ONION: {_reply_text(response)}")


def descriptor_uploaded(controller: Controller, service_id: str) -> bool:
    """True if tor has built a descriptor for ``service_id`` (GETINFO hs/service/desc/id)."""
    response = controller.msg(f"GETINFO hs/service/desc/id/{service_id}")
    return response.is_ok()
