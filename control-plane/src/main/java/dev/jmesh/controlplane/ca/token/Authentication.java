package dev.jmesh.controlplane.ca.token;

import java.util.Objects;

/**
 * The outcome of authenticating a caller: the namespace and service account it proved, or why
 * it was refused. Messages never quote the credential.
 */
public final class Authentication {
  /** Why a credential was refused; {@link #label()} is the metric label. */
  public enum Refusal {
    MISSING("missing"),
    MALFORMED("malformed"),
    BAD_SIGNATURE("bad_signature"),
    EXPIRED("expired"),
    REVOKED("revoked"),
    UNSUPPORTED("unsupported");

    private final String label;

    Refusal(String label) {
      this.label = label;
    }

    public String label() {
      return label;
    }
  }

  private final String namespace;
  private final String serviceAccount;
  private final String tokenId;
  private final Refusal refusal;
  private final String message;

  private Authentication(String namespace, String serviceAccount, String tokenId,
      Refusal refusal, String message) {
    this.namespace = namespace;
    this.serviceAccount = serviceAccount;
    this.tokenId = tokenId;
    this.refusal = refusal;
    this.message = message;
  }

  public static Authentication authenticated(String namespace, String serviceAccount,
      String tokenId) {
    return new Authentication(Objects.requireNonNull(namespace),
        Objects.requireNonNull(serviceAccount), tokenId, null, null);
  }

  public static Authentication refused(Refusal refusal, String message) {
    return new Authentication(null, null, null, Objects.requireNonNull(refusal), message);
  }

  public boolean isAuthenticated() {
    return refusal == null;
  }

  public String namespace() {
    return namespace;
  }

  public String serviceAccount() {
    return serviceAccount;
  }

  /** The join token's id (for logs and revocation), or null. */
  public String tokenId() {
    return tokenId;
  }

  public Refusal refusal() {
    return refusal;
  }

  public String message() {
    return message;
  }

  @Override
  public String toString() {
    return isAuthenticated()
        ? namespace + "/" + serviceAccount + (tokenId != null ? " (token " + tokenId + ")" : "")
        : "refused: " + refusal.label() + ": " + message;
  }
}
