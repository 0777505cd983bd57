package dev.jmesh.dataplane.outbound;

import dev.jmesh.dataplane.cluster.XxHash64;
import dev.jmesh.dataplane.route.HashPolicy;
import dev.jmesh.dataplane.route.RequestView;
import java.util.List;

/**
 * A route's {@code hash_policy} evaluated for one request, as Envoy does it: each policy that finds
 * its value (a header, a cookie, a query parameter, the source IP) hashes it with xxHash64 and
 * folds it in ({@code hash = rotl(hash, 1) ^ h}); a terminal policy that found a value ends the
 * evaluation. A cookie policy with a TTL generates the cookie when the request has none, and the
 * caller sets it on the response. Mutable and reused with its {@link Exchange}; evaluating
 * allocates nothing unless a cookie is generated.
 */
public final class RequestHash {

  private boolean present;
  private long value;
  private HashPolicy generatedCookie;
  private String generatedCookieValue;

  /** Evaluates {@code policies}; whether any produced a hash. */
  public boolean compute(List<HashPolicy> policies, RequestView request, String sourceIp) {
    present = false;
    value = 0;
    generatedCookie = null;
    generatedCookieValue = null;
    for (int i = 0; i < policies.size(); i++) {
      HashPolicy p = policies.get(i);
      boolean found = false;
      long h = 0;
      switch (p.kind()) {
        case HEADER:
          {
            String v = request.header(p.name());
            if (v != null) {
              h = XxHash64.hash(v, 0);
              found = true;
            }
            break;
          }
        case COOKIE:
          {
            String cookies = request.header("cookie");
            int start = cookies == null ? -1 : cookieValueStart(cookies, p.name());
            if (start >= 0) {
              int end = cookies.indexOf(';', start);
              h = XxHash64.hash(cookies, start, end < 0 ? cookies.length() : end, 0);
              found = true;
            } else if (p.cookieTtlNanos() >= 0 && generatedCookie == null) {
              // Envoy derives the new cookie from the downstream address.
              String generated =
                  Long.toHexString(XxHash64.hash(sourceIp == null ? "" : sourceIp, 0));
              generatedCookie = p;
              generatedCookieValue = generated;
              h = XxHash64.hash(generated, 0);
              found = true;
            }
            break;
          }
        case SOURCE_IP:
          if (sourceIp != null && !sourceIp.isEmpty()) {
            h = XxHash64.hash(sourceIp, 0);
            found = true;
          }
          break;
        case QUERY_PARAMETER:
          {
            String path = request.path();
            int q = path == null ? -1 : path.indexOf('?');
            int start = q < 0 ? -1 : queryValueStart(path, q + 1, p.name());
            if (start >= 0) {
              int end = path.indexOf('&', start);
              int hash = path.indexOf('#', start);
              if (end < 0 || (hash >= 0 && hash < end)) {
                end = hash;
              }
              h = XxHash64.hash(path, start, end < 0 ? path.length() : end, 0);
              found = true;
            }
            break;
          }
        default:
          break;
      }
      if (found) {
        value = present ? Long.rotateLeft(value, 1) ^ h : h;
        present = true;
        if (p.terminal()) {
          break;
        }
      }
    }
    return present;
  }

  /** Whether the last evaluation produced a hash. */
  public boolean present() {
    return present;
  }

  /** The hash of the last evaluation. */
  public long value() {
    return value;
  }

  /** The cookie policy whose cookie was generated, or {@code null}: set it on the response. */
  public HashPolicy generatedCookie() {
    return generatedCookie;
  }

  /** The generated cookie's value, or {@code null}. */
  public String generatedCookieValue() {
    return generatedCookieValue;
  }

  /** Where the value of cookie {@code name} starts in a {@code Cookie} header, or -1. */
  static int cookieValueStart(String cookies, String name) {
    int i = 0;
    int n = cookies.length();
    while (i < n) {
      while (i < n && (cookies.charAt(i) == ' ' || cookies.charAt(i) == ';')) {
        i++;
      }
      if (cookies.startsWith(name, i)
          && i + name.length() < n
          && cookies.charAt(i + name.length()) == '=') {
        return i + name.length() + 1;
      }
      int next = cookies.indexOf(';', i);
      if (next < 0) {
        return -1;
      }
      i = next + 1;
    }
    return -1;
  }

  /** Where the value of query parameter {@code name} starts, scanning from {@code from}, or -1. */
  static int queryValueStart(String path, int from, String name) {
    int i = from;
    int n = path.length();
    while (i < n && path.charAt(i) != '#') {
      if (path.startsWith(name, i)
          && i + name.length() < n
          && path.charAt(i + name.length()) == '=') {
        return i + name.length() + 1;
      }
      int next = path.indexOf('&', i);
      if (next < 0) {
        return -1;
      }
      i = next + 1;
    }
    return -1;
  }
}
