package dev.jmesh.testsuite.bench;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jmesh.testsuite.RepoScript;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The like-for-like baseline of {@code scripts/bench/proxy-ab --haproxy-log}: {@code
 * scripts/bench/proxy}'s {@code haproxy(..., access_log=FILE)} runs Debian's haproxy with its HTTP
 * log of every request appended to the file, and without it logs nothing; and {@code benchlib}'s
 * reader of Prometheus counters, with which proxy-ab reads each mesh-proxy's journal counts. A
 * Python driver written here calls the scripts' own functions against a real nginx upstream.
 */
class HaproxyAccessLogTest {

  private static final String DRIVER =
      String.join(
          "\n",
          "import importlib.machinery, importlib.util, os, sys, urllib.request",
          "sys.path.insert(0, os.path.join(os.getcwd(), 'scripts', 'bench'))",
          "loader = importlib.machinery.SourceFileLoader(",
          "    'bench_proxy', os.path.join(os.getcwd(), 'scripts', 'bench', 'proxy'))",
          "bench = importlib.util.module_from_spec(",
          "    importlib.util.spec_from_loader('bench_proxy', loader))",
          "loader.exec_module(bench)",
          "import benchlib",
          "work = sys.argv[1]",
          "app = bench.free_port()",
          "running = [bench.nginx(work, 'upstream', None, 'server { listen 127.0.0.1:%d; '",
          "                       'location / { return 200 \"hello\\\\n\"; } }' % app)]",
          "try:",
          "    bench.wait_port(app)",
          "    for name, log in (('logged', os.path.join(work, 'access.log')), ('plain', None)):",
          "        port = bench.free_port()",
          "        running.append(bench.haproxy(work, name, None, 'bind 127.0.0.1:%d' % port,",
          "                                     'server s 127.0.0.1:%d' % app, access_log=log))",
          "        bench.wait_port(port)",
          "        for i in range(3):",
          "            with urllib.request.urlopen('http://127.0.0.1:%d/r%d' % (port, i)) as r:",
          "                assert r.read() == b'hello\\n'",
          "finally:",
          "    for p in reversed(running):",
          "        p.stop()",
          "text = ('jmesh_journal_records_total{result=\"appended\"} 3534590\\n'",
          "        'jmesh_journal_records_total{result=\"dropped\"} 0\\n'",
          "        'jmesh_agent_requests_total{library=\"okhttp\",path=\"direct\"} 12.0\\n')",
          "print('COUNTERS', sorted((l['result'], v) for l, v in",
          "      benchlib.metric_counts(text, 'jmesh_journal_records_total')))",
          "");

  @TempDir Path dir;

  @Test
  void aLoggingHaproxyWritesALinePerRequestAndAPlainOneNone() throws Exception {
    Path driver = dir.resolve("driver.py");
    Files.writeString(driver, DRIVER);
    Path work = Files.createDirectories(dir.resolve("work"));

    RepoScript.Run run =
        RepoScript.run(
            Duration.ofSeconds(60), dir.resolve("run.log"), driver.toString(), work.toString());

    assertThat(run.finished()).as(run.log()).isTrue();
    assertThat(run.exitCode()).as(run.log()).isZero();
    // The script's readiness probe (a connect without a request) is logged too, as <BADREQ>.
    List<String> lines =
        Files.readAllLines(work.resolve("access.log")).stream()
            .filter(line -> !line.endsWith("\"<BADREQ>\""))
            .toList();
    assertThat(lines).as("the logged haproxy's access log").hasSize(3);
    for (int i = 0; i < 3; i++) {
      // httplog's line: the backend and server, the status, the request line.
      assertThat(lines.get(i)).contains("app/s ", " 200 ", "\"GET /r" + i + " HTTP/1.1\"");
    }
    assertThat(Files.readString(work.resolve("plain.cfg"))).doesNotContain("log");
    assertThat(run.log())
        .contains("COUNTERS [('appended', 3534590.0), ('dropped', 0.0)]")
        .doesNotContain("okhttp");
  }
}
