package dev.jmesh.ca.api;

import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.Metadata;
import io.grpc.Status;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Calls {@code CreateCertificate} on a CA. Immutable; {@code with...} return copies.
 *
 * <pre>{@code
 * ManagedChannel channel = NettyChannelBuilder.forAddress("localhost", 15012)
 *     .sslContext(GrpcSslContexts.forClient()
 *         .trustManager(new PinnedRootTrustManager(token.claims().rootFingerprints())).build())
 *     .build();
 * CertificateReply reply = IstioCertificateClient.of(channel)
 *     .withBearerToken(tokenText)
 *     .withDeadline(Duration.ofSeconds(10))
 *     .createCertificate(IstioCertificateRequest.of(csrPem, 86400))
 *     .get();
 * }</pre>
 */
public final class IstioCertificateClient {
  private final Channel channel;
  private final CallOptions options;

  private IstioCertificateClient(Channel channel, CallOptions options) {
    this.channel = channel;
    this.options = options;
  }

  public static IstioCertificateClient of(Channel channel) {
    return new IstioCertificateClient(channel, CallOptions.DEFAULT);
  }

  /** Authenticates every call with {@code token} (sent only over TLS). */
  public IstioCertificateClient withBearerToken(String token) {
    return new IstioCertificateClient(
        channel, options.withCallCredentials(new BearerTokenCredentials(token)));
  }

  /** Each call fails with DEADLINE_EXCEEDED after {@code timeout}. */
  public IstioCertificateClient withDeadline(Duration timeout) {
    return new IstioCertificateClient(
        channel, options.withDeadlineAfter(timeout.toNanos(), TimeUnit.NANOSECONDS));
  }

  /** What the CA answered: the chain and the roots to trust. */
  public record CertificateReply(IstioCertificateResponse response, List<String> trustBundle) {
    /** The chain, PEM, leaf first. */
    public List<String> certChain() {
      return response.certChain();
    }
  }

  /**
   * Sends the request; the future fails with a {@link io.grpc.StatusRuntimeException}
   * (UNAUTHENTICATED for a refused token, INVALID_ARGUMENT for a refused CSR, UNAVAILABLE when the
   * server's certificate is not trusted). Cancelling the future cancels the call.
   */
  public CompletableFuture<CertificateReply> createCertificate(IstioCertificateRequest request) {
    CompletableFuture<CertificateReply> result = new CompletableFuture<>();
    ClientCall<IstioCertificateRequest, IstioCertificateResponse> call =
        channel.newCall(IstioCertificateService.CREATE_CERTIFICATE, options);
    call.start(
        new ClientCall.Listener<>() {
          private List<String> bundle = List.of();
          private IstioCertificateResponse response;

          @Override
          public void onHeaders(Metadata headers) {
            byte[] pem = headers.get(IstioCertificateService.TRUST_BUNDLE_HEADER);
            if (pem != null) {
              bundle = splitPem(new String(pem, StandardCharsets.US_ASCII));
            }
          }

          @Override
          public void onMessage(IstioCertificateResponse message) {
            response = message;
          }

          @Override
          public void onClose(Status status, Metadata trailers) {
            if (!status.isOk()) {
              result.completeExceptionally(status.asRuntimeException(trailers));
            } else if (response == null) {
              result.completeExceptionally(
                  Status.INTERNAL
                      .withDescription("CreateCertificate closed without a response")
                      .asRuntimeException());
            } else {
              List<String> roots = bundle;
              if (roots.isEmpty() && !response.certChain().isEmpty()) {
                // An Istio CA sends no bundle header: its root is the chain's last certificate.
                roots = List.of(response.certChain().get(response.certChain().size() - 1));
              }
              result.complete(new CertificateReply(response, roots));
            }
          }
        },
        new Metadata());
    call.request(1);
    call.sendMessage(request);
    call.halfClose();
    // Cancelling the future cancels the call, so a caller that gives up frees the stream.
    result.whenComplete(
        (reply, failure) -> {
          if (result.isCancelled()) {
            call.cancel("the caller cancelled", null);
          }
        });
    return result;
  }

  /** Splits concatenated PEM certificates into one string each. */
  static List<String> splitPem(String text) {
    List<String> out = new ArrayList<>();
    String end = "-----END CERTIFICATE-----";
    int from = 0;
    while (true) {
      int begin = text.indexOf("-----BEGIN CERTIFICATE-----", from);
      if (begin < 0) {
        return out;
      }
      int stop = text.indexOf(end, begin);
      if (stop < 0) {
        return out;
      }
      out.add(text.substring(begin, stop + end.length()) + "\n");
      from = stop + end.length();
    }
  }
}
