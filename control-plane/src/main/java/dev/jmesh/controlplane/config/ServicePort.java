package dev.jmesh.controlplane.config;

/**
 * A port of a service (ServiceEntry or Kubernetes Service).
 *
 * @param protocol Istio protocol name: HTTP, HTTP2, GRPC, HTTPS, TLS, TCP, MONGO...; derived
 *     from the port name prefix ({@code http-web}) when not given
 * @param targetPort port on the endpoints, 0 when it is the same
 */
public record ServicePort(int number, String name, String protocol, int targetPort) {
  /** Whether the port carries HTTP (including gRPC and HTTP/2). */
  public boolean isHttp() {
    switch (protocol) {
      case "HTTP":
      case "HTTP2":
      case "GRPC":
      case "GRPC-WEB":
        return true;
      default:
        return false;
    }
  }

  /** Istio's protocol selection from a port name such as {@code http-api} or {@code grpc}. */
  public static String protocolFromName(String name, String declared) {
    if (declared != null && !declared.isEmpty()) {
      return declared.toUpperCase(java.util.Locale.ROOT);
    }
    if (name == null || name.isEmpty()) {
      return "TCP";
    }
    String prefix = name.toLowerCase(java.util.Locale.ROOT);
    int dash = prefix.indexOf('-');
    if (dash > 0) {
      prefix = prefix.substring(0, dash);
    }
    switch (prefix) {
      case "http":
        return "HTTP";
      case "http2":
        return "HTTP2";
      case "grpc":
        return "GRPC";
      case "grpc-web":
        return "GRPC-WEB";
      case "https":
        return "HTTPS";
      case "tls":
        return "TLS";
      case "mongo":
        return "MONGO";
      case "redis":
        return "REDIS";
      case "mysql":
        return "MYSQL";
      default:
        return "TCP";
    }
  }
}
