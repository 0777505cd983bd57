package dev.jmesh.cli;

import java.io.IOException;
import java.net.ProxySelector;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code mesh config WORKLOAD secrets --admin HOST:PORT}: the certificate the workload itself
 * holds, from its admin endpoint's {@code /certs}, as rows of the same shape as the control plane's
 * {@code secrets}. The better source when the admin port is reachable: the control plane only knows
 * what its CA issued.
 */
final class WorkloadCerts {

  private static final Duration TIMEOUT = Duration.ofSeconds(10);

  private WorkloadCerts() {}

  /** GETs {@code http://address/certs}; fails with exit code 3 saying how to point at it. */
  static Map<String, Object> read(String address) {
    URI uri;
    try {
      uri = URI.create("http://" + address + "/certs");
    } catch (IllegalArgumentException e) {
      throw new CommandFailure(
          CommandFailure.USAGE,
          "mesh: '" + address + "' is not a HOST:PORT for --admin: " + e.getMessage());
    }
    HttpClient http =
        HttpClient.newBuilder().proxy(ProxySelector.of(null)).connectTimeout(TIMEOUT).build();
    String why;
    try {
      HttpResponse<String> response =
          http.send(
              HttpRequest.newBuilder(uri).timeout(TIMEOUT).GET().build(),
              HttpResponse.BodyHandlers.ofString());
      if (response.statusCode() == 200
          && JsonReader.parse(response.body()) instanceof Map<?, ?> certs) {
        @SuppressWarnings("unchecked")
        Map<String, Object> out = (Map<String, Object>) certs;
        return out;
      }
      why = "HTTP " + response.statusCode() + ": " + response.body().strip();
    } catch (IOException | IllegalArgumentException e) {
      why =
          e instanceof java.net.ConnectException
              ? "connection refused"
              : e.getClass().getSimpleName()
                  + (e.getMessage() == null ? "" : ": " + e.getMessage());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      why = "interrupted";
    }
    throw new CommandFailure(
        CommandFailure.UNREACHABLE,
        "mesh: cannot read the workload's certificate at "
            + uri
            + " ("
            + why
            + ").\nGive the workload's admin address (MESH_ADMIN_PORT or mesh-proxy --admin-port,"
            + " default 15000) with --admin HOST:PORT, or leave --admin out to see what the"
            + " control plane's CA issued.");
  }

  /** {@code /certs} as secrets rows: the workload's chain as {@code default}, each root. */
  static List<Object> rows(Map<String, Object> certs, Instant now) {
    List<Object> out = new ArrayList<>();
    if (certs.get("certificate") instanceof Map<?, ?> c) {
      Map<String, Object> chain =
          row("default", "Cert Chain", c.get("serial"), c.get("notBefore"), c.get("notAfter"), now);
      chain.put("identity", certs.get("identity"));
      out.add(chain);
    }
    if (certs.get("roots") instanceof List<?> roots) {
      for (Object r : roots) {
        if (r instanceof Map<?, ?> root) {
          // /certs names a root by its SHA-256 fingerprint; it serves no serial or start.
          out.add(row("ROOTCA", "CA", null, null, root.get("notAfter"), now));
        }
      }
    }
    return out;
  }

  private static Map<String, Object> row(
      String name, String type, Object serial, Object notBefore, Object notAfter, Instant now) {
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("name", name);
    out.put("type", type);
    out.put("status", "ACTIVE");
    out.put("valid", valid(notBefore, notAfter, now));
    out.put("serial", serial == null ? "" : serial);
    out.put("notAfter", notAfter == null ? "" : notAfter);
    out.put("notBefore", notBefore == null ? "" : notBefore);
    return out;
  }

  private static boolean valid(Object notBefore, Object notAfter, Instant now) {
    try {
      return (notBefore == null || !now.isBefore(Instant.parse(notBefore.toString())))
          && notAfter != null
          && now.isBefore(Instant.parse(notAfter.toString()));
    } catch (DateTimeParseException e) {
      return false;
    }
  }
}
