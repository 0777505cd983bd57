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
 */
public record PolicyVerdict(
    boolean allowed,
    int status,
    String body,
    List<Map.Entry<String, String>> requestHeaders,
    List<Map.Entry<String, String>> responseHeaders,
    String requestPrincipal) {

  public static final PolicyVerdict CONTINUE =
      new PolicyVerdict(true, 0, null, List.of(), List.of(), null);

  public PolicyVerdict {
    requestHeaders = List.copyOf(requestHeaders);
    responseHeaders = List.copyOf(responseHeaders);
  }

  /** A local reply; {@code responseHeaders} go with it. */
  public static PolicyVerdict deny(
      int status, String body, List<Map.Entry<String, String>> responseHeaders) {
    return new PolicyVerdict(false, status, body, List.of(), responseHeaders, null);
  }
}
