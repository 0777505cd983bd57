package dev.jmesh.ca.api;

import io.grpc.CallCredentials;
import io.grpc.Metadata;
import io.grpc.SecurityLevel;
import io.grpc.Status;
import java.util.Objects;
import java.util.concurrent.Executor;

/**
 * Sends a token as {@code authorization: Bearer <token>} — and only over TLS: a join token is a
 * credential, so a plaintext channel fails the call instead of leaking it.
 */
public final class BearerTokenCredentials extends CallCredentials {
  private final String token;

  public BearerTokenCredentials(String token) {
    this.token = Objects.requireNonNull(token, "token").strip();
  }

  @Override
  public void applyRequestMetadata(RequestInfo info, Executor executor, MetadataApplier applier) {
    if (info.getSecurityLevel() != SecurityLevel.PRIVACY_AND_INTEGRITY) {
      applier.fail(
          Status.UNAUTHENTICATED.withDescription(
              "refusing to send the token over a channel without TLS (security level "
                  + info.getSecurityLevel()
                  + ")"));
      return;
    }
    Metadata headers = new Metadata();
    headers.put(IstioCertificateService.AUTHORIZATION_HEADER, "Bearer " + token);
    applier.apply(headers);
  }

  @Override
  public String toString() {
    return "BearerTokenCredentials{token=<redacted>}";
  }
}
