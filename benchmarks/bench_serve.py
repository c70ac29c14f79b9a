"""Benchmark of `justicegap serve`: the rendered Kent area page in Chromium, and the API under load.

Loads ../shared/data into a temporary home, starts `justicegap serve` on a free loopback port (a
separate process, so the load generator does not share its interpreter), then reports:

* the Kent area page in headless Chromium (/usr/bin/chromium): navigation start to the load
  event, and to every chart drawn (idle), each the median of 5 loads in a fresh browser context;
* the API at 50 concurrent clients on loopback (a thread pool, one keep-alive connection each): a
  mix of /figure, /compare and /funnel requests (at least 2,000), median and 99th-percentile
  latency, and the error count, after one uncached pass over the distinct requests;
* the first (uncached) pass over the same distinct requests, for comparison;
* cold bursts on a freshly started server (nothing cached): 200 API requests sent at once (one
  connection each), then, on another fresh server, 500 at once of which 200 are area pages;
  concurrent requests for the same answer share one computation and at most four answers per core
  are computed at once, so a burst queues instead of thrashing.

* the start: from launching `justicegap serve` to its first answer (/api/v1/editions), median of 5
  starts, in wall time and in the server's CPU time (which does not depend on the machine's load;
  the load average is reported beside it). The Vega bundle is already built and kept; comparisons
  warm in the background afterwards.

Targets: API p99 under 100 ms, rendered area page under 1 s, first answer within 1.5 s of starting.
Run: python benchmarks/bench_serve.py
"""

from __future__ import annotations

import argparse
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

from common import SHARED, installed_env
CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync"]


def load(home: Path, source: Path) -> float:
    os.environ["JUSTICEGAP_HOME"] = str(home)
    from justicegap import update
    from justicegap.store import Store

    t = time.perf_counter()
    with Store(home / "justicegap.duckdb") as store:
        results = update.load_dir(store, source)
    failed = [r for r in results if r.status == "failed"]
    if failed:
        sys.exit(f"loading failed: {failed}")
    return time.perf_counter() - t


@contextmanager
def serving(home: Path):
    """A freshly started server for the block: -> its base URL."""
    proc, base = start_server(home)
    try:
        yield base
    finally:
        proc.terminate()
        proc.wait(10)


def start_times(home: Path, runs: int = 5) -> list[tuple[float, float]]:
    """(wall seconds, CPU seconds of the server process) from launching the server to its first
    answer, each a fresh process. The CPU time does not depend on what else the machine is doing.
    One start before them (not counted) leaves the bytecode cached, as an installed package has it
    (``common.installed_env``)."""
    with serving(home):
        pass
    out = []
    for _ in range(runs):
        t = time.perf_counter()
        proc, _ = start_server(home)
        wall = time.perf_counter() - t
        out.append((wall, cpu_seconds(proc.pid)))
        proc.terminate()
        proc.wait(10)
    return out


