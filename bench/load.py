"""How does the intake hold up when many reporters submit at the same moment?

    .venv/bin/python bench/load.py [--reporters 200] [--workers 4] [--attachment-kib 32]
                                   [--backend sqlite|postgresql] [--no-export]

Sets up a throwaway installation in a temp dir (``resguardo init`` and a
fresh reviewer key), starts gunicorn with deploy/gunicorn.conf.py and
``--workers`` workers on a loopback port, and lets ``--reporters`` threads
each GET the form and then, all at once, POST a report with one attachment
(each carries a unique canary). Meanwhile ``resguardo export`` runs in a
loop, as an operator might. Then every bundle is decrypted and checked: each
submission exactly once, each with its own content.

``--backend postgresql`` starts a throwaway PostgreSQL cluster the way the
test suite does (tests/support/databases.py; needs Debian's postgresql
package). Prints: requests, 5xx count, seconds, submissions per second, and
the check. Exit status 0 if every submission got its 303 and came back
exactly once, 1 otherwise. The same driver runs in
tests/faults/test_faults_load.py.
"""

from __future__ import annotations

import argparse
import hashlib
import subprocess
import sys
import tempfile
from pathlib import Path
from types import SimpleNamespace

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import keys  # noqa: E402
from tests.support import databases  # noqa: E402
from tests.support.live import BIN, serve  # noqa: E402
from tests.support.load import bundles_in, canary_of, run_load  # noqa: E402
from tests.support.site import install, read_bundle  # noqa: E402


class _Request:
    """Just enough of a pytest request for tests.support.site.install."""

    def __init__(self) -> None:
        self.server = None
        self.finalizers = []

    def getfixturevalue(self, name: str):
        if name != "postgres":
            raise KeyError(name)
        if self.server is None:
            self.server = databases.start_server()
        return self.server

    def addfinalizer(self, func) -> None:
        self.finalizers.append(func)

    def close(self) -> None:
        for func in reversed(self.finalizers):
            func()
        if self.server is not None:
            self.server.stop()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--reporters", type=int, default=200)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--attachment-kib", type=int, default=32)
    parser.add_argument("--backend", choices=databases.BACKENDS, default="sqlite")
    parser.add_argument("--no-export", action="store_true", help="do not export during the load")
    args = parser.parse_args()

    request = _Request()
    with tempfile.TemporaryDirectory(prefix="resguardo-bench-") as temp:
        try:
            base = Path(temp)
            secret = keys.SecretKey.generate("Bench Reviewer")
            keys.write_public_key_file(base / "bench.public-key", secret.public_key)
            site = install(request, base / "site", args.backend,
                           SimpleNamespace(public_file=base / "bench.public-key"))
            usb = base / "usb"

            def export() -> subprocess.CompletedProcess:
                return subprocess.run([str(BIN / "resguardo"), "export", "--out", str(usb)],
                                      env=site.env, capture_output=True, text=True, timeout=300)

            with serve(site.env, site.logs, workers=args.workers) as server:
                figures = run_load(server.url, args.reporters, attachment_bytes=args.attachment_kib * 1024,
                                   timeout=300, export=None if args.no_export else export)
            print(figures.summary(f"{args.backend}, {args.workers} workers, {args.attachment_kib} KiB each"))
            for item in figures.sent:
                if item.error:
                    print(f"  {item.canary}: {item.error}")
            failed_exports = [run.stderr.strip() for run in figures.exports if run.returncode != 0]
            print(f"exports during the load: {len(figures.exports)}, failed: {len(failed_exports)}")
            for message in failed_exports[:5]:
                print(f"  {message}")

            site.export(usb)
            expected = {item.canary: item.attachment_sha256 for item in figures.sent if item.status == 303}
            seen: dict[str, str] = {}
            wrong = 0
            for bundle in bundles_in(usb):
                for submission_id, report, files in read_bundle(bundle, secret):
                    canary = canary_of(report["fields"]["description"].encode())
                    own = [hashlib.sha256(data).hexdigest() for data in files] == [expected.get(canary)]
                    wrong += (submission_id in seen) or not own
                    seen[submission_id] = canary
            exact = sorted(seen.values()) == sorted(expected) and wrong == 0
            print(f"check: {len(site.rows())} rows, {len(seen)} exported, {wrong} wrong or twice, "
                  f"{'every acknowledged submission exactly once' if exact else 'MISMATCH'}")
            ok = exact and figures.statuses == {303: args.reporters} and not failed_exports
            return 0 if ok else 1
        finally:
            request.close()


if __name__ == "__main__":
    sys.exit(main())
