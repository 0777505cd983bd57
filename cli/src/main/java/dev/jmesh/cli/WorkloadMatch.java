package dev.jmesh.cli;

import java.util.List;
import java.util.function.BiPredicate;

/**
 * Finds the one connected node a user means: its node id, its workload name ({@code POD.NS}) or
 * pod, exactly; else an unambiguous prefix of any of them, so a service name ({@code ratings})
 * finds {@code ratings-18120.default} when only one such workload is connected.
 */
final class WorkloadMatch {

  private WorkloadMatch() {}

  static String resolve(String wanted, List<String> connected) {
    List<String> exact = matching(connected, wanted, String::equals);
    if (exact.size() == 1) {
      return exact.get(0);
    }
    if (exact.size() > 1) {
      throw ambiguous(wanted, exact);
    }
    List<String> prefixed = matching(connected, wanted, String::startsWith);
    if (prefixed.size() == 1) {
      return prefixed.get(0);
    }
    if (prefixed.size() > 1) {
      throw ambiguous(wanted, prefixed);
    }
    throw new CommandFailure(
        CommandFailure.WRONG,
        "mesh: no connected workload matches '"
            + wanted
            + "'"
            + (connected.isEmpty()
                ? "; no proxy or agent is connected to the control plane."
                : "; connected: "
                    + String.join(", ", connected.stream().map(NodeId::workloadName).toList())
                    + " (see `mesh status`)."));
  }

  private static List<String> matching(
      List<String> connected, String wanted, BiPredicate<String, String> test) {
    return connected.stream()
        .filter(
            id ->
                test.test(id, wanted)
                    || test.test(NodeId.workloadName(id), wanted)
                    || test.test(NodeId.pod(id), wanted))
        .toList();
  }

  private static CommandFailure ambiguous(String wanted, List<String> candidates) {
    StringBuilder sb =
        new StringBuilder(
            "mesh: '"
                + wanted
                + "' matches "
                + candidates.size()
                + " workloads; name one of them:");
    for (String id : candidates) {
      sb.append("\n  ").append(NodeId.workloadName(id)).append("   (").append(id).append(')');
    }
    return new CommandFailure(CommandFailure.USAGE, sb.toString());
  }
}
