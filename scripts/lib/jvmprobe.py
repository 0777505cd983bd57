"""What a running process holds, sampled from outside it without stopping it (scripts/soak).

    probe = ProcessProbe(pid)          # any process: RSS, threads, file descriptors (/proc)
    probe.sample()                     # {"rss_kib": ..., "threads": ..., "fds": ..., ...}
    jvm = JvmProbe(pid)                # a HotSpot JVM: the above plus its heap (hsperfdata)
    jvm.sample()                       # ... "heap_used_kib", "old_used_kib", "young_gcs", ...
    jvm.live_heap_kib()                # a full GC (jcmd GC.run), then what survived it

The heap figures come from the JVM's own performance counters, the memory-mapped file
/tmp/hsperfdata_<user>/<pid> that jstat reads: reading it costs the JVM nothing, where jstat or
jcmd would start a JVM per sample on a machine that is already busy. The live heap needs a full
collection to be exact (after a young collection the old generation still holds whatever garbage
was promoted since the last full one), so live_heap_kib() asks for one with jcmd; with the serial
collector a full collection compacts every survivor into the old generation and leaves eden and
the survivor spaces empty, so the old generation's use right after it is the live set.
"""
import getpass
import os
import struct
import subprocess

_PROLOGUE = struct.Struct("<IBBBBiiqii")  # magic .. num_entries; the byte order is read first
_MAGIC = 0xCAFEC0C0


class ProcessProbe:
    """RSS and thread count from /proc/PID/status, file descriptors from /proc/PID/fd."""

    def __init__(self, pid):
        self.pid = pid

    def alive(self):
        return os.path.exists("/proc/%d/status" % self.pid)

    def sample(self):
        status = {}
        with open("/proc/%d/status" % self.pid) as f:
            for line in f:
                key, _, value = line.partition(":")
                status[key] = value.split()
        threads = int(status["Threads"][0])
        pool = self._pool_threads()
        fds, established = self._fds()
        return {"rss_kib": int(status["VmRSS"][0]), "threads": threads, "pool_threads": pool,
                "own_threads": threads - pool, "fds": fds, "connections": established,
                "other_fds": fds - established}

    def _fds(self):
        """(open descriptors, those that are ESTABLISHED TCP connections). Connection pools grow
        with the concurrency a stall causes and keep what they opened; a leak shows in the rest:
        a socket its peer closed (CLOSE_WAIT) or that left the TCP table, a file, a pipe."""
        states = tcp_states()
        fds = established = 0
        for fd in os.listdir("/proc/%d/fd" % self.pid):
            fds += 1
            try:
                target = os.readlink("/proc/%d/fd/%s" % (self.pid, fd))
            except OSError:
                continue  # closed meanwhile
            if target.startswith("socket:[") and states.get(target[8:-1]) == "01":
                established += 1
        return fds, established

    def _pool_threads(self):
        """Threads named by Executors' default factory (pool-N-thread-M): the cached pools of the
        soak's applications (the client's request pool, the JDK HttpServer's handlers), which grow
        with the concurrency a stall causes and shrink after 60 s idle. jmesh names its threads."""
        n = 0
        for task in os.listdir("/proc/%d/task" % self.pid):
            try:
                with open("/proc/%d/task/%s/comm" % (self.pid, task)) as f:
                    name = f.read()
            except OSError:
                continue  # the thread ended meanwhile
            if name.startswith("pool-") and "-thread-" in name:
                n += 1
        return n


class JvmProbe(ProcessProbe):
    """A HotSpot JVM with the serial collector (generation 0 young, generation 1 old)."""

    def __init__(self, pid):
        super().__init__(pid)
        # HotSpot on Linux writes it under /tmp whatever TMPDIR or java.io.tmpdir say.
        self.perf_file = os.path.join("/tmp", "hsperfdata_" + getpass.getuser(), str(pid))

    def counters(self):
        """Every long counter of the JVM's hsperfdata file, by name."""
        with open(self.perf_file, "rb") as f:
            data = f.read()
        return parse_hsperfdata(data, self.perf_file)

    def sample(self):
        s = super().sample()
        c = self.counters()
        young = sum(c.get("sun.gc.generation.0.space.%d.used" % i, 0) for i in range(3))
        old = c.get("sun.gc.generation.1.space.0.used", 0)
        s.update({"heap_used_kib": (young + old) // 1024, "old_used_kib": old // 1024,
                  "heap_committed_kib": (c.get("sun.gc.generation.0.capacity", 0)
                                         + c.get("sun.gc.generation.1.capacity", 0)) // 1024,
                  "metaspace_kib": c.get("sun.gc.metaspace.used", 0) // 1024,
                  "young_gcs": c.get("sun.gc.collector.0.invocations", 0),
                  "full_gcs": c.get("sun.gc.collector.1.invocations", 0)})
        return s

    def live_heap_kib(self, timeout=60):
        """Forces a full collection and returns the old generation's use right after it (the
        live set), or None if jcmd failed (the process ended, the attach timed out)."""
        before = self.counters().get("sun.gc.collector.1.invocations", 0)
        env = {k: v for k, v in os.environ.items() if k != "JAVA_TOOL_OPTIONS"}
        try:
            done = subprocess.run(["jcmd", str(self.pid), "GC.run"], env=env, timeout=timeout,
                                  stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        except (OSError, subprocess.TimeoutExpired):
            return None
        c = self.counters()
        if done.returncode != 0 or c.get("sun.gc.collector.1.invocations", 0) <= before:
            return None
        return c.get("sun.gc.generation.1.space.0.used", 0) // 1024


def tcp_states():
    """Socket inode -> TCP state (hex, "01" ESTABLISHED, "08" CLOSE_WAIT) from /proc/net/tcp{,6}."""
    states = {}
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            with open(table) as f:
                next(f)
                for line in f:
                    fields = line.split()
                    states[fields[9]] = fields[3]
        except OSError:
            pass
    return states


def parse_hsperfdata(data, where="hsperfdata"):
    """The long ('J') counters of a HotSpot performance-data file (the layout of HotSpot's
    perfMemory.hpp: a 32-byte prologue, then entries of a name and a value each)."""
    if len(data) < _PROLOGUE.size:
        raise ValueError("%s: %d bytes, shorter than the prologue" % (where, len(data)))
    magic_be = struct.unpack_from(">I", data, 0)[0]
    if magic_be != _MAGIC:
        raise ValueError("%s: not a HotSpot performance-data file (magic %08x)" % (where, magic_be))
    order = "<" if data[4] == 1 else ">"
    entry_offset, entries = struct.unpack_from(order + "ii", data, 24)
    counters = {}
    at = entry_offset
    for _ in range(entries):
        length, name_offset, vector_length, data_type, _flags, _units, _var, data_offset = \
            struct.unpack_from(order + "iiiBBBBi", data, at)
        if length <= 0:
            break
        if data_type == ord("J") and vector_length == 0:
            name_start = at + name_offset
            name = data[name_start:data.index(b"\0", name_start)].decode("ascii", "replace")
            counters[name] = struct.unpack_from(order + "q", data, at + data_offset)[0]
        at += length
    return counters
