package dev.jmesh.dataplane.policy;

import java.util.List;
import java.util.Locale;

/**
 * One compiled JWT provider: who issues the tokens, with which keys, where a request carries them
 * and what to do with them once verified.
 */
public final class JwtProvider {

  /** A header a token is read from, after {@code valuePrefix} (e.g. {@code Bearer }). */
  public record HeaderLocation(String lowerCaseName, String valuePrefix) {}

  /**
   * Where a request carries tokens; with none at all, {@code Authorization: Bearer} and the {@code
   * access_token} parameter, as in Envoy.
   */
  public record Locations(List<HeaderLocation> headers, List<String> params, List<String> cookies) {
    public Locations {
      headers = List.copyOf(headers);
      params = List.copyOf(params);
      cookies = List.copyOf(cookies);
      if (headers.isEmpty() && params.isEmpty() && cookies.isEmpty()) {
        headers = List.of(new HeaderLocation("authorization", "Bearer "));
        params = List.of("access_token");
      }
    }
  }

  /** A claim copied into a request header ({@code claim_to_headers}); dots reach nested claims. */
  public record ClaimHeader(String lowerCaseHeader, String claim) {}

  /**
   * What a verified token leaves on the request.
   *
   * @param forward whether the token itself stays ({@code false}: its header is removed)
   * @param payloadHeader the header that carries the payload, {@code ""} for none
   * @param claimHeaders claims copied into headers
   */
  public record Forwarding(boolean forward, String payloadHeader, List<ClaimHeader> claimHeaders) {
    public Forwarding {
      payloadHeader = payloadHeader.toLowerCase(Locale.ROOT);
      claimHeaders = List.copyOf(claimHeaders);
    }
  }

  /** A token found in a request. */
  record Found(String token, String header) {}

  private final String name;
  private final String issuer;
  private final List<String> audiences;
  private final List<JwtKey> keys;
  private final Locations locations;
  private final Forwarding forwarding;
  private final long clockSkewSeconds;

  private JwtProvider(
      String name,
      String issuer,
      List<String> audiences,
      List<JwtKey> keys,
      Locations locations,
      Forwarding forwarding,
      long clockSkewSeconds) {
    this.name = name;
    this.issuer = issuer;
    this.audiences = List.copyOf(audiences);
    this.keys = List.copyOf(keys);
    this.locations = locations;
    this.forwarding = forwarding;
    this.clockSkewSeconds = clockSkewSeconds;
  }

  /**
   * A provider.
   *
   * @param jwks the JSON Web Key Set, read once here
   * @throws IllegalArgumentException when the key set cannot be used
   */
  public static JwtProvider of(
      String name,
      String issuer,
      List<String> audiences,
      String jwks,
      Locations locations,
      Forwarding forwarding,
      long clockSkewSeconds) {
    return new JwtProvider(
        name, issuer, audiences, Jwks.parse(jwks), locations, forwarding, clockSkewSeconds);
  }

  public String name() {
    return name;
  }

  public String issuer() {
    return issuer;
  }

  Forwarding forwarding() {
    return forwarding;
  }

  /** The first token in one of this provider's locations, {@code null} if none. */
  Found find(PolicyRequest request) {
    for (HeaderLocation h : locations.headers()) {
      String value = request.header(h.lowerCaseName());
      if (value == null) {
        continue;
      }
      String token = afterPrefix(value, h.valuePrefix());
      if (token != null) {
        return new Found(token, h.lowerCaseName());
      }
    }
    if (!locations.params().isEmpty()) {
      String path = request.path();
      int q = path == null ? -1 : path.indexOf('?');
      if (q >= 0) {
        for (String p : locations.params()) {
          String token = queryParameter(path, q + 1, p);
          if (token != null) {
            return new Found(token, null);
          }
        }
      }
    }
    String cookies = locations.cookies().isEmpty() ? null : request.header("cookie");
    if (cookies != null) {
      for (String c : locations.cookies()) {
        String token = cookie(cookies, c);
        if (token != null) {
          return new Found(token, null);
        }
      }
    }
    return null;
  }

  private static String cookie(String header, String name) {
    for (String pair : header.split(";")) {
      String p = pair.trim();
      if (p.length() > name.length() && p.startsWith(name) && p.charAt(name.length()) == '=') {
        String v = p.substring(name.length() + 1);
        return v.isEmpty() ? null : v;
      }
    }
    return null;
  }

  /** Checks {@code jwt} against this provider at {@code nowSeconds}. */
  JwtStatus verify(Jwt jwt, long nowSeconds) {
    if (!issuer.isEmpty() && !issuer.equals(jwt.issuer())) {
      return JwtStatus.UNKNOWN_ISSUER;
    }
    long exp = jwt.numericDate("exp");
    if (exp >= 0 && nowSeconds > exp + clockSkewSeconds) {
      return JwtStatus.EXPIRED;
    }
    long nbf = jwt.numericDate("nbf");
    if (nbf >= 0 && nowSeconds < nbf - clockSkewSeconds) {
      return JwtStatus.NOT_YET_VALID;
    }
    if (!audiences.isEmpty()) {
      boolean allowed = false;
      for (String a : jwt.audiences()) {
        allowed |= audiences.contains(a);
      }
      if (!allowed) {
        return JwtStatus.AUDIENCE_NOT_ALLOWED;
      }
    }
    boolean tried = false;
    for (JwtKey k : keys) {
      if (k.fits(jwt.kid, jwt.alg)) {
        tried = true;
        if (k.verify(jwt.alg, jwt.signingInput, jwt.signature)) {
          return JwtStatus.OK;
        }
      }
    }
    return tried ? JwtStatus.VERIFICATION_FAILED : JwtStatus.NO_MATCHING_KEY;
  }

  private static String afterPrefix(String value, String prefix) {
    String v = value.trim();
    if (!prefix.isEmpty()) {
      // Envoy compares the scheme without regard to case ("bearer" works as "Bearer").
      if (!v.regionMatches(true, 0, prefix, 0, prefix.length())) {
        return null;
      }
      v = v.substring(prefix.length()).trim();
    }
    int end = v.length();
    for (int i = 0; i < v.length(); i++) {
      char c = v.charAt(i);
      if (c == ',' || c == ' ') {
        end = i;
        break;
      }
    }
    return end == 0 ? null : v.substring(0, end);
  }

  private static String queryParameter(String path, int from, String name) {
    int i = from;
    while (i < path.length()) {
      int amp = path.indexOf('&', i);
      int end = amp < 0 ? path.length() : amp;
      int hash = path.indexOf('#', i);
      if (hash >= 0 && hash < end) {
        end = hash;
      }
      if (end - i > name.length()
          && path.startsWith(name, i)
          && path.charAt(i + name.length()) == '=') {
        return path.substring(i + name.length() + 1, end);
      }
      if (amp < 0 || (hash >= 0 && hash < amp)) {
        break;
      }
      i = amp + 1;
    }
    return null;
  }

  @Override
  public String toString() {
    return name + "(" + issuer + ")";
  }
}
