package dev.jmesh.testing.internal;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The lines a forked process wrote to stdout and stderr, in arrival order, kept in memory and
 * echoed to the test's output as {@code [name] line} / {@code [name!] line}.
 */
public final class OutputLog {

  /** One line of output and the stream it came from. */
  public record Line(boolean stderr, String text) {}

  private final String name;
  private final PrintStream echo;
  private final List<Line> lines = new ArrayList<>();
  private final List<Thread> readers = new ArrayList<>();
  private int openStreams;

  public OutputLog(String name, PrintStream echo) {
    this.name = name;
    this.echo = echo;
  }

  /** Starts a daemon thread copying {@code stream} into this log until it ends. */
  public void capture(InputStream stream, boolean stderr) {
    synchronized (this) {
      openStreams++;
    }
    Thread reader =
        new Thread(() -> copy(stream, stderr), name + (stderr ? "-stderr" : "-stdout"));
    reader.setDaemon(true);
    readers.add(reader);
    reader.start();
  }

  private void copy(InputStream stream, boolean stderr) {
    try (BufferedReader in =
        new BufferedReader(new InputStreamReader(stream, StandardCharsets.UTF_8))) {
      for (String line; (line = in.readLine()) != null; ) {
        echo.println((stderr ? "[" + name + "!] " : "[" + name + "] ") + line);
        synchronized (this) {
          lines.add(new Line(stderr, line));
          notifyAll();
        }
      }
    } catch (IOException e) {
      // The process was killed under us: what we have is all there is.
    } finally {
      synchronized (this) {
        openStreams--;
        notifyAll();
      }
    }
  }

  /**
   * Waits for the first line (on either stream) in which {@code pattern} is found.
   *
   * @param exited tells whether the process has ended; once it has and both streams are drained,
   *     waiting stops
   * @return the matcher, or {@code null} when the output ended or the time ran out
   */
  public Matcher await(Pattern pattern, Duration timeout, BooleanSupplier exited)
      throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    int scanned = 0;
    synchronized (this) {
      while (true) {
        for (; scanned < lines.size(); scanned++) {
          Matcher matcher = pattern.matcher(lines.get(scanned).text());
          if (matcher.find()) {
            return matcher;
          }
        }
        long left = deadline - System.nanoTime();
        if (left <= 0 || (openStreams == 0 && exited.getAsBoolean())) {
          return null;
        }
        // Wakes up at least every 100 ms: the process may exit without closing a stream.
        wait(Math.max(1, Math.min(100, left / 1_000_000)));
      }
    }
  }

  /** All lines so far, optionally only those of one stream. */
  public synchronized List<Line> lines() {
    return List.copyOf(lines);
  }

  /** Waits up to {@code timeout} for both streams to end (after the process exited). */
  public void drain(Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    for (Thread reader : readers) {
      long left = deadline - System.nanoTime();
      if (left > 0) {
        reader.join(Math.max(1, left / 1_000_000));
      }
    }
  }

  /** The last {@code max} lines, for failure messages. */
  public synchronized String tail(int max) {
    StringBuilder out = new StringBuilder();
    for (Line line : lines.subList(Math.max(0, lines.size() - max), lines.size())) {
      out.append(line.stderr() ? "  ! " : "    ").append(line.text()).append('\n');
    }
    return out.length() == 0 ? "    (no output)\n" : out.toString();
  }
}
