package dev.jmesh.dataplane.policy;

import java.util.List;
import java.util.Map;

/**
 * What inbound HTTP policy decided for one request: continue to the application (possibly with
 * headers to set on the request or add to the response), or answer locally.
 *
 * @param allowed whether the request goes on to the application
 * @param status the local reply's status when not allowed (403, 401, 429)
 * @param body the local reply's body when not allowed, e.g. {@code RBAC: access denied}
 * @param requestHeaders headers to set on the request before the application sees it (a JWT payload
 *     header); replaces any the client sent with the same name
 * @param responseHeaders headers to add to the response, local or not ({@code x-ratelimit-*})
 * @param requestPrincipal the verified JWT's {@code iss/sub}, {@code null} without one
 * @param requestHeadersToRemove lower-case names of headers to remove from the request before the
 *     application sees it (a verified JWT that is not forwarded)
 * @param audited whether an RBAC filter with action LOG (Istio's AUDIT) matched the request
 */
public record PolicyVerdict(
    boolean allowed,
    int status,
    String body,
    List<Map.Entry<String, String>> requestHeaders,
    List<Map.Entry<String, String>> responseHeaders,
    String requestPrincipal,
    List<String> requestHeadersToRemove,
    boolean audited) {

  public static final PolicyVerdict CONTINUE =
      new PolicyVerdict(true, 0, null, List.of(), List.of(), null, List.of(), false);

  public PolicyVerdict {
    requestHeaders = List.copyOf(requestHeaders);
    responseHeaders = List.copyOf(responseHeaders);
    requestHeadersToRemove = List.copyOf(requestHeadersToRemove);
  }

  /** The verdict without header removal or audit mark, as the first contract had it. */
  public PolicyVerdict(
      boolean allowed,
      int status,
      String body,
      List<Map.Entry<String, String>> requestHeaders,
      List<Map.Entry<String, String>> responseHeaders,
      String requestPrincipal) {
    this(
        allowed, status, body, requestHeaders, responseHeaders, requestPrincipal, List.of(), false);
  }

  /** A local reply; {@code responseHeaders} go with it. */
  public static PolicyVerdict deny(
      int status, String body, List<Map.Entry<String, String>> responseHeaders) {
    return new PolicyVerdict(false, status, body, List.of(), responseHeaders, null);
  }
}
