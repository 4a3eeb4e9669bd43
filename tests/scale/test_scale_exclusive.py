"""The maintenance lock (intake/exclusive.py) excludes across engines, on SQLite and PostgreSQL.

Two engines on one database stand for two app servers: while one holds the
lock, the other's ``exclusive`` must wait, and get it right after release.
"""

from __future__ import annotations

import threading
import time

import pytest

from intake import db
from intake.exclusive import exclusive


def test_a_second_holder_waits_until_the_first_releases(database_url):
    first, second = db.make_engine(database_url), db.make_engine(database_url)
    order: list[str] = []
    holding = threading.Event()

    def other() -> None:
        holding.wait(10)
        with exclusive(second):
            order.append("second in")

    thread = threading.Thread(target=other)
    thread.start()
    with exclusive(first):
        holding.set()
        time.sleep(0.5)  # the other engine is blocked on the lock meanwhile
        order.append("first out")
    thread.join(10)
    assert order == ["first out", "second in"]
    with exclusive(first):  # released by both: free again at once
        pass


def test_an_in_memory_database_has_no_lock_to_share():
    with pytest.raises(ValueError):
        with exclusive(db.make_engine("sqlite://")):
            pass
