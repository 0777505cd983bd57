package dev.jmesh.dataplane.identity;

import dev.jmesh.ca.api.IstioCertificateClient;
import dev.jmesh.ca.api.IstioCertificateRequest;
import io.grpc.Channel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * The control plane's CA as a {@link CertificateSigner}: Istio's {@code CreateCertificate} over the
 * workload's TLS channel to port 15012 (whose server certificate was checked against the root the
 * join token pins). The join token proves who the workload is while it is valid; after that the
 * workload's current SVID, presented as the channel's client certificate, does. The roots the CA
 * sends with each certificate become the workload's trust bundle.
 */
public final class ControlPlaneCa implements CertificateSigner {

  private static final Duration DEADLINE = Duration.ofSeconds(10);

  private final Channel channel;
  private final String token;
  private final Instant tokenExpiry;
  private final String trustDomain;
  private final Consumer<TrustBundle> trustBundle;

  /**
   * @param channel a TLS channel to the CA
   * @param token the join token, {@code null} to rely on the client certificate alone
   * @param tokenExpiry when the token stops being sent
   * @param trustDomain the workload's trust domain
   * @param trustBundle receives the roots the CA sends
   */
  public ControlPlaneCa(
      Channel channel,
      String token,
      Instant tokenExpiry,
      String trustDomain,
      Consumer<TrustBundle> trustBundle) {
    this.channel = channel;
    this.token = token;
    this.tokenExpiry = tokenExpiry;
    this.trustDomain = trustDomain;
    this.trustBundle = trustBundle;
  }

  @Override
  public List<X509Certificate> sign(String csrPem, long ttlSeconds) throws Exception {
    IstioCertificateClient client = IstioCertificateClient.of(channel).withDeadline(DEADLINE);
    if (token != null && Instant.now().isBefore(tokenExpiry)) {
      client = client.withBearerToken(token);
    }
    IstioCertificateClient.CertificateReply reply;
    try {
      reply =
          client
              .createCertificate(IstioCertificateRequest.of(csrPem, ttlSeconds))
              .get(DEADLINE.toSeconds() + 5, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof StatusRuntimeException s) {
        Status.Code code = s.getStatus().getCode();
        if (code == Status.Code.UNAVAILABLE || code == Status.Code.DEADLINE_EXCEEDED) {
          // Not a refusal: nobody answered. Say so, and where, for the operator.
          throw new CertificateException(
              "the control plane at "
                  + channel.authority()
                  + " is unreachable ("
                  + code
                  + ": "
                  + s.getStatus().getDescription()
                  + ")");
        }
        // The status says why (e.g. "UNAUTHENTICATED: expired: ..."); never the token itself.
        throw new CertificateException(
            "the CA refused: " + code + ": " + s.getStatus().getDescription());
      }
      throw e;
    }
    List<X509Certificate> chain = new ArrayList<>();
    for (String pem : reply.certChain()) {
      chain.addAll(parse(pem));
    }
    List<X509Certificate> roots = new ArrayList<>();
    for (String pem : reply.trustBundle()) {
      roots.addAll(parse(pem));
    }
    if (!roots.isEmpty()) {
      trustBundle.accept(new TrustBundle(trustDomain, roots));
    }
    return chain;
  }

  static List<X509Certificate> parse(String pem) throws CertificateException {
    Collection<? extends java.security.cert.Certificate> certs =
        CertificateFactory.getInstance("X.509")
            .generateCertificates(
                new ByteArrayInputStream(pem.getBytes(StandardCharsets.US_ASCII)));
    List<X509Certificate> out = new ArrayList<>();
    for (java.security.cert.Certificate c : certs) {
      out.add((X509Certificate) c);
    }
    return out;
  }
}
