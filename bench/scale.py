"""Does a second app server help, and how much WAL does a stored byte cost? (PostgreSQL)

    .venv/bin/python bench/scale.py [--reporters 100] [--workers 2] [--attachment-kib 32]
                                    [--wal-mib 64]

Starts a throwaway PostgreSQL cluster on a loopback TCP port
(tests/support/replication.py; fsync off, as in the tests), installs
Resguardo on it (``resguardo init``, a fresh reviewer key), then:

1. throughput: the same load (``--reporters`` threads GET the form, then POST
   a report with one attachment all at once, tests/support/load.py) against
   one app server, then against two app servers sharing the database and
   the app secret (forms fetched from one are posted to the other); each
   server is gunicorn with deploy/gunicorn.conf.py and ``--workers`` workers.
   Prints submissions per second for each.
2. WAL: one report with a ``--wal-mib`` MiB attachment through one app
   server; prints the WAL bytes the cluster wrote (``pg_current_wal_lsn``
   before and after) per byte of ciphertext stored (the blobs' sizes).

On a machine with few cores the two app servers share them, so the second
server can only help as far as there are idle cores. Loopback only.
"""

from __future__ import annotations

import argparse
import secrets
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import keys  # noqa: E402
import requests  # noqa: E402
from sqlalchemy import create_engine, func, select  # noqa: E402

from intake.models import Blob  # noqa: E402
from tests.support.live import serve  # noqa: E402
from tests.support.load import run_load  # noqa: E402
from tests.support.replication import PgNode  # noqa: E402
from tests.support.site import install  # noqa: E402
from tests.support.submit import submit_report  # noqa: E402


def _second_env(site, base: Path) -> dict[str, str]:
    data = base / "b" / "data"
    data.mkdir(parents=True, mode=0o700)
    (data / "secret_key").write_bytes((site.data_dir / "secret_key").read_bytes())
    (data / "secret_key").chmod(0o600)
    return {**site.env, "RESGUARDO_DATA_DIR": str(data)}


def _stored_bytes(url: str) -> int:
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            return int(connection.execute(select(func.coalesce(func.sum(Blob.size), 0))).scalar_one())
    finally:
        engine.dispose()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--reporters", type=int, default=100)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--attachment-kib", type=int, default=32)
    parser.add_argument("--wal-mib", type=int, default=64)
    args = parser.parse_args()

    node = PgNode.primary(synchronous=False)
    try:
        with tempfile.TemporaryDirectory(prefix="resguardo-bench-scale-") as temp:
            base = Path(temp)
            secret = keys.SecretKey.generate("Bench Reviewer")
            public_file = base / "bench.public-key"
            keys.write_public_key_file(public_file, secret.public_key)
            reviewer = type("Reviewer", (), {"public_file": public_file})
            site = install(None, base / "site", "postgresql", reviewer, node.url())
            env_b = _second_env(site, base)
            rates = {}
            with serve(site.env, base / "logs-a", workers=args.workers) as a:
                figures = run_load(a.url, args.reporters, attachment_bytes=args.attachment_kib * 1024)
                rates[1] = (figures, args.reporters / figures.seconds)
                with serve(env_b, base / "logs-b", workers=args.workers) as b:
                    figures = run_load([a.url, b.url], args.reporters, attachment_bytes=args.attachment_kib * 1024)
                    rates[2] = (figures, args.reporters / figures.seconds)
                for servers, (figures, rate) in rates.items():
                    print(f"{servers} app server(s) x {args.workers} workers, {args.reporters} concurrent reporters "
                          f"({args.attachment_kib} KiB attachment each): {rate:.1f} submissions/s, "
                          f"statuses {figures.statuses}")

                stored_before = _stored_bytes(node.url())
                wal_before = node.psql(node.url().rsplit("/", 1)[1], "SELECT pg_current_wal_lsn()")
                content = secrets.token_bytes(args.wal_mib << 20)
                answer = submit_report(requests.Session(), a.url, {"description": "wal", "region": "withheld",
                                                                   "incident_types": ["threats"]},
                                       [("wal.bin", content, "application/octet-stream")], timeout=600)
                wal = int(node.psql("resguardo", f"SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), '{wal_before}')"))
                stored = _stored_bytes(node.url()) - stored_before
            print(f"WAL: a {args.wal_mib} MiB attachment (status {answer.status_code}) stored {stored} bytes of "
                  f"ciphertext and wrote {wal} bytes of WAL: {wal / stored:.2f} WAL bytes per stored byte")
            ok = answer.status_code == 303 and all(f.statuses == {303: args.reporters} for f, _ in rates.values())
            return 0 if ok else 1
    finally:
        node.stop()


if __name__ == "__main__":
    sys.exit(main())
