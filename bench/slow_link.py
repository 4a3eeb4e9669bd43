"""Benchmark: the shared sample reports over a slow, high-latency link, JavaScript off and on.

    .venv/bin/python bench/slow_link.py [--up-kbps 100] [--latency-ms 500] [--down-kbps -1] [--rounds 1] [--timeline]

Goal (issue 9, item 6): with JavaScript on, sending the sample reports takes
at most 1.25 times as long as with JavaScript off, on a link of 100 KB/s up
and 500 ms latency.

What it does, in a throwaway temp directory:

1. ``resguardo init`` with a fresh X-Wing reviewer key (the default kind),
   gunicorn on loopback with deploy/gunicorn.conf.py (tests/support/live.py);
2. Debian's Chromium (/usr/bin/chromium, headless, WebAssembly on) for
   JavaScript on, and the same browser with JavaScript off;
3. for every sample in ../shared/samples (tests/support/samples.py: three
   reports, three attachments), a fresh browser context (cold cache, own
   cookies) whose page gets Chrome DevTools' network emulation
   (``Network.emulateNetworkConditions``: ``latency`` ms added to each
   request, ``uploadThroughput`` bytes/s; download unthrottled unless
   ``--down-kbps`` is given; 1 KB = 1000 bytes), then
   tests/browser/chromium.py ``fill_and_send``: open the form, fill it, attach
   the files, press send, wait for the confirmation;
4. prints, per mode and sample, the seconds from opening the form to the
   confirmation (without JavaScript the ``load`` of the answer page; with it
   the first animation frame that shows the page's "received" section, as
   ``fill_and_send`` says: Playwright's ``wait_for_selector`` looked only every
   500 ms by then and put 0-0.5 s of its own lag on JS on), and the bytes
   each way (Playwright ``request.sizes()``: request headers + body (or its
   Content-Length) up, response headers + body down, for every request of
   the context, the seal worker's included), then the totals and
   the ratio JS on / JS off. With ``--timeline``, every request of each
   report (seconds from opening the form to its start and to its end, as
   Playwright's request events saw them), and the moments the form was ready
   (to seal, JS on), "send" was pressed and the confirmation was seen; with
   JavaScript on also what the page itself saw, by its own clock (``PAGE_MARKS``:
   the seal worker made and ready, data-sealing set, the submit event, the
   final request's body sent and its answer in, the "received" section shown).

Exit status 0 when every report was confirmed (the ratio is printed, not
asserted: speed goals are figures, not tests).
"""

from __future__ import annotations

import argparse
import secrets
import sys
import tempfile
import time
from pathlib import Path
from types import SimpleNamespace
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import keys  # noqa: E402
from tests.browser.chromium import CHROMIUM, fill_and_send, installation, launch  # noqa: E402
from tests.support.live import gunicorn  # noqa: E402
from tests.support.samples import all_reports  # noqa: E402

PASSPHRASE = "correct horse battery staple tinta"

#: With --timeline and JavaScript on: what the page itself saw, and when (epoch ms), in
#: window.__benchMarks: the seal worker made and ready, the form's data-sealing, the submit
#: event, each XMLHttpRequest sent, its body out and its answer in, the "received" section shown.
#: Only instrumentation (injected through DevTools, so the page's CSP does not apply to it).
PAGE_MARKS = """(() => {
  const marks = [];
  const mark = (what) => marks.push([performance.timeOrigin + performance.now(), what]);
  Object.defineProperty(window, '__benchMarks', { value: marks });
  const NativeWorker = window.Worker;
  if (NativeWorker) {
    window.Worker = class extends NativeWorker {
      constructor(...args) {
        super(...args);
        mark('worker created');
        this.addEventListener('message', (event) => { if (event.data && event.data.type === 'ready') mark('worker ready'); });
      }
    };
  }
  const send = XMLHttpRequest.prototype.send;
  XMLHttpRequest.prototype.send = function (body) {
    mark(`xhr sent, body ${body ? (body.byteLength ?? body.length ?? body.size) : 0} B`);
    this.upload.addEventListener('loadend', () => mark('xhr body out'));
    this.addEventListener('loadend', () => mark('xhr answer in'));
    return send.call(this, body);
  };
  document.addEventListener('submit', () => mark('submit event'), true);
  new MutationObserver((records) => {
    for (const { target, attributeName } of records) {
      if (target.id === 'report-form' && attributeName === 'data-sealing' && target.dataset.sealing) {
        mark(`data-sealing=${target.dataset.sealing}`);
      }
      if (target.id === 'browser-received' && attributeName === 'hidden' && !target.hidden) mark('received shown');
    }
  }).observe(document, { attributes: true, subtree: true, attributeFilter: ['data-sealing', 'hidden'] });
})();"""


