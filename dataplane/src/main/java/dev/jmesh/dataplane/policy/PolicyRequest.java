package dev.jmesh.dataplane.policy;

/**
 * What inbound HTTP policy sees of one request. Implemented by the engine over its own request
 * object, so a check allocates nothing to look at a header.
 */
public interface PolicyRequest {

  String method();

  /** The path with its query, as received ({@code :path}). */
  String path();

  /** {@code :authority} or {@code Host}. */
  String authority();

  /** The first value of a header, by lower-case name; {@code null} when absent. */
  String header(String lowerCaseName);

  /** The connection the request came on. */
  PeerConnection connection();
}
