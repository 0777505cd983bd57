package dev.jmesh.controlplane.config;

import java.util.List;
import java.util.Map;

/** Istio's RequestAuthentication: which JWTs a workload accepts; enforced by the data path. */
public record RequestAuthentication(
    ResourceMeta meta, Map<String, String> selector, List<JwtRule> jwtRules)
    implements ConfigResource {

  /** One accepted issuer and where its keys and tokens are. */
  public record JwtRule(
      String issuer,
      List<String> audiences,
      String jwksUri,
      String jwks,
      List<JwtHeader> fromHeaders,
      List<String> fromParams,
      String outputPayloadToHeader,
      boolean forwardOriginalToken,
      int line) {
    public JwtRule {
      audiences = List.copyOf(audiences);
      fromHeaders = List.copyOf(fromHeaders);
      fromParams = List.copyOf(fromParams);
    }
  }

  /** A header a token may come in, with the prefix before it ({@code "Bearer "}) or empty. */
  public record JwtHeader(String name, String prefix) {}

  public RequestAuthentication {
    selector = Map.copyOf(selector);
    jwtRules = List.copyOf(jwtRules);
  }
}
