#!/usr/bin/env python3
"""Fault suite of dealscope-server (issue 15). Every scenario starts its own redis-server and
dealscope-server processes on free loopback ports in a temp folder, sends bounded traffic to
127.0.0.1 only, and stops them again.

  takeover  SIGKILL of one of two servers on one Redis while 3,000 jobs run: lost jobs (must be 0),
            jobs not terminal, and how long the survivor took to take the dead one's jobs over.
  aof       Redis SIGKILLed while jobs are being started, restarted on its AOF, once with
            appendfsync always and once with everysec: jobs acknowledged with 202 but missing after
            the restart, per mode.
  proxy     a TCP proxy between the client and the server that drops and delays connections; the
            client retries (a retried start is deduplicated to the same job): lost jobs and
            duplicated jobs (both must be 0).
  disk      the results library on a full disk: runs tst_resultslibrary_diskfull and prints what
            it stored before the disk was full and the error the user sees.

Usage: faults.py --server BIN [--build DIR] [--quick] [--json FILE] [SCENARIO...]
--quick runs each scenario small enough for CTest (a few seconds with the ASan build). Exit code
1 when a scenario's bar (no job lost, none duplicated, everything terminal) is missed.
"""

import argparse
import http.client
import json
import os
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor

TYPES = ["business_analysis", "valuation", "risk_assessment", "market_intelligence"]
TERMINAL = {"succeeded", "failed", "canceled"}


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until(pred, timeout, step=0.02):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if pred():
            return True
        time.sleep(step)
    return pred()


class Redis:
    def __init__(self, folder, aof=None):
        self.folder, self.aof, self.port, self.proc = folder, aof, free_port(), None

    def start(self):
        args = ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--dir", self.folder,
                "--save", ""]
        args += ["--appendonly", "yes", "--appendfsync", self.aof] if self.aof else ["--appendonly", "no"]
        self.proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        if not wait_until(lambda: self.cli("PING") == "PONG", 10):
            raise RuntimeError("redis-server did not start")

    def cli(self, *args):
        r = subprocess.run(["redis-cli", "-p", str(self.port)] + list(args), capture_output=True, text=True,
                           timeout=10)
        return r.stdout.strip()

    def kill(self):
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.kill()


class Server:
    def __init__(self, binary, folder, name, args, env=None):
        self.log = open(os.path.join(folder, name + ".log"), "wb")
        e = dict(os.environ)
        e.pop("DEALSCOPE_FAILPOINTS", None)
        e["QT_LOGGING_RULES"] = "*.info=false"
        e.update(env or {})
        self.proc = subprocess.Popen([binary, "--listen", "127.0.0.1:0", "--insecure-no-auth"] + args,
                                     stdout=subprocess.PIPE, stderr=self.log, env=e)
        self.port = None
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            line = self.proc.stdout.readline().decode(errors="replace")
            if not line:
                break
            m = re.search(r"listening on \S+:(\d+)", line)
            if m:
                self.port = int(m.group(1))
                break
        if not self.port:
            raise RuntimeError(name + " did not start: see " + self.log.name)
        # Keep reading stdout so the server never blocks on a full pipe.
        threading.Thread(target=self.proc.stdout.read, daemon=True).start()

    def kill(self):
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.kill()


class Client:
    """One keep-alive HTTP/1.1 connection per thread; reconnects after any error."""

    def __init__(self, port, timeout=10):
        self.port, self.timeout, self.local = port, timeout, threading.local()

    def request(self, method, path, body=None):
        conn = getattr(self.local, "conn", None)
        if conn is None:
            conn = self.local.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=self.timeout)
        try:
            headers = {"Content-Type": "application/json"} if body is not None else {}
            conn.request(method, path, body=json.dumps(body) if body is not None else None, headers=headers)
            r = conn.getresponse()
            data = r.read()
            return r.status, (json.loads(data) if data else None)
        except (OSError, http.client.HTTPException, ValueError):
            conn.close()
            self.local.conn = None
            return 0, None

    def start(self, listing, kind):
        return self.request("POST", "/api/analysis/start", {"listingId": listing, "analysisType": kind})

    def statuses(self, ids):
        """{id: job} for the ids that exist (100 per request); None when a request failed."""
        out = {}
        for i in range(0, len(ids), 100):
            status, body = self.request("GET", "/api/analysis/status?jobIds=" + ",".join(ids[i:i + 100]))
            if status != 200:
                return None
            for job in body["jobs"]:
                out[job["id"]] = job
        return out


