"""Listening ports for the processes a script starts (standard library only).

A port found free by binding port 0 comes from the kernel's ephemeral range, the same range every
outgoing connection and every later bind to port 0 draws from. Between handing such a port out
and the process binding it, another process of the run could take it: the soak's echo server
once failed with "Address already in use" that way. Ports handed out here lie below the
ephemeral range, where the kernel never assigns one by itself, and are never handed out twice in
one run. They also lie below the range the Java tests' `FreePorts` (test-harness) probes, 20000 to
32000, so a script a test starts and the test's own JVM never reach for the same port.
"""
import random
import socket

_HANDED_OUT = set()
_LOWEST = 10000
_HIGHEST = 20000  # FreePorts' first


def _ephemeral_start():
    try:
        with open("/proc/sys/net/ipv4/ip_local_port_range") as f:
            return int(f.read().split()[0])
    except (OSError, ValueError, IndexError):
        return 32768  # Linux's default


def listen_port(host="127.0.0.1"):
    """A port nothing listens on at `host`, below the ephemeral range, new in this run."""
    top = min(_HIGHEST, _ephemeral_start())
    if top - _LOWEST < 1000:
        raise RuntimeError("the ephemeral port range starts at %d, leaving too few ports below it"
                           " for listeners; raise the first number in"
                           " /proc/sys/net/ipv4/ip_local_port_range" % top)
    for _ in range(200):
        port = random.randrange(_LOWEST, top)
        if port in _HANDED_OUT:
            continue
        with socket.socket() as s:
            try:
                s.bind((host, port))
            except OSError:
                continue
        _HANDED_OUT.add(port)
        return port
    raise RuntimeError("no free port found between %d and %d on %s" % (_LOWEST, top, host))
