package dev.jmesh.dataplane.settings;

import java.time.Duration;
import java.util.Map;

/**
 * The settings of the embedded engine: how the workload's ports are named to the mesh, how long the
 * first mesh connection waits for config, and Envoy-like limits and timeouts. See docs/agent.md.
 *
 * @param servicePorts port to its Istio port name ({@code tcp-echo}, {@code grpc}, {@code http}),
 *     whose prefix gives the protocol; a bound port not listed is announced as {@code http-PORT}
 * @param firstConfigTimeout how long the first mesh connect, bind or lookup waits for the first
 *     config and certificate
 * @param protocolDetectionTimeout how long PERMISSIVE waits for a client's first bytes before
 *     taking it for plaintext (server-speaks-first protocols wait this long)
 * @param requestHeadersTimeout how long a client may take to send a request's headers (slowloris)
 * @param idleTimeout how long a connection may carry nothing before it is closed
 * @param tlsHandshakeTimeout how long an inbound mutual-TLS handshake may take before the
 *     connection is closed (Envoy's {@code transport_socket_connect_timeout}), so that clients
 *     which open a handshake and never finish it cannot pile up
 * @param maxRequestBodyBytes larger request bodies are refused with 413; 0 for no limit
 * @param drainTimeout how long shutdown waits for in-flight requests
 * @param directInbound whether servers with a direct-inbound instrumentation (the JDK's HttpServer,
 *     Netty, blocking {@code ServerSocket}) serve their mesh ports themselves, the mesh's TLS,
 *     policy and records inside them, instead of the engine taking the port over ({@code
 *     inboundPath: direct}; the default {@code engine} keeps the engine's HTTP hardening in front
 *     of every server)
 */
public record EngineSettings(
    Map<Integer, String> servicePorts,
    Duration firstConfigTimeout,
    Duration protocolDetectionTimeout,
    Duration requestHeadersTimeout,
    Duration idleTimeout,
    Duration tlsHandshakeTimeout,
    long maxRequestBodyBytes,
    Duration drainTimeout,
    boolean directInbound) {

  public static final EngineSettings DEFAULTS =
      new EngineSettings(
          Map.of(),
          Duration.ofSeconds(10),
          Duration.ofSeconds(5),
          Duration.ofSeconds(10),
          Duration.ofHours(1),
          Duration.ofSeconds(10),
          1L << 30,
          Duration.ofSeconds(5),
          false);

  public EngineSettings {
    servicePorts = Map.copyOf(servicePorts);
  }

  /**
   * Whether the application on {@code port} speaks HTTP, by the prefix of its Istio port name
   * ({@code http}, {@code http2}, {@code grpc}, {@code grpc-web}, {@code h2c}); an undeclared port
   * is announced as {@code http-PORT}, so it does.
   */
  public boolean speaksHttp(int port) {
    String name = portName(port);
    int dash = name.indexOf('-');
    String protocol = dash < 0 ? name : name.substring(0, dash);
    return protocol.equals("http")
        || protocol.equals("http2")
        || protocol.equals("grpc")
        || protocol.equals("h2c")
        || name.startsWith("grpc-web");
  }

  /** The Istio port name a bound port is announced with. */
  public String portName(int port) {
    String name = servicePorts.get(port);
    return name != null ? name : "http-" + port;
  }
}