def cpu_seconds(pid: int) -> float:
    """User and system CPU time a process has used so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def start_server(home: Path) -> tuple[subprocess.Popen, str]:
    import http.client

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = installed_env(home)
    proc = subprocess.Popen([sys.executable, "-m", "justicegap.cli", "serve", "--host", "127.0.0.1", "--port", str(port),
                             "--store", str(home / "justicegap.duckdb"), "--log-level", "warning"],
                            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.time() + 60
    while time.time() < deadline:  # asked every 20 ms (the standard library's client: cheap to retry)
        con = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
        status = fetch(con, "/api/v1/editions", {})
        con.close()
        if status == 200:
            return proc, f"http://127.0.0.1:{port}"
        time.sleep(0.02)
    proc.kill()
    sys.exit("the server did not start: " + proc.stderr.read().decode())


def requests_mix(base: str) -> list[str]:
    import httpx

    forces = [a["name"] for a in httpx.get(base + "/api/v1/areas", params={"level": "pfa"}).json()]
    periods = ["2017/18", "2018/19"]
    out = []
    for p in periods:
        for f in forces:
            for m in ("charge_rate_cohort", "charge_rate_closed", "recorded"):
                out.append(("/api/v1/figure", {"metric": m, "area": f, "period": p}))
            out.append(("/api/v1/funnel", {"area": f, "period": p}))
        for m in ("charge_rate_cohort", "charge_rate_closed"):
            for level in ("pfa", "cps_area"):
                out.append(("/api/v1/compare", {"metric": m, "level": level, "period": p}))
    return out


def pct(xs, q) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(q / 100 * (len(xs) - 1))))]


def fetch(con, path: str, params: dict) -> int | str:
    """One GET on an open connection, the body read: its status, or the error as text."""
    import http.client
    from urllib.parse import urlencode

    try:
        con.request("GET", path + "?" + urlencode(params))
        r = con.getresponse()
        r.read()
        return r.status
    except (OSError, http.client.HTTPException) as e:
        return repr(e)


def hammer(base: str, mix: list, total: int, clients: int) -> dict:
    """``clients`` threads, each with one keep-alive connection (the standard library's http.client,
    whose client-side cost is small next to the server's: httpx's async pool at 50 connections
    costs more CPU than the server on a two-core machine and would measure itself)."""
    import http.client
    import threading
    from urllib.parse import urlparse

    rnd = random.Random(6)
    weights = [3 if p.endswith("figure") else 1 for p, _ in mix]
    work = [rnd.choices(mix, weights)[0] for _ in range(total)]
    host = urlparse(base)
    lat, errors, kinds = [], [], {}
    lock = threading.Lock()
    cursor = iter(work)

    def client():
        con = http.client.HTTPConnection(host.hostname, host.port, timeout=60)
        while True:
            with lock:
                item = next(cursor, None)
            if item is None:
                con.close()
                return
            path, params = item
            t = time.perf_counter()
            status = fetch(con, path, params)
            if not isinstance(status, int):  # a broken connection: a new one for the next request
                con.close()
                con = http.client.HTTPConnection(host.hostname, host.port, timeout=60)
            dt = time.perf_counter() - t
            ok = isinstance(status, int) and status < 500 and (status == 200 or path.endswith("figure"))
            with lock:
                lat.append(dt)
                kinds.setdefault(path.rsplit("/", 1)[1], []).append(dt)
                if not ok:
                    errors.append(f"{path} {params}: {status}")

    threads = [threading.Thread(target=client) for _ in range(clients)]
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - t0
    return {"requests": len(lat), "clients": clients, "errors": len(errors), "error_samples": errors[:5],
            "wall_s": round(wall, 2), "throughput_rps": round(len(lat) / wall, 1),
            "median_ms": round(1000 * statistics.median(lat), 2), "p99_ms": round(1000 * pct(lat, 99), 2),
            "max_ms": round(1000 * max(lat), 2),
            "by_endpoint": {k: {"n": len(v), "median_ms": round(1000 * statistics.median(v), 2), "p99_ms": round(1000 * pct(v, 99), 2)}
                            for k, v in sorted(kinds.items())}}


def burst(base: str, items: list, timeout: float = 600) -> dict:
    """Every item requested at the same moment, each on its own connection; latency from the
    common start (so queueing counts), errors and dropped connections."""
    import http.client
    import threading
    from urllib.parse import urlparse

    host = urlparse(base)
    lat, errors = [], []
    lock = threading.Lock()
    go = threading.Barrier(len(items) + 1)

    def one(path, params):
        con = http.client.HTTPConnection(host.hostname, host.port, timeout=timeout)
        go.wait()
        t = time.perf_counter()
        status = fetch(con, path, params)
        con.close()
        with lock:
            lat.append(time.perf_counter() - t)
            if not (isinstance(status, int) and status < 500):
                errors.append(f"{path}: {status}")

    threads = [threading.Thread(target=one, args=item) for item in items]
    for t in threads:
        t.start()
    go.wait()
    t0 = time.perf_counter()
    for t in threads:
        t.join()
    return {"requests": len(items), "distinct": len({(p, tuple(sorted(q.items()))) for p, q in items}),
            "wall_s": round(time.perf_counter() - t0, 1), "median_s": round(statistics.median(lat), 2),
            "p90_s": round(pct(lat, 90), 2), "max_s": round(max(lat), 2), "errors": len(errors), "error_samples": errors[:5]}


def bursts(home: Path, mix: list) -> dict:
    """The two cold bursts, each on a freshly started server."""
    rnd = random.Random(12)
    api = [rnd.choice(mix) for _ in range(200)]
    with serving(home) as base:
        first = burst(base, api)
    areas = ["E23000032", "E23000001", "K04000001", "E22000138", "E23000014"]  # Kent, the Met, E&W, Canterbury, Surrey
    pages = [("/area/" + rnd.choice(areas), {"period": rnd.choice(["2017/18", "2018/19"]), "offence": "rape"}) for _ in range(200)]
    mixed = [rnd.choice(mix) for _ in range(300)] + pages
    rnd.shuffle(mixed)
    with serving(home) as base:
        second = burst(base, mixed)
    return {"api_200": first, "with_pages_500": second}


def cold_pass(base: str, mix: list) -> dict:
    import httpx

    lat = []
    with httpx.Client(timeout=120) as c:
        for path, params in mix:
            t = time.perf_counter()
            c.get(base + path, params=params)
            lat.append(time.perf_counter() - t)
    return {"distinct_requests": len(mix), "total_s": round(sum(lat), 1), "median_ms": round(1000 * statistics.median(lat), 1),
            "max_ms": round(1000 * max(lat), 1)}


def page_times(base: str, path: str, runs: int = 5) -> dict:
    from playwright.sync_api import sync_playwright

    loads, idles, outside = [], [], []
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        for _ in range(runs + 1):  # the first load warms the server's cache and is not counted
            ctx = b.new_context(viewport={"width": 1280, "height": 900})
            pg = ctx.new_page()
            pg.on("request", lambda r: outside.append(r.url) if not r.url.startswith(base) else None)
            pg.goto(base + path, wait_until="load")
            pg.wait_for_function("document.documentElement.dataset.chartsReady === '1'", timeout=60000)
            t = pg.evaluate("""() => { const n = performance.getEntriesByType('navigation')[0];
                                      return {load: n.loadEventEnd - n.startTime, idle: performance.now() - n.startTime}; }""")
            loads.append(t["load"])
            idles.append(t["idle"])
            ctx.close()
        b.close()
    return {"path": path, "runs": runs, "load_ms_median": round(statistics.median(loads[1:]), 1),
            "charts_drawn_ms_median": round(statistics.median(idles[1:]), 1), "first_load_ms": round(loads[0], 1),
            "first_charts_drawn_ms": round(idles[0], 1), "requests_off_loopback": len(outside)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--source", type=Path, default=SHARED)
    ap.add_argument("--requests", type=int, default=2500)
    ap.add_argument("--clients", type=int, default=50)
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--bursts-only", action="store_true", help="Only the cold bursts (no browser)")
    a = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="jg-bench-") as tmp:
        home = Path(tmp)
        load_s = load(home, a.source)
        starts = start_times(home)
        with serving(home) as base:
            mix = requests_mix(base)
        cold_bursts = bursts(home, mix)
        if a.bursts_only:
            print(json.dumps(cold_bursts, indent=2))
            return
        with serving(home) as base:
            page = page_times(base, "/area/E23000032?period=2017/18&offence=rape&metric=charge_rate_cohort")
            cold = cold_pass(base, mix)
            api = hammer(base, mix, a.requests, a.clients)
    start_s = round(statistics.median(w for w, _ in starts), 2)
    start_cpu = round(statistics.median(c for _, c in starts), 2)
    out = {"load_s": round(load_s, 1), "start_to_first_answer_s": start_s, "start_cpu_s": start_cpu,
           "load_average": os.getloadavg()[0], "kent_area_page": page, "api_first_pass_uncached": cold,
           "api_under_load": api, "cold_bursts": cold_bursts,
           "targets": {"api_p99_under_100ms": api["p99_ms"] < 100, "page_under_1s": page["charts_drawn_ms_median"] < 1000,
                       "no_errors": api["errors"] == 0 and all(b["errors"] == 0 for b in cold_bursts.values()),
                       "first_answer_within_1_5s": start_s <= 1.5}}
    if a.json:
        print(json.dumps(out, indent=2))
        return
    print(f"Store loaded from {a.source} in {out['load_s']} s")
    print(f"Start to first answer (median of {len(starts)} starts): {start_s} s, {start_cpu} s of CPU "
          f"(load average {out['load_average']:.1f})")
    print(f"Kent area page in Chromium (median of {page['runs']}, fresh context each): load event {page['load_ms_median']} ms, "
          f"all charts drawn {page['charts_drawn_ms_median']} ms (first, uncached: {page['first_charts_drawn_ms']} ms); "
          f"requests off loopback: {page['requests_off_loopback']}")
    print(f"API first pass over {cold['distinct_requests']} distinct requests (uncached, one at a time): total {cold['total_s']} s, "
          f"median {cold['median_ms']} ms, max {cold['max_ms']} ms")
    print(f"API under load: {api['requests']} requests, {api['clients']} concurrent clients: median {api['median_ms']} ms, "
          f"p99 {api['p99_ms']} ms, max {api['max_ms']} ms, {api['throughput_rps']} req/s, errors {api['errors']}")
    for k, v in api["by_endpoint"].items():
        print(f"  /{k}: n={v['n']}, median {v['median_ms']} ms, p99 {v['p99_ms']} ms")
    for k, b in cold_bursts.items():
        print(f"Cold burst {k}: {b['requests']} requests at once ({b['distinct']} distinct) on a fresh server: median {b['median_s']} s, "
              f"p90 {b['p90_s']} s, max {b['max_s']} s, all answered in {b['wall_s']} s, errors {b['errors']}")
    print("Targets: " + ", ".join(f"{k}={'yes' if v else 'NO'}" for k, v in out["targets"].items()))
    if api["errors"]:
        print("Errors:", *api["error_samples"], sep="\n  ")
        sys.exit(1)


if __name__ == "__main__":
    main()
