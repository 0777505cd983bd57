"""The soak's traffic: a steady rate of GETs from the meshed client to both services, every
answer judged, and the config generation each answer carries (scripts/soak).

The client is mesh-client-app: each line written to its standard input is one request
(`<id> http GET <url>`), run on a pool thread by HttpURLConnection through the client's agent, and
answered by one `RESULT <id> ...` line in its log, which Traffic follows. An answer succeeds if it
is a 200 whose body shows the caller's SPIFFE ID in x-forwarded-client-cert (it came over mutual
TLS) and an x-soak-generation header (a VirtualService routed it); anything else, an exception, or
no answer within ANSWER_TIMEOUT is a failure, logged with its time.
"""
import re
import threading
import time

ANSWER_TIMEOUT = 70.0  # the client's read timeout is 60 s: past this, no answer will come
# At most this many requests in flight, as a client with a bounded pool would have: when the
# machine stalls, an open loop would otherwise pile up a thread per request in the client (its
# pool is unbounded) until its heap runs out. A tick that finds the cap reached is skipped and
# counted (the rate drops; the report says by how much).
MAX_IN_FLIGHT = 64
RESULT = re.compile(r"^RESULT (\w+) (ok|error) (.*)$")
CLIENT_ID = "URI=spiffe://cluster.local/ns/default/sa/client"


def unescape(text):
    """mesh-client-app's one-line form back to text: \\\\ is \\, \\n LF, \\r CR."""
    return re.sub(r"\\(.)", lambda m: {"n": "\n", "r": "\r"}.get(m.group(1), m.group(1)), text)


def judge_answer(outcome, details):
    """(generation, None) for a good answer, (None, what is wrong) otherwise."""
    if outcome != "ok":
        return None, "error " + details[:300]
    status = re.match(r"status=(\d+)", details)
    body = unescape(details.split(" body=", 1)[1]) if " body=" in details else ""
    generation = re.search(r"^header:x-soak-generation=(\d+)$", body, re.M)
    if not status or status.group(1) != "200":
        return None, details[:300]
    if CLIENT_ID not in body:
        return None, ("200 without the client's SPIFFE ID in x-forwarded-client-cert (not mutual"
                      " TLS?): " + details[:300])
    if not generation:
        return None, "200 without x-soak-generation (no route applied): " + details[:300]
    return int(generation.group(1)), None


class Request:
    __slots__ = ("id", "path", "sent", "answered", "generation")

    def __init__(self, id_, path, sent):
        self.id, self.path, self.sent = id_, path, sent
        self.answered = None
        self.generation = None


class Change:
    """One config change: its generation, when it was written, and per path the first answer
    that carried it (to a request sent after the write)."""

    def __init__(self, generation, written):
        self.generation, self.written = generation, written
        self.first_seen = {}

    def applied(self, paths):
        return all(p in self.first_seen for p in paths)

    def propagation(self, path):
        seen = self.first_seen.get(path)
        return None if seen is None else seen - self.written