def make_reviewer(directory: Path) -> SimpleNamespace:
    """An X-Wing reviewer key pair on disk (what ``review keygen`` makes)."""
    secret = keys.XWingSecretKey.generate("Bench Reviewer")
    public_file = directory / "bench.public-key"
    keys.write_public_key_file(public_file, secret.public_key)
    return SimpleNamespace(public_file=public_file)


def send_one(browser, url: str, sample, mode: str, conditions: dict, tag: str, context=None,
             page_marks: bool = False) -> dict:
    """One sample through the form under ``conditions``; seconds and bytes each way.

    ``context``: a browser context to reuse (warm cache); a fresh one otherwise.
    ``page_marks``: record what the page saw (:data:`PAGE_MARKS`, JavaScript on only).
    """
    own = context is None
    if own:
        context = browser.new_context(java_script_enabled=(mode == "js"), locale="es-PE")
    page = context.new_page()
    if page_marks and mode == "js":
        page.add_init_script(PAGE_MARKS)
    cdp = context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send("Network.emulateNetworkConditions", conditions)
    finished = []
    page.on("requestfinished", lambda request: finished.append(request))
    failed = []
    page.on("requestfailed", lambda request: failed.append(request))
    sent_at = []  # when the final POST (the one that stores the report) left
    page.on("request", lambda request: sent_at.append(time.perf_counter())
            if request.method == "POST" and request.url.endswith("/submit") else None)
    begun: dict = {}  # request -> when it was made (perf_counter)
    ended: dict = {}  # request -> when its answer was complete, or it failed
    page.on("request", lambda request: begun.setdefault(request, time.perf_counter()))
    page.on("requestfinished", lambda request: ended.setdefault(request, time.perf_counter()))
    page.on("requestfailed", lambda request: ended.setdefault(request, time.perf_counter()))
    fields = dict(sample.fields)
    fields["description"] = f"{fields['description']}\n[{tag}]"
    marks = []  # (seconds, what): the form ready (to seal, JS on), "send" pressed, the confirmation seen
    started = time.perf_counter()
    fill_and_send(page, url, fields, list(sample.attachments), javascript=(mode == "js"),
                  mark=lambda what: marks.append((time.perf_counter(), what)))
    seconds = time.perf_counter() - started
    page.wait_for_timeout(200)  # let the last requestfinished events arrive
    seen = page.evaluate("window.__benchMarks || []") if page_marks and mode == "js" else []
    epoch = time.time() - time.perf_counter()  # page marks are epoch milliseconds
    up = down = 0
    for request in finished:
        sizes = request.sizes()
        # Chromium reports no body size for a form post with files: take its Content-Length.
        length = request.header_value("content-length")
        up += sizes["requestHeadersSize"] + max(sizes["requestBodySize"], int(length) if length else 0)
        down += sizes["responseHeadersSize"] + sizes["responseBodySize"]
    requests = len(finished) + len(failed)
    send = started + seconds - sent_at[0] if sent_at else float("nan")
    timeline = [
        (begun[request] - started, ended.get(request, float("nan")) - started, request.method,
         urlsplit(request.url).path.rsplit("/", 1)[-1] or "/", request.resource_type)
        for request in sorted(begun, key=begun.get)
    ] + [(at - started, at - started, "", what, "mark") for at, what in marks] + [
        (at / 1000 - epoch - started, at / 1000 - epoch - started, "", what, "page") for at, what in seen
    ]
    timeline.sort()
    page.close()
    if own:
        context.close()
    return {"seconds": seconds, "send": send, "up": up, "down": down, "requests": requests, "timeline": timeline}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--up-kbps", type=float, default=100, help="upload, KB/s (1 KB = 1000 bytes)")
    parser.add_argument("--down-kbps", type=float, default=-1, help="download, KB/s; -1: not throttled")
    parser.add_argument("--latency-ms", type=float, default=500)
    parser.add_argument("--rounds", type=int, default=1, help="repeat both modes this many times")
    parser.add_argument("--timeline", action="store_true",
                        help="print every request of each report: seconds from opening the form to its start and end")
    parser.add_argument("--warm", action="store_true",
                        help="one browser context per mode and round (cache and cookies kept across the samples)")
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        sys.exit(f"no {CHROMIUM} (apt-get install -y chromium)")
    conditions = {
        "offline": False,
        "latency": args.latency_ms,
        "uploadThroughput": args.up_kbps * 1000,
        "downloadThroughput": -1 if args.down_kbps < 0 else args.down_kbps * 1000,
    }
    samples = all_reports()
    print(f"cache: {'warm (one context per mode: the three reports in one session)' if args.warm else 'cold (a fresh context per report)'}")
    print(f"link: {args.up_kbps:g} KB/s up, "
          f"{'unthrottled' if args.down_kbps < 0 else f'{args.down_kbps:g} KB/s'} down, "
          f"{args.latency_ms:g} ms latency (Chromium Network.emulateNetworkConditions)")
    print(f"samples: {len(samples)} reports, "
          f"{sum(len(s.attachments) for s in samples)} attachments, "
          f"{sum(p.stat().st_size for s in samples for p in s.attachments)} attachment bytes")
    totals = {"nojs": [], "js": []}
    with tempfile.TemporaryDirectory(prefix="resguardo-slowlink-") as tmp:
        base = Path(tmp)
        env = installation(base, make_reviewer(base))
        with gunicorn(env, base / "logs") as url, sync_playwright() as playwright:
            browser = launch(playwright, "wasm")
            try:
                for round_number in range(args.rounds):
                    for mode in ("nojs", "js"):
                        rows = []
                        shared = browser.new_context(java_script_enabled=(mode == "js"), locale="es-PE") if args.warm else None
                        for sample in samples:
                            row = send_one(browser, url, sample, mode, conditions, f"{mode}-{secrets.token_hex(3)}", shared,
                                           page_marks=args.timeline)
                            rows.append(row)
                            print(f"  round {round_number + 1} {mode:4} {sample.name:34} {row['seconds']:6.2f} s "
                                  f"(final POST to confirmation {row['send']:5.2f} s)  "
                                  f"up {row['up']:8d} B  down {row['down']:8d} B  requests {row['requests']}",
                                  flush=True)
                            if args.timeline:
                                for start, end, method, name, kind in row["timeline"]:
                                    print(f"      {start:6.2f} -> {end:6.2f} s  {method:4} {name[:40]:40} {kind}")
                        if shared is not None:
                            shared.close()
                        totals[mode].append({key: sum(r[key] for r in rows) for key in ("seconds", "send", "up", "down", "requests")})
            finally:
                browser.close()
    for mode, label in (("nojs", "JavaScript off"), ("js", "JavaScript on")):
        runs = totals[mode]
        best = min(runs, key=lambda r: r["seconds"])
        seconds = ", ".join("%.2f" % r["seconds"] for r in runs)
        print(f"{label:15} seconds {seconds} (best {best['seconds']:.2f}, of which final POST to confirmation "
              f"{best['send']:.2f}); "
              f"up {best['up']} B; down {best['down']} B; requests {best['requests']}")
    ratio = min(r["seconds"] for r in totals["js"]) / min(r["seconds"] for r in totals["nojs"])
    print(f"JS on / JS off: {ratio:.2f} (target <= 1.25)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
