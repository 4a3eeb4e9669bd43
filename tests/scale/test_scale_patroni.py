"""Patroni (Debian's package, Raft with a third vote, synchronous mode): the leader dies, writes resume.

A reporter submits one report after another through one app server whose
database URL names both nodes (``target_session_attrs=read-write``). After
a few are stored, the leader's machine "dies" (SIGKILL of Patroni and all
its PostgreSQL processes). Patroni must promote the synchronous standby and
the next 200 (receipt page) must come less than 30 s after the crash; every report that
was answered 200, before or after, must be in the export and decrypt.
"""

from __future__ import annotations

import time

import pytest
import requests

from tests.scale.conftest import require
from tests.support.figures import record
from tests.support.live import serve
from tests.support.patroni import PatroniCluster
from tests.support.replication import multi_host_url
from tests.support.site import import_cases, install
from tests.support.submit import submit_report

pytestmark = [pytest.mark.live, pytest.mark.slow]

RESUME_BOUND = 30  # seconds, issue 13


@pytest.fixture
def cluster():
    require("patroni", ["/usr/bin/python3", "-c", "import pysyncobj"])
    patroni = PatroniCluster()
    try:
        patroni.start()
    except TimeoutError:
        logs = patroni.logs()
        patroni.stop()
        pytest.fail(f"the Patroni cluster did not come up:\n{logs}")
    yield patroni
    patroni.stop()


def test_writes_resume_within_30_s_of_the_leaders_death_and_nothing_acknowledged_is_lost(request, tmp_path, reviewer, cluster):
    leader = cluster.leader()
    cluster.psql(leader, "CREATE DATABASE resguardo")
    site = install(request, tmp_path, "postgresql", reviewer, multi_host_url(cluster.nodes))
    acknowledged: list[str] = []
    refused = 0
    crashed_at = resumed_at = None
    with serve(site.env, site.logs, workers=1) as server:
        index = 0
        while resumed_at is None or len(acknowledged) < 8:
            description = f"informe {index}"
            index += 1
            try:
                answer = submit_report(requests.Session(), server.url,
                                       {"description": description, "incident_types": ["threats"], "region": "withheld"},
                                       timeout=15)
                status = answer.status_code
            except requests.RequestException:
                status = None
            if status == 200:
                acknowledged.append(description)
                if crashed_at is not None and resumed_at is None:
                    resumed_at = time.monotonic()
            else:
                refused += 1
                time.sleep(0.5)
            if crashed_at is None and len(acknowledged) == 3:
                leader.crash()
                crashed_at = time.monotonic()
            if crashed_at is not None and time.monotonic() - crashed_at > 3 * RESUME_BOUND:
                pytest.fail(f"writes did not resume:\n{cluster.logs()}")
    new_leader = cluster.leader()
    resumed = resumed_at - crashed_at
    record(f"scale: Patroni (Raft, synchronous mode) {leader.name} killed -> {new_leader.name} took writes; "
           f"first 200 after {resumed:.1f} s, {refused} submissions refused meanwhile, "
           f"{len(acknowledged)} acknowledged, all exported")
    assert new_leader is not leader
    assert resumed < RESUME_BOUND

    cases = import_cases(site.export(tmp_path / "usb"), reviewer, tmp_path / "cases")
    assert sorted(cases) == sorted(acknowledged)
