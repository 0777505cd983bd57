package dev.jmesh.testing;

import dev.jmesh.testing.internal.OutputLog;
import dev.jmesh.testing.internal.ProcessTree;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.ProxySelector;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.DoublePredicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * A JVM forked for a test, with or without {@code mesh.jar}, whose output is captured in memory.
 *
 * <pre>{@code
 * MeshedJvm app = jvms.start(MeshedJvm.java("socket-app").testApp("socket-app").withAgent());
 * app.awaitOutput("READY blocking=(\\d+)", Duration.ofSeconds(20));
 * app.awaitReady(Duration.ofSeconds(20));
 * double binds = app.metric("jmesh_agent_binds_total", "port", "8080");
 * }</pre>
 *
 * <p>With the agent the JVM gets {@code MESH_SERVICE=<name>}, {@code MESH_ADMIN_PORT=0}, {@code
 * MESH_METRICS_PORT=0} and {@code MESH_WORKLOAD_ADDRESS=127.0.0.1} unless the test sets them, so
 * tests only ever use ephemeral loopback ports. {@code MESH_*}, {@code JAVA_TOOL_OPTIONS}, {@code
 * JDK_JAVA_OPTIONS} and {@code _JAVA_OPTIONS} are never inherited from the test's environment.
 */
public final class MeshedJvm implements AutoCloseable {

  /** JVM flags every forked {@code java} gets: start fast, stay small on 2 shared cores. */
  public static final List<String> STANDARD_FLAGS =
      List.of("-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Xshare:auto");

  private static final Duration ADMIN_LINE_TIMEOUT = Duration.ofSeconds(30);
  private static final Pattern ADMIN_LINE = Pattern.compile("\\[jmesh\\] admin (http://\\S+)");
  /** What an agent that will never serve an admin endpoint says instead. */
  private static final Pattern ADMIN_OR_GIVING_UP =
      Pattern.compile("\\[jmesh\\] (admin (http://\\S+)|inactive.*|ERROR.*)");
  private static final Duration ADMIN_AFTER_ERROR = Duration.ofSeconds(2);
  private static final Pattern METRICS_LINE =
      Pattern.compile("\\[jmesh\\] metrics (http://\\S+)");
  private static final Set<MeshedJvm> LIVE = ConcurrentHashMap.newKeySet();
  private static final HttpClient HTTP =
      HttpClient.newBuilder()
          .proxy(ProxySelector.of(null))
          .connectTimeout(Duration.ofSeconds(2))
          .build();

