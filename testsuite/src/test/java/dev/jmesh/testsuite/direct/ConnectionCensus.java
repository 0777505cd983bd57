package dev.jmesh.testsuite.direct;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;

/**
 * Peaks sampled while a burst runs (every {@value #INTERVAL_MILLIS} ms, from {@code /proc}): open
 * file descriptors of this JVM (where the pods are, so mostly their connections) and of the client
 * JVM, and the kernel's TCP sockets in use ({@code /proc/net/sockstat}, both sides of every
 * loopback connection). Each process may hold 20,000 descriptors on this machine.
 */
final class ConnectionCensus implements AutoCloseable {

  private static final long INTERVAL_MILLIS = 100;

  /** The peaks, and this JVM's descriptors before the burst. */
  record Peaks(
      long testJvmFds, long testJvmFdsBefore, long clientFds, long tcpInUse, long listenOverflows) {

    @Override
    public String toString() {
      return "peak fds: test JVM "
          + testJvmFds
          + " (before "
          + testJvmFdsBefore
          + "), client JVM "
          + clientFds
          + "; peak TCP sockets in use "
          + tcpInUse
          + "; accept queue overflows "
          + listenOverflows;
    }
  }

  private final long clientPid;
  private final long testFdsBefore;
  private final long listenOverflowsBefore;
  private final AtomicLong testFds = new AtomicLong();
  private final AtomicLong clientFds = new AtomicLong();
  private final AtomicLong tcpInUse = new AtomicLong();
  private final AtomicBoolean running = new AtomicBoolean(true);
  private final Thread sampler;

  private ConnectionCensus(long clientPid) {
    this.clientPid = clientPid;
    this.testFdsBefore = fds(ProcessHandle.current().pid());
    this.listenOverflowsBefore = listenOverflows();
    this.sampler = new Thread(this::sample, "connection-census");
    sampler.setDaemon(true);
  }

  static ConnectionCensus start(long clientPid) {
    ConnectionCensus census = new ConnectionCensus(clientPid);
    census.sampler.start();
    return census;
  }

  private void sample() {
    long self = ProcessHandle.current().pid();
    while (running.get()) {
      testFds.accumulateAndGet(fds(self), Math::max);
      clientFds.accumulateAndGet(fds(clientPid), Math::max);
      tcpInUse.accumulateAndGet(tcpSocketsInUse(), Math::max);
      try {
        Thread.sleep(INTERVAL_MILLIS);
      } catch (InterruptedException e) {
        return;
      }
    }
  }

  /** Stops sampling (after one last sample) and answers the peaks. */
  Peaks peaks() {
    close();
    return new Peaks(
        testFds.get(),
        testFdsBefore,
        clientFds.get(),
        tcpInUse.get(),
        listenOverflows() - listenOverflowsBefore);
  }

  @Override
  public void close() {
    if (running.getAndSet(false)) {
      sampler.interrupt();
      try {
        sampler.join(2000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  private static long fds(long pid) {
    try (Stream<Path> fds = Files.list(Path.of("/proc", Long.toString(pid), "fd"))) {
      return fds.count();
    } catch (IOException | RuntimeException e) {
      return 0;
    }
  }

  /**
   * {@code ListenOverflows} of {@code /proc/net/netstat}: SYNs dropped because a listener's accept
   * queue was full, each one a client waiting for a SYN retransmission.
   */
  private static long listenOverflows() {
    try {
      List<String> lines = Files.readAllLines(Path.of("/proc/net/netstat"));
      for (int i = 0; i + 1 < lines.size(); i++) {
        if (lines.get(i).startsWith("TcpExt:") && lines.get(i + 1).startsWith("TcpExt:")) {
          List<String> names = List.of(lines.get(i).trim().split("\\s+"));
          String[] values = lines.get(i + 1).trim().split("\\s+");
          int at = names.indexOf("ListenOverflows");
          return at < 0 ? 0 : Long.parseLong(values[at]);
        }
      }
    } catch (IOException | RuntimeException e) {
      return 0;
    }
    return 0;
  }

  /** {@code TCP: inuse N ...} of {@code /proc/net/sockstat}, and its IPv6 twin. */
  private static long tcpSocketsInUse() {
    return inUse(Path.of("/proc/net/sockstat"), "TCP:")
        + inUse(Path.of("/proc/net/sockstat6"), "TCP6:");
  }

  private static long inUse(Path file, String prefix) {
    try {
      for (String line : Files.readAllLines(file)) {
        if (line.startsWith(prefix)) {
          String[] words = line.trim().split("\\s+");
          for (int i = 1; i + 1 < words.length; i++) {
            if (words[i].equals("inuse")) {
              return Long.parseLong(words[i + 1]);
            }
          }
        }
      }
    } catch (IOException | RuntimeException e) {
      return 0;
    }
    return 0;
  }
}
