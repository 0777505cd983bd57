package dev.jmesh.dataplane.engine;

import io.netty.util.AsciiString;

/**
 * The header names the engine reads and sets on every request, as Netty's {@link AsciiString}s
 * (like {@code HttpHeaderNames}): their hash is computed once, not on every lookup, and they compare
 * without a character-by-character case fold of a {@code String}.
 */
public final class MeshHeaderNames {

  public static final AsciiString PEER_METADATA = AsciiString.cached(PeerMetadata.HEADER);
  public static final AsciiString PEER_METADATA_ID = AsciiString.cached(PeerMetadata.ID_HEADER);
  public static final AsciiString REQUEST_ID = AsciiString.cached("x-request-id");
  public static final AsciiString FORWARDED_CLIENT_CERT =
      AsciiString.cached("x-forwarded-client-cert");
  public static final AsciiString FORWARDED_FOR = AsciiString.cached("x-forwarded-for");
  public static final AsciiString FORWARDED_PROTO = AsciiString.cached("x-forwarded-proto");
  public static final AsciiString GRPC_STATUS = AsciiString.cached("grpc-status");
  public static final AsciiString PROXY_CONNECTION = AsciiString.cached("proxy-connection");
  public static final AsciiString TRACEPARENT = AsciiString.cached("traceparent");

  private MeshHeaderNames() {}
}