  static {
    // Surefire's JVM may die without running afterAll; forked JVMs must not outlive it.
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> LIVE.forEach(jvm -> ProcessTree.destroy(jvm.tree(), Duration.ZERO)),
                "meshed-jvm-reaper"));
  }

  private final String name;
  private final Process process;
  private final OutputLog output;
  private final List<String> command;
  private volatile URI adminUri;
  private final Set<ProcessHandle> seenTree = ConcurrentHashMap.newKeySet();

  private MeshedJvm(String name, Process process, OutputLog output, List<String> command) {
    this.name = name;
    this.process = process;
    this.output = output;
    this.command = command;
  }

  /** A builder for {@code bin/java}; {@code name} prefixes the echoed output. */
  public static Builder java(String name) {
    return new Builder(name, "java");
  }

  /** A builder for another JDK launcher ({@code javac}, {@code jar}...), given only arguments. */
  public static Builder tool(String name, String tool) {
    return new Builder(name, tool);
  }

  public String name() {
    return name;
  }

  public long pid() {
    return process.pid();
  }

  public List<String> command() {
    return command;
  }

  public boolean isAlive() {
    return process.isAlive();
  }

  /** Waits for a line on stdout or stderr in which {@code regex} is found; fails otherwise. */
  public Matcher awaitOutput(String regex, Duration timeout) {
    return awaitOutput(Pattern.compile(regex), timeout);
  }

  public Matcher awaitOutput(Pattern pattern, Duration timeout) {
    Matcher matcher;
    try {
      matcher = output.await(pattern, timeout, () -> !process.isAlive());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(name + ": interrupted waiting for /" + pattern + "/", e);
    }
    if (matcher == null) {
      String why =
          process.isAlive()
              ? "did not print a line matching /" + pattern + "/ within " + seconds(timeout)
              : "exited with code " + process.exitValue() + " without printing a line matching /"
                  + pattern + "/";
      throw new AssertionError(name + " " + why + "; last output:\n" + output.tail(40));
    }
    return matcher;
  }

  /** The lines so far (both streams) in which {@code regex} is found. */
  public List<String> linesMatching(String regex) {
    Pattern pattern = Pattern.compile(regex);
    return output.lines().stream()
        .map(OutputLog.Line::text)
        .filter(line -> pattern.matcher(line).find())
        .toList();
  }

  /** Everything printed so far on both streams, in arrival order. */
  public String output() {
    return output.lines().stream().map(OutputLog.Line::text).collect(Collectors.joining("\n"));
  }

  public String stdout() {
    return streamText(false);
  }

  public String stderr() {
    return streamText(true);
  }

  private String streamText(boolean stderr) {
    return output.lines().stream()
        .filter(line -> line.stderr() == stderr)
        .map(OutputLog.Line::text)
        .collect(Collectors.joining("\n"));
  }

  /** Writes one line to the process's standard input. */
  public void send(String line) {
    try {
      OutputStream in = process.getOutputStream();
      in.write((line + "\n").getBytes(StandardCharsets.UTF_8));
      in.flush();
    } catch (IOException e) {
      throw new UncheckedIOException(name + ": cannot write to stdin", e);
    }
  }

  /** Closes the process's standard input (end of input for the test apps). */
  public void closeStdin() {
    try {
      process.getOutputStream().close();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * The admin endpoint from the agent's {@code [jmesh] admin http://...} line. Fails at once (after
   * a short grace) when the agent says it is inactive or reports an error instead.
   */
  public URI adminUri() {
    URI uri = adminUri;
    if (uri == null) {
      Matcher first = awaitOutput(ADMIN_OR_GIVING_UP, ADMIN_LINE_TIMEOUT);
      String printed = first.group(2);
      if (printed == null) {
        Matcher late = null;
        try {
          late = output.await(ADMIN_LINE, ADMIN_AFTER_ERROR, () -> !process.isAlive());
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
        if (late == null) {
          throw new AssertionError(
              name + ": no admin endpoint, the agent said: " + first.group()
                  + "\nlast output:\n" + output.tail(40));
        }
        printed = late.group(1);
      }
      uri = URI.create(printed.endsWith("/") ? printed : printed + "/");
      adminUri = uri;
    }
    return uri;
  }

  /** The scrape URL from the agent's {@code [jmesh] metrics http://...} line. */
  public URI metricsUri() {
    return URI.create(awaitOutput(METRICS_LINE, ADMIN_LINE_TIMEOUT).group(1));
  }

  /** Polls {@code GET /ready} until it answers 200; fails with the last answer otherwise. */
  public void awaitReady(Duration timeout) {
    URI admin = adminUri();
    long deadline = System.nanoTime() + timeout.toNanos();
    String last = "no answer";
    while (true) {
      if (!process.isAlive()) {
        throw new AssertionError(
            name + " exited with code " + process.exitValue() + " before /ready answered 200 ("
                + last + "); last output:\n" + output.tail(40));
      }
      try {
        HttpResult result = send(admin, "GET", "ready");
        if (result.status() == 200) {
          return;
        }
        last = result.status() + " " + result.body().strip();
      } catch (IOException e) {
        last = e.toString();
      }
      if (System.nanoTime() > deadline) {
        throw new AssertionError(
            name + ": " + admin + "ready did not answer 200 within " + seconds(timeout)
                + "; last answer: " + last + "; last output:\n" + output.tail(40));
      }
      sleep(Duration.ofMillis(100));
    }
  }

  /** {@code GET} on the admin endpoint; {@code path} is relative to it ({@code "ready"}). */
  public HttpResult httpGet(String path) {
    return request("GET", path);
  }

  /** {@code POST} with an empty body on the admin endpoint. */
  public HttpResult httpPost(String path) {
    return request("POST", path);
  }

  private HttpResult request(String method, String path) {
    try {
      return send(adminUri(), method, path);
    } catch (IOException e) {
      throw new AssertionError(name + ": " + method + " " + adminUri() + path + " failed: " + e, e);
    }
  }

  private static HttpResult send(URI admin, String method, String path) throws IOException {
    URI uri = admin.resolve(path.startsWith("/") ? path.substring(1) : path);
    HttpRequest request =
        HttpRequest.newBuilder(uri)
            .timeout(Duration.ofSeconds(5))
            .method(method, HttpRequest.BodyPublishers.noBody())
            .build();
    try {
      HttpResponse<String> response = HTTP.send(request, HttpResponse.BodyHandlers.ofString());
      return new HttpResult(response.statusCode(), response.body());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted", e);
    }
  }

  /** A fresh scrape of {@code /stats/prometheus}, held to the exposition format's rules. */
  public PrometheusText metrics() {
    HttpResult result = httpGet("stats/prometheus");
    if (result.status() != 200) {
      throw new AssertionError(
          name + ": /stats/prometheus answered " + result.status() + ": " + result.body());
    }
    return PrometheusText.parseStrict(result.body());
  }

  /**
   * The value of one sample, selected by name and a subset of its labels ({@code key, value}
   * pairs); fails, listing the metric's samples, if there is none.
   */
  public double metric(String name, String... labels) {
    return metrics().value(name, labels);
  }

  /** The value of one sample, if present. */
  public Optional<Double> findMetric(String name, String... labels) {
    return metrics().find(name, labels);
  }

  /**
   * Scrapes until a sample satisfies {@code condition} (counters are updated asynchronously) and
   * returns its value; fails with the last scrape's samples of that metric otherwise.
   */
  public double awaitMetric(
      String name, DoublePredicate condition, Duration timeout, String... labels) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      PrometheusText metrics = metrics();
      Optional<Double> value = metrics.find(name, labels);
      if (value.isPresent() && condition.test(value.get())) {
        return value.get();
      }
      if (System.nanoTime() > deadline) {
        throw new AssertionError(
            this.name + ": " + PrometheusText.describe(name, labels) + " is "
                + value.map(String::valueOf).orElse("absent") + " after " + seconds(timeout)
                + "; samples of " + name + ": " + metrics.samples(name));
      }
      sleep(Duration.ofMillis(100));
    }
  }

  /** Waits for the process to exit and returns its exit code; fails on timeout. */
  public int awaitExit(Duration timeout) {
    try {
      if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        throw new AssertionError(
            name + " still running after " + seconds(timeout) + "; last output:\n"
                + output.tail(40));
      }
      output.drain(Duration.ofSeconds(5));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(name + ": interrupted waiting for exit", e);
    }
    return process.exitValue();
  }

  /** Sends SIGTERM to the process tree without waiting; {@link #close()} finishes the job. */
  public void terminate() {
    ProcessTree.terminate(tree());
  }

  /** The process, its descendants now, and those seen before (they may have been re-parented). */
  private List<ProcessHandle> tree() {
    seenTree.addAll(ProcessTree.snapshot(process.toHandle()));
    return List.copyOf(seenTree);
  }

  /** Ends the process and its descendants (SIGTERM, then SIGKILL after 3 s). */
  @Override
  public void close() {
    try {
      if (!ProcessTree.destroy(tree(), Duration.ofSeconds(3))) {
        System.err.println("[harness] " + name + " (pid " + process.pid() + ") would not die");
      }
      output.drain(Duration.ofSeconds(2));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      LIVE.remove(this);
    }
  }

  @Override
  public String toString() {
    return name + " (pid " + process.pid() + ")";
  }

  private static String seconds(Duration duration) {
    return String.format("%.1f s", duration.toMillis() / 1000.0);
  }

  private static void sleep(Duration duration) {
    try {
      Thread.sleep(duration.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError("interrupted", e);
    }
  }

  /** Describes a JVM to fork. Nothing is started until {@link #start()}. */
  public static final class Builder {
    private static final List<String> NEVER_INHERITED =
        List.of("JAVA_TOOL_OPTIONS", "JDK_JAVA_OPTIONS", "_JAVA_OPTIONS");

    private final String name;
    private final String launcher;
    private Jdk jdk = Jdk.JDK17;
    private String mainClass;
    private List<Path> classpath = List.of();
    private Path jar;
    private final List<String> args = new ArrayList<>();
    private final List<String> jvmFlags = new ArrayList<>();
    private final Map<String, String> systemProperties = new LinkedHashMap<>();
    private final Map<String, String> env = new LinkedHashMap<>();
    private boolean agent;
    private boolean agentInJavaToolOptions;
    private final Map<String, String> agentArgs = new LinkedHashMap<>();
    private String javaToolOptions;
    private Path workingDirectory;
    private PrintStream echo = System.out;

    private Builder(String name, String launcher) {
      this.name = name;
      this.launcher = launcher;
    }

    public Builder jdk(Jdk jdk) {
      this.jdk = jdk;
      return this;
    }

    /** Runs {@code mainClass} from {@code classpath}. */
    public Builder mainClass(String mainClass, Path... classpath) {
      this.mainClass = mainClass;
      this.classpath = List.of(classpath);
      this.jar = null;
      return this;
    }

    /** Runs {@code java -jar jar}. */
    public Builder jar(Path jar) {
      this.jar = jar;
      this.mainClass = null;
      return this;
    }

    /** Runs the fat jar of {@code test-apps/<app>}. */
    public Builder testApp(String app) {
      return jar(MeshPaths.testAppJar(app));
    }

    /** Program arguments (for a tool: its arguments). */
    public Builder args(String... args) {
      this.args.addAll(List.of(args));
      return this;
    }

    /** Extra JVM flags after {@link #STANDARD_FLAGS}. */
    public Builder jvmFlags(String... flags) {
      this.jvmFlags.addAll(List.of(flags));
      return this;
    }

    public Builder systemProperty(String key, String value) {
      systemProperties.put(key, value);
      return this;
    }

    /** Sets an environment variable; {@code null} removes it (also a harness default). */
    public Builder env(String key, String value) {
      env.put(key, value);
      return this;
    }

    /** Attaches {@code mesh.jar} with {@code -javaagent} on the command line. */
    public Builder withAgent() {
      this.agent = true;
      return this;
    }

    /** Attaches {@code mesh.jar} through {@code JAVA_TOOL_OPTIONS}, as a build image would. */
    public Builder withAgentInJavaToolOptions() {
      this.agent = true;
      this.agentInJavaToolOptions = true;
      return this;
    }

    public Builder withoutAgent() {
      this.agent = false;
      this.agentInJavaToolOptions = false;
      return this;
    }

    /** An agent argument: {@code -javaagent:mesh.jar=key=value,...}. */
    public Builder agentArg(String key, String value) {
      agentArgs.put(key, value);
      return this;
    }

    /** Extra {@code JAVA_TOOL_OPTIONS} (after the agent, if it goes there). */
    public Builder javaToolOptions(String options) {
      this.javaToolOptions = options;
      return this;
    }

    public Builder workingDirectory(Path directory) {
      this.workingDirectory = directory;
      return this;
    }

    /** Where the output is echoed (default {@code System.out}). */
    public Builder echoTo(PrintStream echo) {
      this.echo = echo;
      return this;
    }

    /** Forks the JVM; returns at once, without waiting for it to start. */
    public MeshedJvm start() {
      List<String> command = command();
      ProcessBuilder builder = new ProcessBuilder(command);
      if (workingDirectory != null) {
        builder.directory(workingDirectory.toFile());
      }
      Map<String, String> environment = builder.environment();
      environment.keySet().removeIf(key -> key.startsWith("MESH_") || NEVER_INHERITED.contains(key));
      if (agent) {
        environment.put("MESH_SERVICE", name);
        environment.put("MESH_ADMIN_PORT", "0");
        environment.put("MESH_METRICS_PORT", "0");
        environment.put("MESH_WORKLOAD_ADDRESS", "127.0.0.1");
      }
      String toolOptions = javaToolOptions();
      if (toolOptions != null) {
        environment.put("JAVA_TOOL_OPTIONS", toolOptions);
      }
      env.forEach(
          (key, value) -> {
            if (value == null) {
              environment.remove(key);
            } else {
              environment.put(key, value);
            }
          });
      OutputLog output = new OutputLog(name, echo);
      Process process;
      try {
        process = builder.start();
      } catch (IOException e) {
        throw new UncheckedIOException("cannot start " + name + ": " + command, e);
      }
      output.capture(process.getInputStream(), false);
      output.capture(process.getErrorStream(), true);
      MeshedJvm jvm = new MeshedJvm(name, process, output, List.copyOf(command));
      LIVE.add(jvm);
      echo.println("[harness] started " + jvm + ": " + String.join(" ", command));
      return jvm;
    }

    private List<String> command() {
      List<String> command = new ArrayList<>();
      command.add(jdk.tool(launcher).toString());
      if (!launcher.equals("java")) {
        command.addAll(args);
        return command;
      }
      command.addAll(STANDARD_FLAGS);
      command.addAll(jvmFlags);
      if (agent && !agentInJavaToolOptions) {
        command.add(javaAgentOption());
      }
      systemProperties.forEach((key, value) -> command.add("-D" + key + "=" + value));
      if (jar != null) {
        command.add("-jar");
        command.add(jar.toString());
      } else if (mainClass != null) {
        if (!classpath.isEmpty()) {
          command.add("-cp");
          command.add(
              classpath.stream().map(Path::toString).collect(Collectors.joining(":")));
        }
        command.add(mainClass);
      } else {
        throw new IllegalStateException(name + ": neither a main class nor a jar to run");
      }
      command.addAll(args);
      return command;
    }

    private String javaToolOptions() {
      List<String> options = new ArrayList<>();
      if (agent && agentInJavaToolOptions) {
        options.add(javaAgentOption());
      }
      if (javaToolOptions != null) {
        options.add(javaToolOptions);
      }
      return options.isEmpty() ? null : String.join(" ", options);
    }

    private String javaAgentOption() {
      String option = "-javaagent:" + MeshPaths.agentJar();
      if (!agentArgs.isEmpty()) {
        option +=
            "="
                + agentArgs.entrySet().stream()
                    .map(e -> e.getKey() + "=" + e.getValue())
                    .collect(Collectors.joining(","));
      }
      return option;
    }
  }
}
