package dev.jmesh.testsuite.reliability;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

/**
 * What a process holds, read from {@code /proc/PID}: its threads ({@code task/}) and open file
 * descriptors ({@code fd/}, sockets included). Compared before and after a fault run to show that
 * the faults leaked neither.
 */
record ProcessCensus(int threads, int fds) {

  static ProcessCensus of(long pid) {
    return new ProcessCensus(count(Path.of("/proc", Long.toString(pid), "task")), count(fds(pid)));
  }

  private static Path fds(long pid) {
    return Path.of("/proc", Long.toString(pid), "fd");
  }

  private static int count(Path dir) {
    try (Stream<Path> entries = Files.list(dir)) {
      return (int) entries.count();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot list " + dir, e);
    }
  }
}