def make_listings(path, n):
    with open(path, "w") as f:
        f.write("id,title,industry,asking price,cash flow,gross revenue,year established\n")
        for i in range(n):
            f.write(f"F{i},Fault shop {i},Restaurant,{300000 + i},{90000 + i % 500},{500000 + i},2001\n")
    return [(f"F{i}", t) for i in range(n) for t in TYPES]


def wait_terminal(client, ids, timeout):
    jobs = {}

    def done():
        got = client.statuses(ids)
        if got is None:
            return False
        jobs.clear()
        jobs.update(got)
        # A job that is missing stays missing (it is counted as lost): the others must end.
        return all(jobs[i]["status"] in TERMINAL for i in ids if i in jobs)

    wait_until(done, timeout, 0.2)
    return jobs


def scenario_takeover(opts, tmp):
    n = 300 if opts.quick else 3000
    lease = 2 if opts.quick else 3
    pairs = make_listings(os.path.join(tmp, "listings.csv"), (n + 3) // 4)[:n]
    redis = Redis(tmp)
    redis.start()
    # Each job takes ~10 ms (a delay in its second step), so the run lasts long enough to kill a
    # server in the middle of it with jobs running on it.
    env = {"DEALSCOPE_FAILPOINTS": "analysis.step.sde_multiple=delay(%d)" % (20 if opts.quick else 10)}
    common = ["--listings", os.path.join(tmp, "listings.csv"), "--store", f"redis://127.0.0.1:{redis.port}",
              "--workers", "2", "--lease", str(lease)]
    a = Server(opts.server, tmp, "server-a", common, env)
    b = Server(opts.server, tmp, "server-b", common, env)
    try:
        client = Client(b.port)
        ids, refused = [], 0
        with ThreadPoolExecutor(8) as pool:
            for status, body in pool.map(lambda p: client.start(*p), pairs):
                if status in (200, 202):
                    ids.append(body["jobId"])
                else:
                    refused += 1
        # Kill A once a tenth of the jobs are done: it holds running jobs then.
        wait_until(lambda: sum(1 for j in (client.statuses(ids) or {}).values()
                               if j["status"] in TERMINAL) >= len(ids) // 10, 60, 0.05)
        killed_at_ms = time.time() * 1000
        a.kill()
        jobs = wait_terminal(client, ids, 120)
        lost = sum(1 for i in ids if i not in jobs)
        unfinished = sum(1 for i in ids if i in jobs and jobs[i]["status"] not in TERMINAL)
        failed = sum(1 for j in jobs.values() if j["status"] != "succeeded")
        # A crashed worker's job runs again with attempt + 1 (SPEC §3); its new start is the takeover.
        taken = [j for j in jobs.values() if j.get("attempt", 1) > 1]
        restarts = [j["startedAt"] - killed_at_ms for j in taken if j.get("startedAt")]
        finishes = [j["finishedAt"] - killed_at_ms for j in taken if j.get("finishedAt")]
        all_done = max((j.get("finishedAt", 0) for j in jobs.values()), default=killed_at_ms) - killed_at_ms
        result = {"jobs": len(ids), "refused_starts": refused, "lost": lost, "not_terminal": unfinished,
                  "failed": failed, "lease_s": lease, "taken_over": len(taken),
                  "takeover_first_s": round(min(restarts) / 1000, 2) if restarts else None,
                  "takeover_last_s": round(max(restarts) / 1000, 2) if restarts else None,
                  "taken_over_finished_s": round(max(finishes) / 1000, 2) if finishes else None,
                  "all_terminal_after_kill_s": round(all_done / 1000, 2)}
        ok = lost == 0 and unfinished == 0 and refused == 0 and len(taken) > 0
        return ok, result
    finally:
        a.stop()
        b.stop()
        redis.stop()


def scenario_aof(opts, tmp, mode):
    folder = os.path.join(tmp, "aof-" + mode)
    os.makedirs(folder)
    n = 1200 if opts.quick else 8000
    pairs = make_listings(os.path.join(folder, "listings.csv"), (n + 3) // 4)[:n]
    redis = Redis(folder, aof=mode)
    redis.start()
    # Fast jobs are claimed in batches of up to 16 per worker; those a worker held when Redis died
    # come back one lease-expiry recovery at a time (tens of seconds under ASan). The quick form
    # keeps jobs just slow enough (5 ms) to be claimed one by one.
    env = {"DEALSCOPE_FAILPOINTS": "analysis.step.sde_multiple=delay(5)"} if opts.quick else {}
    server = Server(opts.server, folder, "server",
                    ["--listings", os.path.join(folder, "listings.csv"), "--store", f"redis://127.0.0.1:{redis.port}",
                     "--workers", "2", "--lease", "2"], env)
    try:
        client = Client(server.port, timeout=5)
        acked, lock = [], threading.Lock()
        stop = threading.Event()
        todo = iter(pairs)

        def starter():
            # Starts until the pairs run out or the crash window is over; answers while Redis is
            # down are 503s, which acknowledge nothing.
            while not stop.is_set():
                with lock:
                    pair = next(todo, None)
                if pair is None:
                    return
                status, body = client.start(*pair)
                if status == 202:
                    with lock:
                        acked.append(body["jobId"])

        threads = [threading.Thread(target=starter) for _ in range(8)]
        for t in threads:
            t.start()
        wait_until(lambda: len(acked) >= n // 4, 60, 0.005)
        redis.kill()  # in the middle of the stream of starts
        acked_at_kill = len(acked)
        time.sleep(0.3)  # starts keep coming while Redis is gone: each must get 503, not 202
        stop.set()
        for t in threads:
            t.join()
        restart_begin = time.monotonic()
        redis.start()
        replay_s = time.monotonic() - restart_begin
        ready = wait_until(lambda: client.request("GET", "/readyz")[0] == 200, 30, 0.05)
        settle_begin = time.monotonic()
        jobs = wait_terminal(client, acked, 120)
        settle_s = time.monotonic() - settle_begin
        missing = sum(1 for i in acked if i not in jobs)
        unfinished = sum(1 for i in acked if i in jobs and jobs[i]["status"] not in TERMINAL)
        result = {"appendfsync": mode, "acknowledged": len(acked), "acknowledged_when_killed": acked_at_kill,
                  "missing_after_restart": missing, "not_terminal": unfinished,
                  "redis_restart_s": round(replay_s, 2), "server_ready_again": ready,
                  "all_terminal_after_restart_s": round(settle_s, 1)}
        return ready and unfinished == 0 and (missing == 0 or mode != "always"), result
    finally:
        server.stop()
        redis.stop()


class FaultyProxy:
    """Forwards 127.0.0.1:port to the server. Each connection, by chance: refused at once, cut after
    the request went through (before the client has the whole answer), or delayed chunk by chunk."""

    def __init__(self, upstream, seed, drop=0.08, cut=0.08, delay=0.25):
        self.upstream, self.rng, self.lock = upstream, random.Random(seed), threading.Lock()
        self.drop, self.cut, self.delay = drop, cut, delay
        self.counts = {"connections": 0, "dropped": 0, "cut": 0, "delayed_chunks": 0}
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(128)
        self.port = self.sock.getsockname()[1]
        self.closed = False
        threading.Thread(target=self.accept, daemon=True).start()

    def roll(self, p):
        with self.lock:
            return self.rng.random() < p

    def count(self, key):
        with self.lock:
            self.counts[key] += 1

    def accept(self):
        while not self.closed:
            try:
                down, _ = self.sock.accept()
            except OSError:
                return
            self.count("connections")
            if self.roll(self.drop):
                self.count("dropped")
                down.close()
                continue
            try:
                up = socket.create_connection(("127.0.0.1", self.upstream), timeout=5)
            except OSError:
                down.close()
                continue
            cut = self.roll(self.cut)
            threading.Thread(target=self.pump, args=(down, up, False), daemon=True).start()
            threading.Thread(target=self.pump, args=(up, down, cut), daemon=True).start()

    def pump(self, src, dst, cut):
        try:
            while True:
                data = src.recv(65536)
                if not data:
                    break
                if self.roll(self.delay):
                    self.count("delayed_chunks")
                    time.sleep(self.rng.uniform(0.005, 0.2))
                if cut:
                    # The server has done the work; the client sees the connection die mid-answer.
                    self.count("cut")
                    dst.sendall(data[: len(data) // 2])
                    break
                dst.sendall(data)
        except OSError:
            pass
        finally:
            for s in (src, dst):
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
                s.close()

    def close(self):
        self.closed = True
        self.sock.close()


def scenario_proxy(opts, tmp):
    n = 200 if opts.quick else 1000
    pairs = make_listings(os.path.join(tmp, "listings.csv"), (n + 3) // 4)[:n]
    redis = Redis(tmp)
    redis.start()
    prefix = "proxy:"
    server = Server(opts.server, tmp, "server",
                    ["--listings", os.path.join(tmp, "listings.csv"), "--store", f"redis://127.0.0.1:{redis.port}",
                     "--redis-prefix", prefix, "--workers", "2"])
    proxy = FaultyProxy(server.port, seed=15)
    try:
        via_proxy = Client(proxy.port, timeout=3)
        tries = {"starts": 0, "start_retries": 0, "gave_up": 0}
        tlock = threading.Lock()

        def start_with_retries(pair):
            for attempt in range(30):
                status, body = via_proxy.start(*pair)
                with tlock:
                    tries["starts"] += 1
                    tries["start_retries"] += attempt > 0
                if status in (200, 202):
                    return pair, body["jobId"]
                time.sleep(min(0.5, 0.02 * 2 ** attempt) * random.uniform(0.5, 1.0))
            with tlock:
                tries["gave_up"] += 1
            return pair, None

        with ThreadPoolExecutor(8) as pool:
            got = list(pool.map(start_with_retries, pairs))
        ids = [i for _, i in got if i]
        # Polled through the faulty proxy as well: a failed poll is simply tried again.
        wait_until(lambda: (lambda s: s is not None and all(s.get(i, {}).get("status") in TERMINAL for i in ids))(
            via_proxy.statuses(ids)), 120, 0.2)
        direct = Client(server.port)
        jobs = direct.statuses(ids) or {}
        lost = sum(1 for i in ids if i not in jobs) + tries["gave_up"]
        unfinished = sum(1 for i in ids if i in jobs and jobs[i]["status"] not in TERMINAL)
        # Duplicates: the store holds exactly one job per pair, and it is the one the client got.
        keys = [k for k in redis.cli("--scan", "--pattern", prefix + "job:*").split() if ":byListing:" not in k]
        differing = 0
        for (listing, kind), jid in got:
            if jid is None:
                continue
            status, body = direct.request("GET", f"/api/analysis/lookup?listingId={listing}&analysisType={kind}")
            if status != 200 or body.get("id", body.get("job", {}).get("id")) != jid:
                differing += 1
        result = {"pairs": n, "jobs_in_store": len(keys), "duplicates": len(keys) - len(ids), "lost": lost,
                  "not_terminal": unfinished, "client_got_other_job": differing, **tries, **proxy.counts}
        ok = lost == 0 and unfinished == 0 and len(keys) == len(ids) == n and differing == 0
        return ok, result
    finally:
        proxy.close()
        server.stop()
        redis.stop()


def scenario_disk(opts, tmp):
    binary = os.path.join(opts.build, "tests", "storage", "tst_resultslibrary_diskfull") if opts.build else None
    if not binary or not os.path.exists(binary):
        return True, {"skipped": "needs --build DIR with tst_resultslibrary_diskfull built"}
    r = subprocess.run([binary], capture_output=True, text=True, timeout=120)
    result = {"exit_code": r.returncode}
    for line in r.stdout.splitlines():
        m = re.search(r"\((\w+)\) (\w+) : stored (\d+) results before the disk was full; error: (.*)", line)
        if m:
            result[m.group(2)] = {"stored_before_full": int(m.group(3)), "error": m.group(4)}
        if line.startswith("SKIP"):
            result["skipped"] = line
    return r.returncode == 0, result


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--server", required=True, help="the dealscope-server binary")
    p.add_argument("--build", help="build folder (for the disk scenario's test program)")
    p.add_argument("--quick", action="store_true", help="small runs, for CTest")
    p.add_argument("--json", help="write the figures to this file")
    p.add_argument("scenarios", nargs="*", default=["takeover", "aof", "proxy", "disk"])
    opts = p.parse_args()
    for tool in ("redis-server", "redis-cli"):
        if not shutil.which(tool):
            sys.exit(f"missing {tool} (apt-get install redis-server redis-tools)")
    figures, failed = {}, []
    for name in opts.scenarios:
        runs = [("aof-always", lambda t: scenario_aof(opts, t, "always")),
                ("aof-everysec", lambda t: scenario_aof(opts, t, "everysec"))] if name == "aof" else \
            [(name, {"takeover": lambda t: scenario_takeover(opts, t), "proxy": lambda t: scenario_proxy(opts, t),
                     "disk": lambda t: scenario_disk(opts, t)}[name])]
        for label, run in runs:
            began = time.monotonic()
            with tempfile.TemporaryDirectory(prefix="dealscope-faults-") as tmp:
                try:
                    ok, result = run(tmp)
                except Exception as e:  # a scenario that could not run is a failure, with its reason
                    ok, result = False, {"error": str(e)}
            result["seconds"] = round(time.monotonic() - began, 1)
            figures[label] = result
            print(f"{'PASS' if ok else 'FAIL'} {label}: {json.dumps(result)}", flush=True)
            if not ok:
                failed.append(label)
    if opts.json:
        with open(opts.json, "w") as f:
            json.dump(figures, f, indent=2)
    print(f"{len(figures) - len(failed)} passed, {len(failed)} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
