package dev.jmesh.instrumentation.grpc.v1_68.helpers;

import dev.jmesh.bootstrap.MeshRequest;
import io.grpc.Metadata;

/**
 * An RPC as the data path sees it: {@code POST} to {@code :authority} (the channel's, e.g. {@code
 * reviews:9080}), path {@code /service/method}, headers read in place from the call's metadata and
 * the content type every gRPC request carries, so routes match it as Envoy matches a gRPC request.
 */
final class GrpcMeshRequest implements MeshRequest {

  private final String host;
  private final int port;
  private final String path;
  private final Metadata headers;

  private GrpcMeshRequest(String host, int port, String path, Metadata headers) {
    this.host = host;
    this.port = port;
    this.path = path;
    this.headers = headers;
  }

  /** The request, or {@code null} when the authority has no port (never a mesh service port). */
  static GrpcMeshRequest of(String authority, String fullMethodName, Metadata headers) {
    if (authority == null) {
      return null;
    }
    int colon = authority.lastIndexOf(':');
    if (colon <= 0 || colon == authority.length() - 1 || authority.indexOf(']', colon) >= 0) {
      return null;
    }
    String host = authority.substring(0, colon);
    if (host.startsWith("[") && host.endsWith("]")) {
      host = host.substring(1, host.length() - 1);
    }
    int port;
    try {
      port = Integer.parseInt(authority.substring(colon + 1));
    } catch (NumberFormatException e) {
      return null;
    }
    return new GrpcMeshRequest(host, port, "/" + fullMethodName, headers);
  }

  @Override
  public String method() {
    return "POST";
  }

  @Override
  public String host() {
    return host;
  }

  @Override
  public int port() {
    return port;
  }

  @Override
  public String path() {
    return path;
  }

  @Override
  public String header(String lowerCaseName) {
    switch (lowerCaseName) {
      case "content-type":
        return "application/grpc";
      case "te":
        return "trailers";
      default:
        break;
    }
    if (lowerCaseName.endsWith(Metadata.BINARY_HEADER_SUFFIX) || lowerCaseName.startsWith(":")) {
      return null;
    }
    Iterable<String> values =
        headers.getAll(Metadata.Key.of(lowerCaseName, Metadata.ASCII_STRING_MARSHALLER));
    if (values == null) {
      return null;
    }
    String joined = null;
    for (String v : values) {
      joined = joined == null ? v : joined + "," + v;
    }
    return joined;
  }
}
