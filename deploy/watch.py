"""Keep the onion service published: publish once, then watch tor and re-publish.

An ephemeral (ADD_ONION) service lives only as long as the tor process, so
when tor restarts (upgrade, crash, reboot) the address disappears. The watcher
polls tor every ``interval`` seconds (``GETINFO onions/detached``), reconnects
when the control connection drops, and re-adds the same key as soon as tor
answers again: in practice within a few seconds of tor's control port coming
back. If the service stays unpublished longer than ``deadline`` seconds it
logs an error on every poll, so it shows in the journal, and
``resguardo-onion check`` (the systemd health timer) exits 8.

It also re-publishes when the set of authorized clients changes on disk, so
``resguardo-onion client-auth add`` takes effect without a restart.
"""

from __future__ import annotations

import os
import select
import signal
import sys
import time
from collections.abc import Callable
from pathlib import Path

import stem
from stem.control import Controller

from deploy import torctl
from deploy.errors import (
    AuthenticationError,
    ControlRefusedError,
    TorMissingError,
    TorRejectedError,
)
from deploy.torctl import ServiceSpec

TRANSIENT = (ControlRefusedError, TorMissingError, AuthenticationError, stem.SocketError)


def say(level: str, message: str) -> None:
    """One diagnostic line on stderr: ``resguardo-onion: <level>: <message>``."""
    print(f"resguardo-onion: {level}: {message}", file=sys.stderr, flush=True)


def publish(controller: Controller, spec: ServiceSpec) -> bool:
    """Publish ``spec``, replacing a detached copy of the same address left by an
    earlier launcher (so the port map and clients are the ones asked for now).

    Returns True if PoW defences are on. Errors as :func:`torctl.add_onion`.
    """
    if spec.key.service_id in torctl.detached_services(controller):
        torctl.del_onion(controller, spec.key.service_id)
    pow_on = torctl.add_onion(controller, spec)
    if not pow_on and spec.pow_enabled:
        say("warning", "this tor has no proof-of-work defence; published without it")
    return pow_on


class Watcher:
    """The publish-and-watch loop of ``resguardo-onion publish --watch``.

    ``make_spec`` is called before each (re)publication and on every poll, so
    key and client files are re-read; ``control``/``cookie_file`` as in
    :func:`torctl.connect`; ``interval`` and ``deadline`` in seconds.
    """

    def __init__(
        self,
        make_spec: Callable[[], ServiceSpec],
        control: str,
        cookie_file: Path | None,
        interval: float = 2.0,
        deadline: float = 60.0,
    ) -> None:
        self.make_spec = make_spec
        self.control = control
        self.cookie_file = cookie_file
        self.interval = interval
        self.deadline = deadline
        self._stopping = False
        # a pipe whose one byte wakes :meth:`_pause`; both ends stay open for the
        # life of the process (closing them would let a late request_stop()
        # write into whatever file reuses the descriptor)
        self._wake_read, self._wake_write = os.pipe()
        os.set_blocking(self._wake_read, False)
        os.set_blocking(self._wake_write, False)
        self._controller: Controller | None = None
        self._published: ServiceSpec | None = None
        self._down_since: float | None = None

    def request_stop(self) -> None:
        """Ask :meth:`run` to return after the current poll (at once if it is pausing).

        Safe in a signal handler and from any thread: it sets a flag and writes
        one byte to a pipe, and takes no lock. A ``threading.Event.set()`` in a
        signal handler can deadlock: Python runs the handler in the main thread,
        which may at that moment hold the event's own (non-reentrant) lock inside
        ``Event.wait()`` (the pattern of python/cpython#126434). A full CI run hit
        exactly that: the watcher never exited after SIGTERM.
        """
        self._stopping = True
        try:
            os.write(self._wake_write, b"\0")
        except OSError:  # the pipe is full: a wake-up is already pending
            pass

    def install_signal_handlers(self) -> None:
        """Make SIGTERM and SIGINT call :meth:`request_stop` (main thread only)."""
        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, lambda *_: self.request_stop())

    def _pause(self, seconds: float) -> None:
        """Sleep up to ``seconds`` (float, seconds), returning early on request_stop()."""
        if self._stopping:
            return
        ready, _, _ = select.select([self._wake_read], [], [], seconds)
        if ready:
            try:
                os.read(self._wake_read, 4096)
            except OSError:
                pass

    def _close(self) -> None:
        if self._controller is not None:
            self._controller.close()
        self._controller = None
        self._published = None

    def step(self) -> None:
        """One poll: (re)connect, (re)publish if needed. Transient errors propagate."""
        spec = self.make_spec()
        if self._controller is None or not self._controller.is_alive():
            self._close()
            self._controller = torctl.connect(self.control, self.cookie_file)
        if self._published is not None and (
            spec.client_keys != self._published.client_keys
            or spec.key.service_id not in torctl.detached_services(self._controller)
        ):
            say("notice", f"re-publishing {spec.key.hostname}")
            self._published = None
        if self._published is None:
            publish(self._controller, spec)
            self._published = spec
            if self._down_since is not None:
                outage = time.monotonic() - self._down_since
                say("notice", f"{spec.key.hostname} published again after {outage:.1f} s")
            self._down_since = None

    def run(self, first_published: Callable[[], None] | None = None) -> None:
        """Loop until :meth:`request_stop` is called. Calls ``first_published`` once, after the
        first successful publication. Fatal errors (key permissions, collision,
        tor refusing the service) propagate to the caller."""
        announced = False
        try:
            while not self._stopping:
                try:
                    self.step()
                except (*TRANSIENT, TorRejectedError) as exc:
                    if isinstance(exc, TorRejectedError) and self._controller is not None \
                            and self._controller.is_alive():
                        raise
                    self._close()
                    self._note_down(exc)
                else:
                    if not announced and first_published is not None:
                        first_published()
                    announced = True
                self._pause(self.interval if self._published else min(self.interval, 1.0))
        finally:
            self._close()

    def _note_down(self, exc: Exception) -> None:
        now = time.monotonic()
        if self._down_since is None:
            self._down_since = now
            say("warning", f"lost tor, retrying: {exc}")
        elif now - self._down_since > self.deadline:
            say(
                "error",
                f"onion service NOT PUBLISHED for {now - self._down_since:.0f} s "
                f"(limit {self.deadline:.0f} s): {exc}",
            )
