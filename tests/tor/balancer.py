"""Stopping Debian's Onionbalance 0.2.2 in the tests: SIGTERM, then a second SIGTERM if its handler is stuck.

Why a second one. 0.2.2's handler for SIGTERM (``onionbalance/common/signalhandler.py``)
runs in the main thread and closes the stem controller there. stem 1.8 closes the
socket while holding the socket's send lock and, still under that lock, joins its
event thread. When the signal comes while that thread is inside one of
Onionbalance's event handlers that talks to tor (a new consensus:
``handle_new_status_event`` refreshes it and publishes descriptors), the event
handler waits for the send lock and the main thread waits for the event handler:
the process logs ``Signal 15 received, exiting`` and stays
(``test_tor_onionbalance_stop.py`` makes that state on purpose). A second SIGTERM
runs the handler again inside that wait: the socket is closed by then, so it gets
to ``sys.exit(0)``, whose exception unwinds the first handler and releases the
lock; the process exits with status 0 (stem's threads are daemon threads).
SIGKILL stays the last resort.
"""

from __future__ import annotations

import signal
import subprocess

GRACE = 2.0
"""Seconds each signal may take to end the process (it exits in about 0.2 s when
it can; every wait returns as soon as the process has exited)."""


def stop(process: subprocess.Popen, grace: float = GRACE) -> str:
    """Stop our own Onionbalance child ``process``; return what ended it.

    :returns: ``"exited"`` (it had already), ``"SIGTERM"``, ``"second SIGTERM"``
        or ``"SIGKILL"``.
    """
    if process.poll() is not None:
        return "exited"
    for how in ("SIGTERM", "second SIGTERM"):
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(grace)
            return how
        except subprocess.TimeoutExpired:
            continue
    process.kill()
    process.wait(grace)
    return "SIGKILL"
