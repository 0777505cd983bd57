"""The mesh scripts/soak runs: its processes and the config it writes (standard library only).

One control plane (CA with short certificates, a watched config directory), `echo` (a JVM server,
mesh-servers-app's JDK HttpServer, meshed by the agent), `legacy` (soakbackend.py, Python, behind
mesh-proxy) and `client` (mesh-client-app, meshed by the agent), all on 127.0.0.1 with free
ports. A mesh-wide PeerAuthentication STRICT makes every hop mutual TLS; each service has a
VirtualService that sets the request header x-soak-generation, so every answer names the config
generation that routed it.
"""
import os
import re
import subprocess
import time
import urllib.request

from ports import listen_port

OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))
JVM_FLAGS = ["-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Xss512k",
             # A fixed heap, touched at start: RSS then moves only with what lives outside the
             # heap (metaspace, code, thread stacks, direct buffers, malloc), and the heap itself
             # is watched through its live set instead.
             "-Xms128m", "-Xmx128m", "-XX:+AlwaysPreTouch"]
GENERATION_HEADER = "x-soak-generation"
SERVICES = ("echo", "legacy")


class SoakError(Exception):
    """The soak could not be set up or run; the message says what and where."""


class Process:
    """One started process, its log file, and (for a workload) its admin endpoint."""

    def __init__(self, name, popen, log, jvm):
        self.name, self.popen, self.log, self.jvm = name, popen, log, jvm
        self.admin = None

    @property
    def pid(self):
        return self.popen.pid

    def log_text(self):
        with open(self.log, errors="replace") as f:
            return f.read()

    def tail(self, lines=15):
        return "\n".join(self.log_text().splitlines()[-lines:])

    def await_line(self, pattern, seconds):
        deadline = time.time() + seconds
        regex = re.compile(pattern)
        while time.time() < deadline:
            m = regex.search(self.log_text())
            if m:
                return m
            if self.popen.poll() is not None:
                raise SoakError("%s exited (%d) before printing /%s/; its log %s ends:\n%s"
                                % (self.name, self.popen.returncode, pattern, self.log,
                                   self.tail()))
            time.sleep(0.1)
        raise SoakError("%s did not print /%s/ in %d s; its log %s ends:\n%s"
                        % (self.name, pattern, seconds, self.log, self.tail()))

    def await_ready(self, seconds):
        """Waits for the agent's or proxy's admin endpoint to answer /ready with 200."""
        self.admin = self.await_line(r"\[jmesh\] admin (http://\S+)", seconds).group(1)
        if not self.admin.endswith("/"):
            self.admin += "/"
        deadline = time.time() + seconds
        while time.time() < deadline:
            try:
                with OPENER.open(self.admin + "ready", timeout=5) as r:
                    if r.status == 200:
                        return
            except OSError:
                pass
            if self.popen.poll() is not None:
                raise SoakError("%s exited; its log %s ends:\n%s" % (self.name, self.log,
                                                                     self.tail()))
            time.sleep(0.2)
        raise SoakError("%s: %sready did not answer 200 in %d s" % (self.name, self.admin, seconds))

    def metrics(self):
        """name -> value of the unlabelled samples (and the first of each labelled one)."""
        with OPENER.open(self.admin + "stats/prometheus", timeout=10) as r:
            text = r.read().decode("utf-8", "replace")
        values = {}
        for line in text.splitlines():
            if line.startswith("#") or not line.strip():
                continue
            name = re.split(r"[{\s]", line, 1)[0]
            try:
                values.setdefault(name, float(line.rsplit(None, 1)[1]))
            except ValueError:
                pass
        return values

    def stop(self, seconds=10):
        if self.popen.poll() is None:
            self.popen.terminate()
            try:
                self.popen.wait(seconds)
            except subprocess.TimeoutExpired:
                self.popen.kill()
                self.popen.wait(5)


