package dev.jmesh.controlplane.internal.registration;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.util.JsonFormat;
import dev.jmesh.controlplane.ca.OwnerOnlyFiles;
import io.envoyproxy.envoy.config.core.v3.Node;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The registered workloads, kept in {@code registrations.jsonl} in the control plane's state
 * directory so that a restarted control plane serves the endpoints it had instead of an empty
 * registry (istiod keeps auto-registered WorkloadEntries in the Kubernetes API server for the
 * same reason). One line per workload: the xDS node it announced, as proto JSON, so what is
 * restored goes through the same {@link WorkloadRegistration#from} check as a live stream.
 *
 * <p>The file holds no secret (addresses, labels, service accounts) but is written owner-only
 * like everything in the state directory, atomically, so a crash mid-write leaves the previous
 * version.
 */
final class RegistrationJournal {
  private static final Logger logger = Logger.getLogger(RegistrationJournal.class.getName());
  static final String FILE = "registrations.jsonl";

  private final Path file;

  RegistrationJournal(Path stateDir) {
    this.file = stateDir.resolve(FILE);
  }

  Path file() {
    return file;
  }

  /** Replaces the file with these nodes. */
  void write(Collection<Node> nodes) throws IOException {
    StringBuilder out = new StringBuilder();
    JsonFormat.Printer printer = JsonFormat.printer().omittingInsignificantWhitespace();
    for (Node node : nodes) {
      out.append(printer.print(node)).append('\n');
    }
    OwnerOnlyFiles.createDirectory(file.getParent());
    OwnerOnlyFiles.writeSecret(file, out.toString().getBytes(StandardCharsets.UTF_8));
  }

  /**
   * The nodes last written; none when there is no file. A line that does not parse is skipped
   * and named in the log (the others are still restored): losing one endpoint for a grace
   * period is better than refusing to start.
   */
  List<Node> read() throws IOException {
    List<String> lines;
    try {
      lines = Files.readAllLines(file, StandardCharsets.UTF_8);
    } catch (NoSuchFileException first) {
      return List.of();
    }
    List<Node> nodes = new ArrayList<>();
    for (int i = 0; i < lines.size(); i++) {
      String line = lines.get(i);
      if (line.isBlank()) {
        continue;
      }
      Node.Builder node = Node.newBuilder();
      try {
        JsonFormat.parser().ignoringUnknownFields().merge(line, node);
        nodes.add(node.build());
      } catch (InvalidProtocolBufferException e) {
        int lineNumber = i + 1;
        logger.log(Level.WARNING, () -> file + ":" + lineNumber + ": not a registered node ("
            + e.getMessage() + "); skipped, that workload is an endpoint again once it"
            + " reconnects");
      }
    }
    return nodes;
  }
}