class Traffic:
    """paths: {name: url}; requests go to them in turn, rate per second in all."""

    def __init__(self, client, paths, rate, started):
        self.client, self.paths, self.rate = client, dict(paths), rate
        self.started = started  # the soak's time zero (time.time())
        self.names = list(self.paths)
        self.lock = threading.Lock()
        self.pending = {}
        self.ok = {p: 0 for p in self.names}
        self.failed = {p: 0 for p in self.names}
        self.latencies = {p: [] for p in self.names}
        self.failures = []  # (seconds since start, path, detail)
        self.changes = []
        self.current = {p: 0 for p in self.names}  # newest generation seen per path
        self.regressions = []  # an older generation after a newer one was seen
        self.sent = 0
        self.max_in_flight = 0
        self.skipped = 0
        self._stop_sending = threading.Event()
        self._stop_reading = threading.Event()
        self._threads = []
        self._probes = 0
        self._probe_events = {}
        self._probe_answers = {}

    # --- running ---

    def start_reading(self):
        """Follows the client's answers (probes need it before the traffic starts)."""
        for target in (self._read_loop, self._timeout_loop):
            self._thread(target)

    def start_sending(self):
        self._thread(self._send_loop)

    def _thread(self, target):
        t = threading.Thread(target=target, daemon=True)
        t.start()
        self._threads.append(t)

    def stop(self):
        """Stops sending, waits for every request sent to be answered or time out, then stops."""
        self._stop_sending.set()
        deadline = time.time() + ANSWER_TIMEOUT + 5
        while time.time() < deadline:
            with self.lock:
                if not self.pending:
                    break
            time.sleep(0.2)
        self._expire(force=True)
        self._stop_reading.set()
        for t in self._threads:
            t.join(10)

    def change(self, generation):
        """Records that generation was just written to the config directory."""
        with self.lock:
            self.changes.append(Change(generation, time.time()))

    def _send_loop(self):
        interval = 1.0 / self.rate
        next_at = time.monotonic()
        stdin = self.client.popen.stdin
        n = 0
        while not self._stop_sending.is_set():
            now = time.monotonic()
            if now < next_at:
                time.sleep(min(next_at - now, 0.05))
                continue
            # A late tick sends at once, but a stall is not made up with a burst: the rate stays
            # the rate.
            next_at = max(next_at + interval, now - 1.0)
            with self.lock:
                full = len(self.pending) >= MAX_IN_FLIGHT
                if full:
                    self.skipped += 1
            if full:
                continue
            n += 1
            path = self.names[n % len(self.names)]
            request = Request(n, path, time.time())
            with self.lock:
                self.pending[n] = request
                self.sent += 1
                self.max_in_flight = max(self.max_in_flight, len(self.pending))
            try:
                stdin.write(("%d http GET %s?n=%d\n" % (n, self.paths[path], n)).encode())
                stdin.flush()
            except OSError as e:
                self._fail(request, "the client's standard input is closed: %s" % e)
                with self.lock:
                    self.pending.pop(n, None)
                self._stop_sending.set()

    def _read_loop(self):
        """Follows the client's log from its start, one RESULT line at a time."""
        with open(self.client.log, "rb") as f:
            partial = b""
            while True:
                chunk = f.readline()
                if not chunk:
                    if self._stop_reading.is_set():
                        return
                    time.sleep(0.005)  # polling: what it adds is in every latency reported
                    continue
                partial += chunk
                if not partial.endswith(b"\n"):
                    continue
                line, partial = partial.decode("utf-8", "replace").rstrip("\n"), b""
                m = RESULT.match(line)
                if m and m.group(1).isdigit():
                    self._answer(int(m.group(1)), m.group(2), m.group(3))
                elif m:
                    self._probe_answer(m.group(1), m.group(2), m.group(3))

    def _timeout_loop(self):
        while not self._stop_reading.is_set():
            self._expire()
            time.sleep(1)

    def _expire(self, force=False):
        now = time.time()
        with self.lock:
            late = [r for r in self.pending.values()
                    if force or now - r.sent > ANSWER_TIMEOUT]
            for r in late:
                del self.pending[r.id]
        for r in late:
            self._fail(r, "no answer in %.0f s" % (now - r.sent))

    def probe(self, path, timeout):
        """One request outside the counted traffic (before it starts): None if it succeeded by
        the same rules, else what was wrong."""
        self._probes += 1
        id_ = "p%d" % self._probes
        event = threading.Event()
        with self.lock:
            self._probe_events[id_] = event
        stdin = self.client.popen.stdin
        stdin.write(("%s http GET %s\n" % (id_, self.paths[path])).encode())
        stdin.flush()
        if not event.wait(timeout):
            return "no answer in %d s" % timeout
        with self.lock:
            outcome, details = self._probe_answers.pop(id_)
        return judge_answer(outcome, details)[1]

    def _probe_answer(self, id_, outcome, details):
        with self.lock:
            event = self._probe_events.pop(id_, None)
            if event is not None:
                self._probe_answers[id_] = (outcome, details)
        if event is not None:
            event.set()

    # --- judging ---

    def _answer(self, id_, outcome, details):
        now = time.time()
        with self.lock:
            request = self.pending.pop(id_, None)
        if request is None:
            return  # answered after it was counted as timed out: already a failure
        request.answered = now
        generation, problem = judge_answer(outcome, details)
        if problem:
            self._fail(request, problem)
        else:
            self._succeed(request, generation, now)

    def _succeed(self, request, generation, now):
        with self.lock:
            path = request.path
            self.ok[path] += 1
            self.latencies[path].append(now - request.sent)
            request.generation = generation
            if generation < self.current[path]:
                seen = [c for c in self.changes if c.generation == self.current[path]]
                # Only a request sent after the newer generation was answered proves a regression;
                # one sent before may have been routed before the change arrived.
                if seen and request.sent > seen[0].first_seen.get(path, now):
                    self.regressions.append((round(request.sent - self.started, 1), path,
                                             generation, self.current[path]))
            elif generation > self.current[path]:
                self.current[path] = generation
            for c in self.changes:
                if (c.generation == generation and path not in c.first_seen
                        and request.sent >= c.written):
                    c.first_seen[path] = now

    def _fail(self, request, detail):
        with self.lock:
            self.failed[request.path] += 1
            self.failures.append((round(time.time() - self.started, 1), request.path, detail))

    # --- results ---

    def summary(self):
        with self.lock:
            return {"sent": self.sent, "max_in_flight": self.max_in_flight,
                    "skipped": self.skipped, "ok": dict(self.ok),
                    "failed": dict(self.failed),
                    "failures": list(self.failures), "regressions": list(self.regressions),
                    "changes": list(self.changes), "latencies": {p: sorted(v) for p, v in
                                                                 self.latencies.items()}}

    def newest_generation(self, path):
        with self.lock:
            return self.current[path]
