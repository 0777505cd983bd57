package dev.jmesh.bootstrap;

/**
 * An outbound HTTP request as a direct-path instrumentation hands it to the data path: read in
 * place from the library's own request object, so deciding copies nothing.
 *
 * <pre>{@code
 * MeshCall call = MeshHooks.outbound("okhttp", MeshCall.CAN_TLS | MeshCall.CAN_RETRY, view.of(request));
 * }</pre>
 */
public interface MeshRequest {

  /** The method, e.g. {@code GET}. */
  String method();

  /** The host the application addressed: a name ({@code reviews}) or an IP literal. */
  String host();

  /** The port the application addressed (the scheme's default when the URL has none). */
  int port();

  /** The request target: path and query, e.g. {@code /a/b?x=1}. */
  String path();

  /**
   * The value of a header, or {@code null}; {@code lowerCaseName} is lower case and the lookup
   * ignores case. A header sent more than once is its values joined with {@code ","}.
   */
  String header(String lowerCaseName);
}
