package dev.jmesh.testapps.httpclients;

import com.sun.management.HotSpotDiagnosticMXBean;
import java.io.PrintStream;
import java.lang.management.LockInfo;
import java.lang.management.ManagementFactory;
import java.lang.management.MonitorInfo;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.lang.reflect.Method;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * What a burst that outlived its limit prints on standard error, so that a deadlock or a lost
 * wake-up can be read from the test's log: the stuck request threads grouped by state and stack
 * (10,000 virtual threads parked in one place make one entry), every platform thread — the virtual
 * threads' carriers, the library's and the mesh's own — with the monitors and locks it holds, the
 * JVM's own deadlock verdict, and on JDK 21+ a {@code jcmd Thread.dump_to_file} style dump of all
 * threads, virtual ones included, in a file whose path is printed.
 */
final class StuckBurstDump {

  private static final String PREFIX = "[burst-dump] ";

  private StuckBurstDump() {}

  static void print(Collection<Thread> requestThreads, int inFlight, long limitSeconds) {
    PrintStream err = System.err;
    StringBuilder out = new StringBuilder();
    out.append(PREFIX)
        .append(inFlight)
        .append(" request(s) still in flight after ")
        .append(limitSeconds)
        .append(" s; their threads, grouped by stack:\n");
    stuckRequestThreads(requestThreads, out);
    platformThreads(out);
    jvmDump(out);
    synchronized (err) {
      err.print(out);
      err.flush();
    }
  }

  private static void stuckRequestThreads(Collection<Thread> threads, StringBuilder out) {
    Map<String, Integer> stacks = new LinkedHashMap<>();
    for (Thread thread : threads) {
      if (thread.isAlive()) {
        String key = thread.getState() + "\n" + frames(thread.getStackTrace());
        stacks.merge(key, 1, Integer::sum);
      }
    }
    stacks.entrySet().stream()
        .sorted(Map.Entry.<String, Integer>comparingByValue().reversed())
        .forEach(
            e ->
                out.append(PREFIX)
                    .append(e.getValue())
                    .append(" thread(s) ")
                    .append(e.getKey())
                    .append('\n'));
  }

  private static void platformThreads(StringBuilder out) {
    ThreadMXBean threads = ManagementFactory.getThreadMXBean();
    out.append(PREFIX).append("platform threads (carriers included), with the locks they hold:\n");
    for (ThreadInfo info : threads.dumpAllThreads(true, true)) {
      out.append('"').append(info.getThreadName()).append("\" ").append(info.getThreadState());
      if (info.getLockName() != null) {
        out.append(" on ").append(info.getLockName());
      }
      if (info.getLockOwnerName() != null) {
        out.append(" owned by \"").append(info.getLockOwnerName()).append('"');
      }
      out.append('\n');
      StackTraceElement[] stack = info.getStackTrace();
      for (int i = 0; i < stack.length; i++) {
        out.append("\tat ").append(stack[i]).append('\n');
        for (MonitorInfo monitor : info.getLockedMonitors()) {
          if (monitor.getLockedStackDepth() == i) {
            out.append("\t- locked ").append(monitor).append('\n');
          }
        }
      }
      for (LockInfo lock : info.getLockedSynchronizers()) {
        out.append("\t- holds ").append(lock).append('\n');
      }
    }
    long[] deadlocked = threads.findDeadlockedThreads();
    out.append(PREFIX)
        .append("deadlocked platform threads: ")
        .append(deadlocked == null ? "none" : Arrays.toString(deadlocked))
        .append('\n');
  }

  /**
   * {@code HotSpotDiagnosticMXBean.dumpThreads} (JDK 21+, what {@code jcmd Thread.dump_to_file}
   * runs) sees virtual threads too; too long for the log, so it goes to a file.
   */
  private static void jvmDump(StringBuilder out) {
    try {
      Class<?> format =
          Class.forName("com.sun.management.HotSpotDiagnosticMXBean$ThreadDumpFormat");
      Method dump = HotSpotDiagnosticMXBean.class.getMethod("dumpThreads", String.class, format);
      Path file = Files.createTempDirectory("burst-dump").resolve("threads.txt");
      dump.invoke(
          ManagementFactory.getPlatformMXBean(HotSpotDiagnosticMXBean.class),
          file.toString(),
          enumConstant(format, "TEXT_PLAIN"));
      out.append(PREFIX).append("all threads, virtual included: ").append(file).append('\n');
    } catch (ReflectiveOperationException | java.io.IOException | RuntimeException e) {
      out.append(PREFIX).append("no JVM thread dump: ").append(e).append('\n');
    }
  }

  private static Object enumConstant(Class<?> type, String name) {
    return Arrays.stream(type.getEnumConstants())
        .filter(c -> ((Enum<?>) c).name().equals(name))
        .findFirst()
        .orElseThrow();
  }

  private static String frames(StackTraceElement[] stack) {
    return Arrays.stream(stack).map(f -> "\tat " + f).collect(Collectors.joining("\n"));
  }
}