class Mesh:
    """Starts and stops the soak's processes; root is the repository, work the run's directory."""

    def __init__(self, root, work, cert_ttl_seconds):
        self.root, self.work = root, work
        self.cert_ttl_seconds = cert_ttl_seconds
        self.config_dir = os.path.join(work, "config")
        self.ca_dir = os.path.join(work, "ca")
        self.logs = os.path.join(work, "logs")
        for d in (self.config_dir, self.logs):
            os.makedirs(d, exist_ok=True)
        self.secure_port, self.http_port = listen_port(), listen_port()
        self.echo_port, self.legacy_port, self.backend_port = listen_port(), listen_port(), listen_port()
        self.processes = {}
        self.jars = {
            "control-plane": os.path.join(root, "control-plane/target/control-plane.jar"),
            "mesh": os.path.join(root, "agent/target/mesh.jar"),
            "proxy": os.path.join(root, "proxy/target/mesh-proxy.jar"),
            "servers": os.path.join(root, "test-apps/mesh-servers-app/target/mesh-servers-app.jar"),
            "client": os.path.join(root, "test-apps/mesh-client-app/target/mesh-client-app.jar"),
        }

    def missing_jars(self):
        return [j for j in self.jars.values() if not os.path.isfile(j)]

    # --- processes ---

    def _start(self, name, argv, env=None, jvm=True, stdin=None):
        log = os.path.join(self.logs, name + ".log")
        full_env = dict(os.environ)
        full_env.pop("JAVA_TOOL_OPTIONS", None)
        full_env.update(env or {})
        with open(log, "w") as out:
            popen = subprocess.Popen(argv, env=full_env, stdout=out, stderr=subprocess.STDOUT,
                                     stdin=stdin if stdin is not None else subprocess.DEVNULL,
                                     cwd=self.work)
        process = Process(name, popen, log, jvm)
        self.processes[name] = process
        return process

    def _java(self, name, jar, args, env=None, agent=False, stdin=None):
        env = dict(env or {})
        if agent:
            env["JAVA_TOOL_OPTIONS"] = "-javaagent:" + self.jars["mesh"]
        argv = ["java"] + JVM_FLAGS + ["-jar", jar] + list(args)
        return self._start(name, argv, env, stdin=stdin)

    def start_control_plane(self):
        cp = self._java("control-plane", self.jars["control-plane"], [
            "--config-dir", self.config_dir, "--ca-dir", self.ca_dir, "--bind", "127.0.0.1",
            "--xds-port", "off", "--secure-port", str(self.secure_port),
            "--http-port", str(self.http_port), "--max-cert-ttl", "%ds" % self.cert_ttl_seconds])
        cp.await_line(r"CA \(TLS\) on 127\.0\.0\.1:%d" % self.secure_port, 120)
        return cp

    def tokens(self, service_accounts):
        """Join tokens, made by the control plane's CLI, in parallel."""
        making = {}
        for sa in service_accounts:
            making[sa] = subprocess.Popen(
                ["java", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-jar",
                 self.jars["control-plane"], "token", "create", "--namespace", "default",
                 "--service-account", sa, "--ttl", "24h", "--ca-dir", self.ca_dir],
                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                env={k: v for k, v in os.environ.items() if k != "JAVA_TOOL_OPTIONS"})
        files = {}
        for sa, p in making.items():
            out, err = p.communicate(timeout=180)
            if p.returncode != 0:
                raise SoakError("token create --service-account %s failed: %s" % (sa, err.strip()))
            path = os.path.join(self.work, sa + ".token")
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "w") as f:
                f.write(out.strip())
            files[sa] = path
        return files

    def _mesh_env(self, service, token, ports=None):
        env = {"MESH_SERVICE": service, "MESH_LABELS": "app=%s,version=v1" % service,
               "MESH_CONTROL_PLANE": "127.0.0.1:%d" % self.secure_port, "MESH_TOKEN_FILE": token,
               "MESH_WORKLOAD_ADDRESS": "127.0.0.1", "MESH_ADMIN_PORT": "0",
               "MESH_METRICS_PORT": "0", "MESH_FIRST_CONFIG_TIMEOUT": "60s"}
        if ports:
            env["MESH_SERVICE_PORTS"] = ports
        return env

    def start_workloads(self, tokens):
        """echo (agent), legacy (Python behind mesh-proxy) and client (agent); returns the client,
        whose standard input is the pipe the traffic is driven through."""
        self._start("legacy-app", ["python3", os.path.join(self.root, "scripts/lib/soakbackend.py"),
                                   "127.0.0.1", str(self.backend_port)], jvm=False)
        self._java("legacy", self.jars["proxy"], [
            "--service", "legacy", "--control-plane", "127.0.0.1:%d" % self.secure_port,
            "--token-file", tokens["legacy"], "--labels", "app=legacy,version=v1",
            "--inbound", "%d=127.0.0.1:%d" % (self.legacy_port, self.backend_port),
            "--service-ports", "http:%d" % self.legacy_port, "--workload-address", "127.0.0.1",
            "--admin-port", "0", "--metrics-port", "0", "--http-proxy", "off"],
            env={"MESH_JOURNAL": "off"})
        self._java("echo", self.jars["servers"], ["jdk", "127.0.0.1", str(self.echo_port)],
                   env=self._mesh_env("echo", tokens["echo"], "http:%d" % self.echo_port),
                   agent=True)
        client = self._java("client", self.jars["client"], [],
                            env=self._mesh_env("client", tokens["client"]), agent=True,
                            stdin=subprocess.PIPE)
        self.processes["legacy-app"].await_line(r"READY kind=python", 60)
        for name in ("legacy", "echo", "client"):
            self.processes[name].await_ready(180)
        self.processes["echo"].await_line(r"READY kind=jdk", 120)
        if "bound before the engine started" in self.processes["echo"].log_text():
            raise SoakError("echo bound its port before its agent's engine started, so it is served"
                            " outside the mesh (the machine is too busy for"
                            " MESH_FIRST_CONFIG_TIMEOUT=60s); rerun when it is quieter. Its log: "
                            + self.processes["echo"].log)
        return client

    def workloads(self):
        return [self.processes[n] for n in ("echo", "legacy", "client")]

    def stop(self):
        """SIGTERM to all at once (the traffic has ended, nothing is in flight), the client first;
        then waits for each (agents drain for up to 5 s) and kills what is left after 10 s."""
        order = [self.processes[n] for n in ("client", "echo", "legacy", "legacy-app",
                                             "control-plane") if n in self.processes]
        for p in order:
            if p.popen.poll() is None:
                p.popen.terminate()
        for p in order:
            p.stop()

    # --- config ---

    def write_config(self, name, yaml):
        """Writes one file of the watched directory atomically (a rename), as kubectl apply would
        replace one resource."""
        tmp = os.path.join(self.work, name + ".tmp")
        with open(tmp, "w") as f:
            f.write(yaml)
        os.replace(tmp, os.path.join(self.config_dir, name + ".yaml"))

    def write_strict(self):
        self.write_config("peer-authentication", STRICT)

    def write_generation(self, generation):
        """One change: both services' VirtualServices set x-soak-generation to the new number."""
        self.write_config("virtual-services", "---\n".join(
            ROUTE % {"service": s, "header": GENERATION_HEADER, "generation": generation}
            for s in SERVICES))


STRICT = """\
apiVersion: security.istio.io/v1
kind: PeerAuthentication
metadata: {name: default, namespace: istio-system}
spec:
  mtls: {mode: STRICT}
"""

ROUTE = """\
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: %(service)s, namespace: default}
spec:
  hosts: [%(service)s]
  http:
  - headers:
      request:
        set: {%(header)s: "%(generation)d"}
    route:
    - destination: {host: %(service)s}
"""
