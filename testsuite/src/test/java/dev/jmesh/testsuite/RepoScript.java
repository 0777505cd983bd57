package dev.jmesh.testsuite;

import dev.jmesh.testing.MeshPaths;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * One of the repository's Python scripts ({@code scripts/...}) run from the repository root as a
 * user runs it, with a bound: a script still running at the bound is asked to stop (SIGTERM, so it
 * can stop what it started), then killed with everything it started.
 */
public final class RepoScript {

  /** How a run ended: {@code finished} false means it hit the bound; {@code log} is its output. */
  public record Run(String command, boolean finished, int exitCode, String log) {}

  private RepoScript() {}

  /**
   * @param log where stdout and stderr go (read back into {@link Run#log})
   * @param script the path from the repository root, then its arguments
   */
  public static Run run(Duration bound, Path log, String script, String... args)
      throws IOException, InterruptedException {
    List<String> command = new ArrayList<>(List.of("python3", script));
    command.addAll(List.of(args));
    Process process =
        new ProcessBuilder(command)
            .directory(MeshPaths.root().toFile())
            .redirectErrorStream(true)
            .redirectOutput(log.toFile())
            .start();
    boolean finished = process.waitFor(bound.toMillis(), TimeUnit.MILLISECONDS);
    if (!finished) {
      process.destroy();
      if (!process.waitFor(20, TimeUnit.SECONDS)) {
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      }
    }
    return new Run(
        String.join(" ", command.subList(1, command.size())),
        finished,
        finished ? process.exitValue() : -1,
        Files.readString(log, StandardCharsets.UTF_8));
  }

  /**
   * Runs Python {@code code} with the script at {@code script} (a path from the repository root)
   * loaded as the module {@code m}, so a test can call the script's functions without running it
   * whole. Its output, or an {@link AssertionError} with the output when the code failed.
   */
  public static String evaluate(Path log, String script, String code)
      throws IOException, InterruptedException {
    String load =
        String.join(
            "\n",
            "import importlib.machinery, importlib.util",
            "loader = importlib.machinery.SourceFileLoader('m', '" + script + "')",
            "spec = importlib.util.spec_from_loader('m', loader)",
            "m = importlib.util.module_from_spec(spec)",
            "loader.exec_module(m)",
            "");
    Run run = run(Duration.ofSeconds(60), log, "-c", load + code);
    if (!run.finished() || run.exitCode() != 0) {
      throw new AssertionError("python code on " + script + " failed:\n" + run.log());
    }
    return run.log();
  }
}
