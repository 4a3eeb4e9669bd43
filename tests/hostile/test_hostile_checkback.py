"""1,000 wrong receipts against check-back: no 5xx, one identical page, no timing oracle, bounded CPU.

Near-miss receipts (seven words of a real receipt, the eighth changed) and
unknown receipts (eight random list words) are sent in a random interleaved
order, so drift of a shared machine hits both alike; malformed ones are
mixed in. The server-side time of each is compared with a two-sided
Mann-Whitney U test (normal approximation with tie correction): the test
fails if the two samples differ at p < 0.001.
"""

from __future__ import annotations

import io
import math
import random
import re
import time

import keys

from tests.hostile.conftest import build_app
from tests.support.figures import record
from tests.support.submit import csrf_token

ATTEMPTS = 1000
RECEIPT = re.compile(r'<code lang="es">([a-z ]+)</code>')
TOKEN = re.compile(r'name="csrf_token" type="hidden" value="[^"]+"')


def mann_whitney_p(a: list[float], b: list[float]) -> float:
    """Two-sided p-value of the Mann-Whitney U test (normal approximation, ties corrected)."""
    pooled = sorted([(value, 0) for value in a] + [(value, 1) for value in b])
    ranks = [0.0] * len(pooled)
    ties = 0.0
    i = 0
    while i < len(pooled):
        j = i
        while j + 1 < len(pooled) and pooled[j + 1][0] == pooled[i][0]:
            j += 1
        for k in range(i, j + 1):
            ranks[k] = (i + j) / 2 + 1
        count = j - i + 1
        ties += count ** 3 - count
        i = j + 1
    n1, n2 = len(a), len(b)
    r1 = sum(rank for rank, (_value, group) in zip(ranks, pooled) if group == 0)
    u1 = r1 - n1 * (n1 + 1) / 2
    n = n1 + n2
    sigma = math.sqrt(n1 * n2 / 12 * ((n + 1) - ties / (n * (n - 1))))
    z = (u1 - n1 * n2 / 2) / sigma
    return math.erfc(abs(z) / math.sqrt(2))


def test_mann_whitney_can_tell_different_samples_apart():
    rng = random.Random(1)
    same = mann_whitney_p([rng.random() for _ in range(400)], [rng.random() for _ in range(400)])
    shifted = mann_whitney_p([rng.random() for _ in range(400)], [rng.random() + 0.1 for _ in range(400)])
    assert same > 0.001 and shifted < 0.001


def test_a_thousand_wrong_receipts(tmp_path_factory, reviewer):
    app = build_app(tmp_path_factory, reviewer, RESGUARDO_CHECKBACK_RATE="1000000")
    client = app.test_client()
    page = client.get("/").get_data(as_text=True)
    form_id = re.search(r'name="form_id" value="([0-9a-f]{32})"', page).group(1)
    sent = client.post("/submit", data={"csrf_token": csrf_token(page), "description": "CANARY wrong receipts",
                                        "form_id": form_id, "attachments": [(io.BytesIO(b""), "")]},
                       content_type="multipart/form-data")
    real = RECEIPT.search(sent.get_data(as_text=True)).group(1).split()
    words = keys.receipt.wordlist()
    rng = random.SystemRandom()

    def near_miss() -> str:
        other = rng.choice([word for word in words[:50] if word != real[-1]])
        return " ".join(real[:-1] + [other])

    def unknown() -> str:
        return str(keys.Receipt.generate())

    def malformed() -> str:
        return rng.choice(["", "hola", "x" * 2000, " ".join(real[:7]), " ".join(real) + " abaco", "abaco\x00" * 8])

    kinds = ["near"] * 450 + ["unknown"] * 450 + ["malformed"] * 100
    rng.shuffle(kinds)
    token = csrf_token(client.get("/checkback").get_data(as_text=True))
    # warm up (first-request costs, caches) before measuring
    for _ in range(20):
        client.post("/checkback", data={"csrf_token": token, "receipt": unknown()})
    bodies = set()
    statuses = set()
    timings = {"near": [], "unknown": [], "malformed": []}
    cpu_start = time.process_time()
    for kind in kinds:
        guess = {"near": near_miss, "unknown": unknown, "malformed": malformed}[kind]()
        start = time.perf_counter()
        response = client.post("/checkback", data={"csrf_token": token, "receipt": guess})
        timings[kind].append(time.perf_counter() - start)
        statuses.add(response.status_code)
        bodies.add(TOKEN.sub("", response.get_data(as_text=True)))
    cpu_per_attempt = (time.process_time() - cpu_start) / ATTEMPTS
    assert statuses == {200}
    assert len(bodies) == 1
    assert "Ninguna denuncia corresponde a estas palabras" in bodies.pop()
    p = mann_whitney_p(timings["near"], timings["unknown"])
    median = {kind: sorted(values)[len(values) // 2] * 1000 for kind, values in timings.items()}
    record(
        f"check-back, {ATTEMPTS} wrong receipts: median ms near-miss {median['near']:.2f}, unknown "
        f"{median['unknown']:.2f}, malformed {median['malformed']:.2f}; Mann-Whitney p = {p:.3f}; "
        f"CPU {cpu_per_attempt * 1000:.2f} ms/attempt (test client + app)"
    )
    assert p > 0.001, (p, median)
    assert cpu_per_attempt < 0.05
