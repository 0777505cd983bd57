package dev.jmesh.dataplane.policy;

import java.util.AbstractMap;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The state one request (or one connection, for network filters) builds up while the filters of its
 * chain run: the JWT it proved, the headers filters want set, removed or added. Created per check
 * by {@link HttpFilterChain} and confined to that call, so it needs no synchronization and no
 * ThreadLocal.
 */
public final class PolicyContext {

  private final PolicyRequest request;
  private final PeerConnection connection;
  private RequestAuth auth;
  private boolean audited;
  private List<Map.Entry<String, String>> requestHeaders;
  private List<String> requestHeadersToRemove;
  private List<Map.Entry<String, String>> responseHeaders;

  private PolicyContext(PolicyRequest request, PeerConnection connection) {
    this.request = request;
    this.connection = connection;
  }

  /** The context of an HTTP request. */
  public static PolicyContext of(PolicyRequest request) {
    return new PolicyContext(request, request.connection());
  }

  /** The context of a connection checked by network filters: there is no request. */
  public static PolicyContext of(PeerConnection connection) {
    return new PolicyContext(null, connection);
  }

  /** The request, {@code null} for a network filter. */
  public PolicyRequest request() {
    return request;
  }

  public PeerConnection connection() {
    return connection;
  }

  /** What a JWT filter earlier in the chain verified, {@code null} without a token. */
  public RequestAuth auth() {
    return auth;
  }

  void authenticated(RequestAuth auth) {
    if (this.auth == null) {
      this.auth = auth;
    }
  }

  void audit() {
    audited = true;
  }

  boolean audited() {
    return audited;
  }

  void setRequestHeader(String lowerCaseName, String value) {
    if (requestHeaders == null) {
      requestHeaders = new ArrayList<>(2);
    }
    requestHeaders.add(new AbstractMap.SimpleImmutableEntry<>(lowerCaseName, value));
  }

  void removeRequestHeader(String lowerCaseName) {
    if (requestHeadersToRemove == null) {
      requestHeadersToRemove = new ArrayList<>(1);
    }
    requestHeadersToRemove.add(lowerCaseName);
  }

  void addResponseHeader(String lowerCaseName, String value) {
    if (responseHeaders == null) {
      responseHeaders = new ArrayList<>(4);
    }
    responseHeaders.add(new AbstractMap.SimpleImmutableEntry<>(lowerCaseName, value));
  }

  /** Whether the filters left nothing to say beyond "continue". */
  boolean plain() {
    return auth == null
        && !audited
        && requestHeaders == null
        && requestHeadersToRemove == null
        && responseHeaders == null;
  }

  List<Map.Entry<String, String>> requestHeaders() {
    return requestHeaders == null ? List.of() : requestHeaders;
  }

  List<String> requestHeadersToRemove() {
    return requestHeadersToRemove == null ? List.of() : requestHeadersToRemove;
  }

  List<Map.Entry<String, String>> responseHeaders() {
    return responseHeaders == null ? List.of() : responseHeaders;
  }
}
