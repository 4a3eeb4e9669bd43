"""What one envelope v2 seal is made of, step by step, without a JIT (Tor Browser "Safer").

    .venv/bin/python bench/seal_breakdown.py [--reps 9] [--skip-browser] [--wasm]

Times each primitive a browser seal uses, in the vendored libsodium.js
(intake/static/vendor/sodium.js) as the seal worker calls it: the X-Wing
encapsulation and its parts (ML-KEM-768, the two X25519 scalar multiplications,
the SHA3-256 combiner), the fingerprint, the stanza wrap, the Ed25519
per-envelope key and signature, the commitment, one 16 KiB secretstream chunk
and its BLAKE2b-256, the padding; then a whole seal for 1 and 3 keys, a header
made ahead, and what is left at send once it was (bench/browser/breakdown.js);
then the same seal with intake/static/js/webcrypto.js (Web Crypto X25519 and
Ed25519 in native code, what the seal worker uses where the browser has them:
the "Web Crypto:" rows).
Each line: milliseconds min / median / max of ``--reps`` runs, in
``node --jitless`` and in headless Chromium ``--js-flags=--jitless`` (in a Web
Worker, the production CSP; ``--wasm`` adds Chromium with WebAssembly). The load
average is printed: other work on the machine inflates every figure.

bench/seal_speed.py --per-item has the per-recipient figures against the targets.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))

import seal_speed  # noqa: E402  (its static server and Chromium launcher)

NODE = """
const { loadEnvelope } = require(process.argv[1] + '/tests/js/sodium.js');
const { breakdown, webCryptoRows } = require(process.argv[1] + '/bench/browser/breakdown.js');
const W = require(process.argv[1] + '/intake/static/js/webcrypto.js');
loadEnvelope().then(async ({ sodium, envelope, v2 }) => {
  const result = breakdown(sodium, envelope, v2, Number(process.argv[2]));
  result.rows.push(...await webCryptoRows(sodium, v2, W, globalThis.crypto.subtle, Number(process.argv[2])));
  process.stdout.write(JSON.stringify(result) + '\\n');
}).catch((error) => { process.stderr.write(String(error && error.stack)); process.exit(1); });
"""


def run_node(reps: int) -> dict:
    result = subprocess.run(
        ["node", "--jitless", "--unhandled-rejections=warn", "-e", NODE, str(ROOT), str(reps)],
        capture_output=True, text=True, check=False,
    )
    if result.returncode != 0:
        raise seal_speed.BenchError(f"node failed: {result.stderr[-2000:]}")
    return json.loads(result.stdout.splitlines()[-1])


def run_browser(reps: int, mode: str) -> dict:
    server = seal_speed._Server(("127.0.0.1", 0), seal_speed._Handler)
    return seal_speed._browser_result(f"/bench/breakdown.html#reps={reps}", mode, server)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--reps", type=int, default=9, help="timed runs per step (default 9)")
    parser.add_argument("--skip-browser", action="store_true", help="node --jitless only")
    parser.add_argument("--wasm", action="store_true", help="also Chromium with WebAssembly")
    args = parser.parse_args(argv[1:])
    print(f"seal breakdown, ms min / median / max of {args.reps} runs; {os.cpu_count()} CPUs, "
          f"load average {os.getloadavg()[0]:.1f}")
    runs = [("node --jitless", lambda: run_node(args.reps))]
    if not args.skip_browser:
        runs.append(("Chromium --jitless", lambda: run_browser(args.reps, "jitless")))
        if args.wasm:
            runs.append(("Chromium WebAssembly", lambda: run_browser(args.reps, "wasm")))
    reports = []
    for name, run in runs:
        try:
            report = run()
        except seal_speed.BenchError as error:
            print(f"{name}: FAILED: {error}")
            return 1
        reports.append((name, report))
    header = "".join(f" {name + (' (pure JS)' if not report['wasm'] else ''):>26}" for name, report in reports)
    print(f"{'step':64}{header}")
    for row in reports[0][1]["rows"]:
        cells = ""
        for _, report in reports:  # a report without Web Crypto has no "Web Crypto:" rows
            found = [other["ms"] for other in report["rows"] if other["name"] == row["name"]]
            cells += f" {' / '.join(f'{v:.1f}' for v in found[0]) if found else 'n/a':>26}"
        print(f"{row['what']:64}{cells}")
    print(f"load average at the end {os.getloadavg()[0]:.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
