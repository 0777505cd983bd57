package dev.jmesh.dataplane.policy;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The inbound HTTP filters of one filter chain as one {@link HttpPolicy}: each runs in order on a
 * per-request {@link PolicyContext}, so a JWT verified by one filter is what a later RBAC filter's
 * {@code request.auth} matchers see.
 *
 * <pre>{@code
 * HttpPolicy policy = HttpFilterChain.of(List.of(jwt, rbacDeny, rbacAllow, rateLimit));
 * PolicyVerdict v = policy.check(request);
 * }</pre>
 */
public final class HttpFilterChain implements HttpPolicy {

  private final InboundHttpFilter[] filters;

  private HttpFilterChain(InboundHttpFilter[] filters) {
    this.filters = filters;
  }

  /** The filters as one policy; no filters is {@link HttpPolicy#ALLOW_ALL}. */
  public static HttpPolicy of(List<InboundHttpFilter> filters) {
    return filters.isEmpty()
        ? HttpPolicy.ALLOW_ALL
        : new HttpFilterChain(filters.toArray(new InboundHttpFilter[0]));
  }

  @Override
  public PolicyVerdict check(PolicyRequest request) {
    PolicyContext context = PolicyContext.of(request);
    for (InboundHttpFilter f : filters) {
      PolicyVerdict local = f.apply(context);
      if (local != null) {
        return withContextHeaders(local, context);
      }
    }
    if (context.plain()) {
      return PolicyVerdict.CONTINUE;
    }
    RequestAuth auth = context.auth();
    return new PolicyVerdict(
        true,
        0,
        null,
        context.requestHeaders(),
        context.responseHeaders(),
        auth == null ? null : auth.principal(),
        context.requestHeadersToRemove(),
        context.audited());
  }

  /**
   * A local reply also carries what earlier filters established: response headers (x-ratelimit-*),
   * the audit mark and the JWT principal, which the request record reports even for a 403.
   */
  private static PolicyVerdict withContextHeaders(PolicyVerdict local, PolicyContext context) {
    RequestAuth auth = context.auth();
    if (context.responseHeaders().isEmpty() && !context.audited() && auth == null) {
      return local;
    }
    List<Map.Entry<String, String>> headers = new ArrayList<>(context.responseHeaders());
    headers.addAll(local.responseHeaders());
    return new PolicyVerdict(
        false,
        local.status(),
        local.body(),
        List.of(),
        headers,
        auth == null ? null : auth.principal(),
        List.of(),
        local.audited() || context.audited());
  }
}
