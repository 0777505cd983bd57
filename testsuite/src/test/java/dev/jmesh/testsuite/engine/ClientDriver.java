package dev.jmesh.testsuite.engine;

import dev.jmesh.testing.MeshedJvm;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Drives the meshed {@code mesh-client-app}: each command is a line on its standard input, each
 * answer one {@code RESULT <id> ok|error <details>} line on its output.
 */
public final class ClientDriver {

  /** One command's answer. */
  public record Result(boolean ok, String details) {

    /** The value of {@code key=} in the details (up to the next space), or {@code null}. */
    public String field(String key) {
      Matcher m = Pattern.compile("(?:^| )" + Pattern.quote(key) + "=(\\S*)").matcher(details);
      return m.find() ? m.group(1) : null;
    }

    public int status() {
      String s = field("status");
      return s == null ? -1 : Integer.parseInt(s);
    }

    /** The body, its {@code \n} escapes undone. */
    public String body() {
      int at = details.indexOf("body=");
      return at < 0 ? "" : details.substring(at + 5).replace("\\n", "\n");
    }

    @Override
    public String toString() {
      return (ok ? "ok " : "error ") + details;
    }
  }

  private final MeshedJvm jvm;
  private final AtomicInteger ids = new AtomicInteger();

  public ClientDriver(MeshedJvm jvm) {
    this.jvm = jvm;
  }

  public MeshedJvm jvm() {
    return jvm;
  }

  public Result run(String command, Duration timeout) {
    String id = "c" + ids.incrementAndGet();
    jvm.send(id + " " + command);
    Matcher m = jvm.awaitOutput("RESULT " + id + " (ok|error) ?(.*)", timeout);
    return new Result(m.group(1).equals("ok"), m.group(2));
  }

  public Result run(String command) {
    return run(command, Duration.ofSeconds(30));
  }
}
