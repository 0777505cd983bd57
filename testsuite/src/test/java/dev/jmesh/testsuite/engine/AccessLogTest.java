package dev.jmesh.testsuite.engine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jmesh.testing.ForkedJvms;
import dev.jmesh.testing.FreePorts;
import dev.jmesh.testing.MeshedJvm;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Istio's access log end to end: the real control plane turns it on from {@code mesh.yaml} and the
 * Telemetry API, and a request from a meshed client to a meshed server prints one line on each side
 * — the client's outbound (its HttpURLConnection's direct path, or the outbound engine when a route
 * rewrites) and the server's inbound (the engine in front of the JDK's HttpServer) — on each JVM's
 * standard output.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class AccessLogTest {

  private static final Duration LINE = Duration.ofSeconds(20);
  private static final String SERVICE = "al-server";

  @RegisterExtension static final ForkedJvms jvms = new ForkedJvms();

  private final AtomicInteger requests = new AtomicInteger();
  private Path work;
  private MeshControlPlane controlPlane;
  private ClientDriver client;
  private MeshedJvm server;
  private int port;

  @BeforeAll
  void startMesh() throws Exception {
    work = Files.createTempDirectory("jmesh-access-log");
    controlPlane = MeshControlPlane.start(jvms, work);
    controlPlane.apply("mesh", "accessLogFile: /dev/stdout\n");
    port = FreePorts.loopback();
    server =
        jvms.start(
            MeshedJvm.java(SERVICE)
                .testApp("mesh-servers-app")
                .args("jdk", "127.0.0.1", Integer.toString(port))
                .withAgent()
                .env("MESH_CONTROL_PLANE", controlPlane.address())
                .env("MESH_TOKEN_FILE", controlPlane.token("default", SERVICE).toString())
                .env("MESH_LABELS", "app=" + SERVICE + ",version=v1")
                .env("MESH_SERVICE_PORTS", "http:" + port));
    // One JVM starting at a time: on a loaded machine two agents starting together may miss the
    // engine's start-up window and serve unmeshed.
    server.awaitOutput("READY kind=\\w+ port=\\d+", MeshControlPlane.STARTUP);
    client =
        new ClientDriver(
            jvms.start(
                MeshedJvm.java("al-client")
                    .testApp("mesh-client-app")
                    .withAgent()
                    .env("MESH_CONTROL_PLANE", controlPlane.address())
                    .env("MESH_TOKEN_FILE", controlPlane.token("default", "al-client").toString())
                    .env("MESH_LABELS", "app=al-client,version=v1")));
    client.jvm().awaitOutput("READY client", MeshControlPlane.STARTUP);
    AbstractMeshedServerTest.await()
        .atMost(Duration.ofSeconds(120))
        .until(() -> get("/warm-up").status() == 200);
  }

  @AfterEach
  void defaultConfig() throws Exception {
    controlPlane.apply("mesh", "accessLogFile: /dev/stdout\n");
    controlPlane.delete("telemetry");
    controlPlane.delete("rewrite");
  }

  @AfterAll
  void removeWork() throws Exception {
    if (work != null) {
      try (Stream<Path> files = Files.walk(work)) {
        files.sorted(Comparator.reverseOrder()).map(Path::toFile).forEach(File::delete);
      }
    }
  }

  private ClientDriver.Result get(String path) {
    return client.run("http GET http://" + SERVICE + ":" + port + path);
  }

  /** A path no other request used. */
  private String freshPath(String name) {
    return "/alog/" + name + "-" + requests.incrementAndGet();
  }

  /**
   * Sends requests to fresh paths until {@code jvm} prints a line {@code matching} one of them:
   * config changes reach the data path a moment after the file is written.
   */
  private Matcher untilLogged(String name, MeshedJvm jvm, String lineRegexWithPath) {
    Matcher[] found = new Matcher[1];
    AbstractMeshedServerTest.await()
        .atMost(Duration.ofSeconds(60))
        .until(
            () -> {
              String path = freshPath(name);
              assertThat(get(path).status()).isEqualTo(200);
              Pattern p = Pattern.compile(lineRegexWithPath.replace("PATH", Pattern.quote(path)));
              for (int i = 0; i < 20; i++) {
                for (String line : jvm.linesMatching(Pattern.quote(path))) {
                  Matcher m = p.matcher(line);
                  if (m.find()) {
                    found[0] = m;
                    return true;
                  }
                }
                Thread.sleep(100);
              }
              return false;
            });
    return found[0];
  }

  /** The access log lines (not the client's RESULT lines) of {@code jvm} for {@code path}. */
  private static List<String> logLines(MeshedJvm jvm, String path) {
    return jvm.linesMatching("(\"GET |\"path\":\"|^GOOD |^BAD )" + Pattern.quote(path) + "[ \"]");
  }

  /**
   * Sends requests to fresh paths until the client prints a line matching {@code clientRegex} and
   * the server one matching {@code serverRegex} for the same one ({@code PATH} in each regex stands
   * for it): both sides must have the config in force.
   */
  private Matcher[] untilBothLogged(String name, String clientRegex, String serverRegex) {
    Matcher[] found = new Matcher[2];
    AbstractMeshedServerTest.await()
        .atMost(Duration.ofSeconds(60))
        .until(
            () -> {
              String path = freshPath(name);
              assertThat(get(path).status()).isEqualTo(200);
              Pattern c = Pattern.compile(clientRegex.replace("PATH", Pattern.quote(path)));
              Pattern s = Pattern.compile(serverRegex.replace("PATH", Pattern.quote(path)));
              for (int i = 0; i < 20; i++) {
                found[0] = first(c, logLines(client.jvm(), path));
                found[1] = first(s, logLines(server, path));
                if (found[0] != null && found[1] != null) {
                  return true;
                }
                Thread.sleep(100);
              }
              return false;
            });
    return found;
  }

  private static Matcher first(Pattern p, List<String> lines) {
    for (String line : lines) {
      Matcher m = p.matcher(line);
      if (m.find()) {
        return m;
      }
    }
    return null;
  }

  /** Waits until both sides log in the default text format (an earlier test changed it). */
  private void awaitDefaultFormat() {
    untilBothLogged("ready", "^\\[\\S+\\] \"GET PATH ", "^\\[\\S+\\] \"GET PATH HTTP/1\\.1\" 200 ");
  }

  @Test
  void oneLineOnEachSideInIstiosDefaultFormat() {
    String cluster =
        "outbound\\|" + port + "\\|\\|" + SERVICE + "\\.default\\.svc\\.cluster\\.local";
    Matcher[] lines =
        untilBothLogged(
            "text",
            "^\\[(\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z)\\] \"GET PATH"
                + " (\\S+)\" 200 - via_upstream - \"-\" 0 (\\d+) (\\d+) (\\d+) \"-\" \"([^\"]+)\""
                + " \"([0-9a-f-]{36})\" \""
                + SERVICE
                + ":"
                + port
                + "\" \"127\\.0\\.0\\.1:"
                + port
                + "\" "
                + cluster
                + " - - - - (\\S+)$",
            "^\\[\\S+\\] \"GET PATH HTTP/1\\.1\" 200 - via_upstream - \"-\" 0 (\\d+) (\\d+) (\\d+)"
                + " \"-\" \"([^\"]+)\" \"([0-9a-f-]{36})\" \""
                + SERVICE
                + ":"
                + port
                + "\" \"127\\.0\\.0\\.1:\\d+\" inbound\\|"
                + port
                + "\\|\\| 127\\.0\\.0\\.1:\\d+ 127\\.0\\.0\\.1:"
                + port
                + " 127\\.0\\.0\\.1:\\d+ (\\S+) -$");
    Matcher out = lines[0];
    Matcher in = lines[1];
    assertThat(in.group(5)).as("the same request id on both sides").isEqualTo(out.group(7));
    assertThat(in.group(4)).as("the server saw the JDK's User-Agent").startsWith("Java/");
    // The direct path sees the headers the application set; HttpURLConnection adds its
    // User-Agent only when it writes the request, so the client does not know it.
    assertThat(out.group(6)).as("the client's User-Agent").isIn(in.group(4), "-");
    String path = out.group(0).substring(out.group(0).indexOf("\"GET ") + 5);
    path = path.substring(0, path.indexOf(' '));
    assertThat(logLines(client.jvm(), path)).as("one line on the client").hasSize(1);
    assertThat(logLines(server, path)).as("one line on the server").hasSize(1);
  }

  /**
   * A route that rewrites the path leaves the request to the outbound engine, which logs the path
   * the application sent ({@code X-ENVOY-ORIGINAL-PATH?:PATH}); the server logs the rewritten one.
   */
  @Test
  void theOutboundEngineLogsThePathAsSentAndTheServerTheRewrittenOne() throws Exception {
    awaitDefaultFormat();
    controlPlane.apply(
        "rewrite",
        String.join(
            "\n",
            "apiVersion: networking.istio.io/v1",
            "kind: VirtualService",
            "metadata: {name: al-rewrite, namespace: default}",
            "spec:",
            "  hosts: [" + SERVICE + "]",
            "  http:",
            "  - name: rewritten",
            "    match: [{uri: {prefix: /alog/engine}}]",
            "    rewrite: {uri: /rewritten/engine}",
            "    route: [{destination: {host: " + SERVICE + "}}]",
            "  - route: [{destination: {host: " + SERVICE + "}}]",
            ""));
    Matcher out =
        untilLogged(
            "engine",
            client.jvm(),
            "\"GET PATH HTTP/1\\.1\" 200 - via_upstream .* \"([0-9a-f-]{36})\" \""
                + SERVICE
                + ":"
                + port
                + "\" .* 127\\.0\\.0\\.1:\\d+ 127\\.0\\.0\\.1:\\d+ 127\\.0\\.0\\.1:\\d+ -"
                + " rewritten$");
    String id = out.group(1);
    String suffix = out.group(0).substring(out.group(0).indexOf("/alog/engine") + 12);
    suffix = suffix.substring(0, suffix.indexOf(' '));
    server.awaitOutput(
        "\"GET /rewritten/engine" + Pattern.quote(suffix) + " HTTP/1\\.1\" 200 .*\"" + id + "\"",
        LINE);
  }

  @Test
  void jsonEncodingPrintsIstiosKeysAsJson() throws Exception {
    controlPlane.apply("mesh", "accessLogFile: /dev/stdout\naccessLogEncoding: JSON\n");
    Matcher[] lines =
        untilBothLogged("json", "^\\{.*\"path\":\"PATH\".*\\}$", "^\\{.*\"path\":\"PATH\".*\\}$");
    Map<String, Object> json = FlatJson.parse(lines[1].group(0));
    assertThat(json)
        .containsOnlyKeys(
            "start_time",
            "route_name",
            "method",
            "path",
            "protocol",
            "response_code",
            "response_flags",
            "response_code_details",
            "connection_termination_details",
            "bytes_received",
            "bytes_sent",
            "duration",
            "upstream_service_time",
            "x_forwarded_for",
            "user_agent",
            "request_id",
            "authority",
            "upstream_host",
            "upstream_cluster",
            "upstream_local_address",
            "downstream_local_address",
            "downstream_remote_address",
            "requested_server_name",
            "upstream_transport_failure_reason");
    assertThat(json.get("method")).isEqualTo("GET");
    assertThat(json.get("protocol")).isEqualTo("HTTP/1.1");
    assertThat(json.get("response_code")).isEqualTo(200L);
    assertThat(json.get("response_flags")).isEqualTo("-");
    assertThat(json.get("upstream_cluster")).isEqualTo("inbound|" + port + "||");
    assertThat(json.get("authority")).isEqualTo(SERVICE + ":" + port);
    Map<String, Object> out = FlatJson.parse(lines[0].group(0));
    assertThat(out.get("request_id")).isEqualTo(json.get("request_id"));
    assertThat(out.get("upstream_cluster"))
        .isEqualTo("outbound|" + port + "||" + SERVICE + ".default.svc.cluster.local");
  }

  @Test
  void disabledForOneWorkloadStopsOnlyItsLines() throws Exception {
    awaitDefaultFormat();
    controlPlane.apply(
        "telemetry",
        String.join(
            "\n",
            "apiVersion: telemetry.istio.io/v1",
            "kind: Telemetry",
            "metadata: {name: quiet-client, namespace: default}",
            "spec:",
            "  selector: {matchLabels: {app: al-client}}",
            "  accessLogging: [{disabled: true}]",
            ""));
    // Wait until a request the server logs is one the client no longer logs.
    AbstractMeshedServerTest.await()
        .atMost(Duration.ofSeconds(60))
        .until(
            () -> {
              String path = freshPath("quiet");
              assertThat(get(path).status()).isEqualTo(200);
              server.awaitOutput(Pattern.quote(path) + " HTTP/1\\.1\" 200", LINE);
              Thread.sleep(500);
              return logLines(client.jvm(), path).isEmpty();
            });
    List<String> quiet = new java.util.ArrayList<>();
    for (int i = 0; i < 3; i++) {
      String path = freshPath("quiet");
      quiet.add(path);
      assertThat(get(path).status()).isEqualTo(200);
      server.awaitOutput(Pattern.quote(path) + " HTTP/1\\.1\" 200", LINE);
    }
    Thread.sleep(1000);
    for (String path : quiet) {
      assertThat(logLines(client.jvm(), path)).as(path).isEmpty();
    }
  }

  @Test
  void aBadFormatIsNackedAndTheLastGoodFormatKeepsLogging() throws Exception {
    controlPlane.apply(
        "mesh",
        "accessLogFile: /dev/stdout\naccessLogFormat: 'GOOD %REQ(:PATH)% %RESPONSE_CODE%'\n");
    untilBothLogged("good", "^GOOD PATH 200$", "^GOOD PATH 200$");

    controlPlane.apply(
        "mesh",
        "accessLogFile: /dev/stdout\naccessLogFormat: 'BAD %REQ(:PATH)% %NOT_AN_OPERATOR%'\n");
    Pattern rejected =
        Pattern.compile(
            "\"lastRejection\": \"(LDS resource '[^']+': [^\"]*NOT_AN_OPERATOR[^\"]*)\"");
    Matcher[] rejection = new Matcher[1];
    AbstractMeshedServerTest.await()
        .atMost(Duration.ofSeconds(30))
        .until(
            () -> {
              rejection[0] = rejected.matcher(client.jvm().httpGet("config_dump").body());
              return rejection[0].find();
            });
    assertThat(rejection[0].group(1))
        .contains("access_log[0]")
        .contains("operator %NOT_AN_OPERATOR% is not supported");

    String path = freshPath("after-nack");
    assertThat(get(path).status()).isEqualTo(200);
    client.jvm().awaitOutput("^GOOD " + Pattern.quote(path) + " 200$", LINE);
    server.awaitOutput("^GOOD " + Pattern.quote(path) + " 200$", LINE);
    assertThat(client.jvm().linesMatching("^BAD ")).isEmpty();
  }

  /** A strict reader of one flat JSON object (string, number, null, boolean values). */
  static final class FlatJson {
    private final String s;
    private int i;

    private FlatJson(String s) {
      this.s = s;
    }

    static Map<String, Object> parse(String text) {
      FlatJson p = new FlatJson(text.trim());
      Map<String, Object> out = new java.util.LinkedHashMap<>();
      p.expect('{');
      if (p.peek() != '}') {
        do {
          String key = p.string();
          p.expect(':');
          if (out.put(key, p.value()) != null) {
            throw new IllegalArgumentException("duplicate key " + key);
          }
        } while (p.next(','));
      }
      p.expect('}');
      if (p.i != p.s.length()) {
        throw new IllegalArgumentException("text after the object at " + p.i + ": " + text);
      }
      return out;
    }

    private char peek() {
      return s.charAt(i);
    }

    private boolean next(char c) {
      if (i < s.length() && s.charAt(i) == c) {
        i++;
        return true;
      }
      return false;
    }

    private void expect(char c) {
      if (!next(c)) {
        throw new IllegalArgumentException("expected '" + c + "' at " + i + ": " + s);
      }
    }

    private Object value() {
      char c = peek();
      if (c == '"') {
        return string();
      }
      for (String literal : List.of("null", "true", "false")) {
        if (s.startsWith(literal, i)) {
          i += literal.length();
          return literal.equals("null") ? null : Boolean.valueOf(literal);
        }
      }
      int start = i;
      while (i < s.length()
          && (Character.isDigit(s.charAt(i)) || "-.eE+".indexOf(s.charAt(i)) >= 0)) {
        i++;
      }
      if (start == i) {
        throw new IllegalArgumentException("no value at " + i + ": " + s);
      }
      String n = s.substring(start, i);
      return n.matches("-?\\d+") ? (Object) Long.parseLong(n) : (Object) Double.parseDouble(n);
    }

    private String string() {
      expect('"');
      StringBuilder out = new StringBuilder();
      while (true) {
        char c = s.charAt(i++);
        if (c == '"') {
          return out.toString();
        }
        if (c == '\\') {
          char e = s.charAt(i++);
          switch (e) {
            case 'n' -> out.append('\n');
            case 't' -> out.append('\t');
            case 'r' -> out.append('\r');
            case 'u' -> {
              out.append((char) Integer.parseInt(s.substring(i, i + 4), 16));
              i += 4;
            }
            default -> out.append(e);
          }
        } else if (c < 0x20) {
          throw new IllegalArgumentException("control character in a string at " + i);
        } else {
          out.append(c);
        }
      }
    }
  }
}
