package dev.jmesh.dataplane.admin;

/** What the admin endpoint reports; implemented by the agent and by the proxy. */
public interface AdminEndpoints {

  /** {@code null} when ready, else why not (shown by {@code /ready} with a 503). */
  String notReadyReason();

  /** Appends every metric in Prometheus' text format. */
  void writeMetrics(StringBuilder out);

  /** The current configuration and state as a JSON document. */
  String configDump();

  /**
   * The workload's certificate and trust bundle as a JSON document ({@code /certs}): SPIFFE ID,
   * serial, validity, root fingerprints. Never a key.
   */
  String certs();

  /** Ends the data path cleanly ({@code POST /quitquitquit}). */
  void quit();
}
