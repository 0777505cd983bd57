package dev.jmesh.proxy;

import dev.jmesh.dataplane.MeshThreads;
import dev.jmesh.dataplane.log.MeshLog;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * {@code --hosts-file /etc/netns/NS/hosts}: keeps the mesh's service names in a hosts file, so an
 * unmodified program in the workload's network namespace resolves {@code reviews} to the virtual
 * address the proxy's capture maps back to the service, as the agent's name hook does inside a JVM.
 * The names are one block between two marker lines; every other line (localhost...) is kept.
 *
 * <p>The file is rewritten in place, never replaced by a rename: {@code ip netns exec} bind-mounts
 * {@code /etc/netns/NS/hosts} over {@code /etc/hosts} for each program it starts, and a bind mount
 * keeps pointing at the file it mounted. glibc reads the file on every lookup, so programs already
 * running see services added later.
 */
final class MeshHostsFile implements AutoCloseable {

  static final String BEGIN =
      "# BEGIN jmesh mesh-proxy: the mesh's service names (kept by the proxy)";
  static final String END = "# END jmesh mesh-proxy";

  private static final String NEW_FILE = "127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost\n";

  private final Path file;
  private final Supplier<Map<InetAddress, List<String>>> names;
  private final ScheduledExecutorService refresher =
      Executors.newSingleThreadScheduledExecutor(MeshThreads.factory("proxy-hosts-file"));
  private String written;

  private MeshHostsFile(Path file, Supplier<Map<InetAddress, List<String>>> names) {
    this.file = file;
    this.names = names;
  }

  /** Writes the names now (after the first config, or its timeout), then once a second if new. */
  static MeshHostsFile start(Path file, Supplier<Map<InetAddress, List<String>>> names) {
    MeshHostsFile hosts = new MeshHostsFile(file, names);
    hosts.refresher.scheduleWithFixedDelay(hosts::refresh, 0, 1, TimeUnit.SECONDS);
    return hosts;
  }

  private void refresh() {
    try {
      String block = block(names.get());
      if (block.equals(written)) {
        return;
      }
      String current =
          Files.exists(file) ? Files.readString(file, StandardCharsets.UTF_8) : NEW_FILE;
      String updated = withBlock(current, block);
      if (!updated.equals(current)) {
        // In place (truncate and write), keeping the inode bind mounts point at.
        Files.writeString(
            file,
            updated,
            StandardCharsets.UTF_8,
            StandardOpenOption.CREATE,
            StandardOpenOption.WRITE,
            StandardOpenOption.TRUNCATE_EXISTING);
        MeshLog.info("hosts file " + file + ": " + (block.lines().count() - 2) + " service(s)");
      }
      written = block;
    } catch (IOException | RuntimeException e) {
      MeshLog.warnOnce(
          "hosts-file:" + e.getClass().getName(),
          "cannot write the mesh's names to --hosts-file " + file + ": " + e);
    }
  }

  /** The marker-delimited block for {@code names}: one line per virtual address. */
  static String block(Map<InetAddress, List<String>> names) {
    StringBuilder out = new StringBuilder(BEGIN).append('\n');
    names.forEach(
        (address, forms) ->
            out.append(address.getHostAddress())
                .append('\t')
                .append(String.join(" ", forms))
                .append('\n'));
    return out.append(END).append('\n').toString();
  }

  /** {@code text} with its block replaced by {@code block}, or {@code block} appended. */
  static String withBlock(String text, String block) {
    int begin = text.indexOf(BEGIN);
    int end = begin < 0 ? -1 : text.indexOf(END, begin);
    if (begin < 0 || end < 0) {
      String base = text.isEmpty() || text.endsWith("\n") ? text : text + "\n";
      return base + block;
    }
    int after = text.indexOf('\n', end);
    return text.substring(0, begin) + block + (after < 0 ? "" : text.substring(after + 1));
  }

  @Override
  public void close() {
    refresher.shutdownNow();
  }
}
