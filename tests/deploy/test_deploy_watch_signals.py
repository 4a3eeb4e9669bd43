"""SIGTERM and SIGINT always end ``resguardo-onion publish --watch``.

A full CI run once left the watcher running 20 s after SIGTERM, with tor down
and the watcher polling every 0.2 s. Its handler called ``threading.Event.set()``;
Python runs a handler in the main thread, which at that moment may hold the
event's own non-reentrant lock inside ``Event.wait()``, so the handler blocked
forever (python/cpython#126434 is the same pattern for multiprocessing.Event).
Polling with interval 0 makes the window wide: with the old handler, 39 of 60
processes spinning on ``Event.wait(0)`` never exited after SIGTERM here.
"""

from __future__ import annotations

import random
import signal
import subprocess
import sys
import time

from offline_tor import ROOT

# The watcher's own loop (run(), its pauses and its handlers), with a poll that
# does nothing, polling as fast as it can: a signal lands anywhere in the loop.
CHILD = """
import sys
from deploy.watch import Watcher
watcher = Watcher(lambda: None, "127.0.0.1:9", None, interval=0.0, deadline=1.0)
watcher.step = lambda: None
watcher.install_signal_handlers()
watcher.run(first_published=lambda: print("ready", flush=True))
print("stopped", flush=True)
"""

ROUNDS = 20


def test_a_signal_anywhere_in_the_watch_loop_ends_it_within_seconds():
    rng = random.Random()
    outcomes = []
    for round_number in range(ROUNDS):
        proc = subprocess.Popen(
            [sys.executable, "-c", CHILD], cwd=ROOT, stdout=subprocess.PIPE,
            stderr=subprocess.PIPE, text=True,
        )
        assert proc.stdout.readline() == "ready\n"
        try:
            time.sleep(rng.uniform(0.0, 0.05))  # the loop spins meanwhile
            proc.send_signal(signal.SIGTERM if round_number % 2 == 0 else signal.SIGINT)
            out, err = proc.communicate(timeout=10)
            outcomes.append((proc.returncode, out, err))
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.communicate(timeout=10)
            outcomes.append(("hung", "", ""))
    assert outcomes == [(0, "stopped\n", "")] * ROUNDS
