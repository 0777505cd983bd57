package dev.jmesh.dataplane.policy;

import com.google.protobuf.ListValue;
import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import java.util.List;

/**
 * What a verified JWT proved about a request, and the same facts in the shape of Istio's {@code
 * istio_authn} dynamic metadata ({@code request.auth.principal}, {@code .audiences}, {@code
 * .presenter}, {@code .claims}), built once per token so RBAC metadata matchers only read.
 */
public final class RequestAuth {

  public static final String METADATA_FILTER = "istio_authn";
  public static final String PRINCIPAL = "request.auth.principal";
  public static final String AUDIENCES = "request.auth.audiences";
  public static final String PRESENTER = "request.auth.presenter";
  public static final String CLAIMS = "request.auth.claims";

  private final String principal;
  private final List<String> audiences;
  private final Struct metadata;

  /**
   * @param principal {@code iss/sub}
   * @param audiences the token's {@code aud}, a single audience as a one-element list
   * @param presenter the token's {@code azp}, {@code ""} when absent
   * @param claims the whole payload
   */
  public RequestAuth(String principal, List<String> audiences, String presenter, Struct claims) {
    this.principal = principal;
    this.audiences = List.copyOf(audiences);
    ListValue.Builder aud = ListValue.newBuilder();
    for (String a : audiences) {
      aud.addValues(Value.newBuilder().setStringValue(a));
    }
    Struct.Builder m =
        Struct.newBuilder()
            .putFields(PRINCIPAL, Value.newBuilder().setStringValue(principal).build())
            .putFields(AUDIENCES, Value.newBuilder().setListValue(aud).build())
            .putFields(CLAIMS, Value.newBuilder().setStructValue(claims).build());
    if (!presenter.isEmpty()) {
      m.putFields(PRESENTER, Value.newBuilder().setStringValue(presenter).build());
    }
    this.metadata = m.build();
  }

  /** {@code iss/sub}. */
  public String principal() {
    return principal;
  }

  public List<String> audiences() {
    return audiences;
  }

  /** The {@code istio_authn} metadata. */
  public Struct metadata() {
    return metadata;
  }
}
