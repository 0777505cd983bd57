package dev.jmesh.dataplane.engine.inbound;

import dev.jmesh.dataplane.engine.MeshHeaderNames;
import dev.jmesh.dataplane.policy.PeerConnection;
import dev.jmesh.dataplane.policy.PolicyRequest;
import dev.jmesh.dataplane.policy.PolicyVerdict;
import dev.jmesh.dataplane.record.RequestIds;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValidationUtil;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http2.Http2Headers;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The request headers the engine owns, as Envoy's inbound sidecar treats them: {@code
 * x-forwarded-client-cert} is never taken from the client and is set from mutual TLS, the
 * downstream address is appended to {@code x-forwarded-for}, {@code x-forwarded-proto} tells the
 * downstream scheme, and the peer-metadata headers are read and removed. For HTTP/1 ({@link
 * HttpHeaders}) and HTTP/2 ({@link Http2Headers}) alike.
 */
final class InboundHeaders {

  static final String XFCC = "x-forwarded-client-cert";
  static final String XFF = "x-forwarded-for";
  static final String XFP = "x-forwarded-proto";
  static final String REQUEST_ID = "x-request-id";

  private InboundHeaders() {}

  /** Strips what the client may not set; returns the peer-metadata header it sent, or null. */
  static String takeClientOwned(HttpHeaders h) {
    h.remove(MeshHeaderNames.FORWARDED_CLIENT_CERT);
    String metadata = h.get(MeshHeaderNames.PEER_METADATA);
    h.remove(MeshHeaderNames.PEER_METADATA);
    h.remove(MeshHeaderNames.PEER_METADATA_ID);
    return metadata;
  }

  static String takeClientOwned(Http2Headers h) {
    h.remove(MeshHeaderNames.FORWARDED_CLIENT_CERT);
    CharSequence metadata = h.get(MeshHeaderNames.PEER_METADATA);
    h.remove(MeshHeaderNames.PEER_METADATA);
    h.remove(MeshHeaderNames.PEER_METADATA_ID);
    return metadata == null ? null : metadata.toString();
  }

  /**
   * Removes the headers policy took (a verified JWT that is not forwarded: Istio's {@code
   * forwardOriginalToken: false}, its default), then adds what the engine vouches for and the
   * headers policy set.
   */
  static void forward(HttpHeaders h, DownstreamPeer peer, PolicyVerdict verdict) {
    List<String> removed = verdict.requestHeadersToRemove();
    if (!removed.isEmpty()) {
      // Not even an iterator for the usual verdict, which removes and sets nothing.
      for (String name : removed) {
        h.remove(name);
      }
    }
    List<Map.Entry<String, String>> set = verdict.requestHeaders();
    if (!set.isEmpty()) {
      for (Map.Entry<String, String> e : set) {
        h.set(e.getKey(), e.getValue());
      }
    }
    if (peer.clientCert() != null) {
      h.set(MeshHeaderNames.FORWARDED_CLIENT_CERT, peer.clientCert());
    }
    String xff = h.get(MeshHeaderNames.FORWARDED_FOR);
    h.set(
        MeshHeaderNames.FORWARDED_FOR,
        xff == null || xff.isEmpty() ? peer.remoteAddress() : xff + ", " + peer.remoteAddress());
    h.set(MeshHeaderNames.FORWARDED_PROTO, peer.scheme());
  }

  static void forward(Http2Headers h, DownstreamPeer peer, PolicyVerdict verdict) {
    for (String name : verdict.requestHeadersToRemove()) {
      h.remove(lower(name));
    }
    for (Map.Entry<String, String> e : verdict.requestHeaders()) {
      h.set(lower(e.getKey()), e.getValue());
    }
    if (peer.clientCert() != null) {
      h.set(MeshHeaderNames.FORWARDED_CLIENT_CERT, peer.clientCert());
    }
    CharSequence xff = h.get(MeshHeaderNames.FORWARDED_FOR);
    h.set(
        MeshHeaderNames.FORWARDED_FOR,
        xff == null || xff.length() == 0
            ? peer.remoteAddress()
            : xff + ", " + peer.remoteAddress());
    h.set(MeshHeaderNames.FORWARDED_PROTO, peer.scheme());
  }

  /**
   * The request's {@code x-request-id}, given one (a random version-4 UUID, as Envoy makes) when
   * the client sent none.
   */
  static String requestId(HttpHeaders h) {
    String id = h.get(MeshHeaderNames.REQUEST_ID);
    if (id == null || id.isEmpty()) {
      id = newRequestId();
      h.set(MeshHeaderNames.REQUEST_ID, id);
    }
    return id;
  }

  static String requestId(Http2Headers h) {
    CharSequence id = h.get(MeshHeaderNames.REQUEST_ID);
    if (id == null || id.length() == 0) {
      String fresh = newRequestId();
      h.set(MeshHeaderNames.REQUEST_ID, fresh);
      return fresh;
    }
    return id.toString();
  }

  static String newRequestId() {
    return RequestIds.newId();
  }

  static String lower(String name) {
    return name.toLowerCase(Locale.ROOT);
  }

  /**
   * Adds a field the engine puts on a response (a policy's {@code x-ratelimit-*}, say) to HTTP/2
   * headers that may not check what is added: an HTTP/1.1 answer's are copied unchecked ({@link
   * Http1ApplicationStream#http2Fields}). Checked here as validating headers would, so a
   * configured value with a line break fails alike whatever the application speaks.
   *
   * @throws IllegalArgumentException when the name is not a token or the value has a control
   *     character
   */
  static void addChecked(Http2Headers h, String name, String value) {
    String field = lower(name);
    if (field.isEmpty()
        || HttpHeaderValidationUtil.validateToken(field) != -1
        || HttpHeaderValidationUtil.validateValidHeaderValue(value) != -1) {
      throw new IllegalArgumentException(
          "the response header '" + name + "' the mesh adds is not a valid HTTP field");
    }
    h.add(field, value);
  }

  /** What policy sees of an HTTP/1 request. */
  record Http1Request(HttpRequest request, PeerConnection connection) implements PolicyRequest {
    @Override
    public String method() {
      return request.method().name();
    }

    @Override
    public String path() {
      return request.uri();
    }

    @Override
    public String authority() {
      return request.headers().get(HttpHeaderNames.HOST);
    }

    @Override
    public String header(String lowerCaseName) {
      return request.headers().get(lowerCaseName);
    }
  }

  /** What policy sees of an HTTP/2 request. */
  record Http2Request(Http2Headers headers, PeerConnection connection) implements PolicyRequest {
    @Override
    public String method() {
      return text(headers.method());
    }

    @Override
    public String path() {
      return text(headers.path());
    }

    @Override
    public String authority() {
      return text(headers.authority());
    }

    @Override
    public String header(String lowerCaseName) {
      return text(headers.get(lowerCaseName));
    }

    private static String text(CharSequence s) {
      return s == null ? null : s.toString();
    }
  }
}
