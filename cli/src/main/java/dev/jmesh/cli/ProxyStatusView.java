package dev.jmesh.cli;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * {@code mesh status}: /debug/syncz as istioctl proxy-status prints it, one row per connected proxy
 * or agent, with each xDS type SYNCED (the last version sent was ACKed), STALE (sent, not ACKed
 * yet) or NACKED (the workload refused a version; its error is printed under the table), and the
 * time left on the certificate the control plane's CA last issued it (CERT EXPIRY).
 */
final class ProxyStatusView {

  static final List<String> TYPES = List.of("CDS", "LDS", "EDS", "RDS");

  private final List<Map<String, Object>> proxies;

  private ProxyStatusView(List<Map<String, Object>> proxies) {
    this.proxies = proxies;
  }

  @SuppressWarnings("unchecked")
  static ProxyStatusView of(Object syncz) {
    if (!(syncz instanceof List<?> list)) {
      throw new IllegalArgumentException("/debug/syncz is not a JSON array");
    }
    List<Map<String, Object>> proxies = new ArrayList<>();
    for (Object o : list) {
      proxies.add((Map<String, Object>) o);
    }
    return new ProxyStatusView(List.copyOf(proxies));
  }

  boolean anyNacked() {
    return proxies.stream()
        .anyMatch(p -> TYPES.stream().anyMatch(t -> "NACKED".equals(state(p, t))));
  }

  boolean isEmpty() {
    return proxies.isEmpty();
  }

  Table table() {
    return table(Instant.now());
  }

  Table table(Instant now) {
    Table table =
        new Table("NAME", "CDS", "LDS", "EDS", "RDS", "VERSION", "CERT EXPIRY", "NODE ID");
    for (Map<String, Object> p : proxies) {
      String id = String.valueOf(p.get("proxyID"));
      TreeSet<String> versions = new TreeSet<>();
      String[] cells = new String[8];
      cells[0] = NodeId.workloadName(id);
      for (int i = 0; i < TYPES.size(); i++) {
        cells[i + 1] = state(p, TYPES.get(i));
        Object acked = type(p, TYPES.get(i)).get("acked");
        if (acked != null && !acked.toString().isEmpty()) {
          versions.add(acked.toString());
        }
      }
      cells[5] = versions.isEmpty() ? "-" : String.join(",", versions);
      Object certificate = p.get("certificate");
      cells[6] =
          CertificateExpiry.timeLeft(
              certificate instanceof Map<?, ?> c ? c.get("notAfter") : null, now);
      cells[7] = id;
      table.add(cells);
    }
    return table;
  }

  /** One line per NACK: which workload refused which version of which type, and why. */
  List<String> nacks() {
    List<String> out = new ArrayList<>();
    for (Map<String, Object> p : proxies) {
      for (String t : TYPES) {
        Map<String, Object> type = type(p, t);
        if ("NACKED".equals(type.get("status"))) {
          out.add(
              NodeId.workloadName(String.valueOf(p.get("proxyID")))
                  + " "
                  + t
                  + " NACKED version "
                  + type.get("nacked")
                  + " (still on "
                  + (type.get("acked") == null || type.get("acked").toString().isEmpty()
                      ? "nothing"
                      : type.get("acked"))
                  + "): "
                  + type.get("error"));
        }
      }
    }
    return out;
  }

  private static String state(Map<String, Object> proxy, String type) {
    Object status = type(proxy, type).get("status");
    return status == null ? "NOT SENT" : status.toString();
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> type(Map<String, Object> proxy, String type) {
    Object t = proxy.get(type);
    return t instanceof Map<?, ?> ? (Map<String, Object>) t : Map.of();
  }
}
