package dev.jmesh.controlplane.ca;

import dev.jmesh.ca.api.IstioCertificateRequest;
import dev.jmesh.ca.api.IstioCertificateResponse;
import dev.jmesh.ca.api.IstioCertificateService;
import dev.jmesh.controlplane.ca.token.Authentication;
import io.grpc.ForwardingServerCall;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.nio.charset.StandardCharsets;
import java.util.logging.Logger;

/**
 * {@code CreateCertificate}: signs the caller's CSR for the identity the caller proved
 * ({@link CallerAuthentication}), never one the CSR names. The answer's headers carry the trust
 * bundle ({@link IstioCertificateService#TRUST_BUNDLE_HEADER}).
 */
public final class CertificateSigningService implements IstioCertificateService.Handler {
  private static final Logger logger =
      Logger.getLogger(CertificateSigningService.class.getName());

  private final CertificateAuthority ca;

  public CertificateSigningService(CertificateAuthority ca) {
    this.ca = ca;
  }

  /** The service with caller authentication and the trust-bundle header in front of it. */
  public ServerServiceDefinition bind(CallerAuthentication authentication) {
    return ServerInterceptors.intercept(IstioCertificateService.bindService(this),
        new TrustBundleHeader(), authentication);
  }

  @Override
  public void createCertificate(IstioCertificateRequest request,
      StreamObserver<IstioCertificateResponse> response) {
    Authentication caller = CallerAuthentication.CALLER.get();
    if (caller == null || !caller.isAuthenticated()) {
      response.onError(Status.UNAUTHENTICATED.withDescription("no authenticated caller")
          .asRuntimeException());
      return;
    }
    try {
      IssuedCertificate issued = ca.issue(caller.namespace(), caller.serviceAccount(),
          request.csr(), request.validityDurationSeconds());
      logger.fine(() -> "issued " + caller.namespace() + "/" + caller.serviceAccount()
          + " serial " + issued.leaf().getSerialNumber().toString(16) + " until "
          + issued.leaf().getNotAfter().toInstant());
      ca.issued().record(CallerAuthentication.CONNECTION.get(), caller.namespace(),
          caller.serviceAccount(), new WorkloadIdentity(ca.settings().trustDomain().get(),
              caller.namespace(), caller.serviceAccount()).spiffeId(), issued.leaf(),
          ca.clock().instant());
      response.onNext(IstioCertificateResponse.of(issued.pemChain()));
      response.onCompleted();
    } catch (IssuanceRefused e) {
      Status status = e.reason() == IssuanceRefused.Reason.CA_UNAVAILABLE
          ? Status.UNAVAILABLE : Status.INVALID_ARGUMENT;
      response.onError(status.withDescription(e.reason().label() + ": " + e.getMessage())
          .asRuntimeException());
    }
  }

  /** Adds the current trust bundle to the response headers. */
  private final class TrustBundleHeader implements ServerInterceptor {
    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
        ServerCallHandler<Q, R> next) {
      return next.startCall(new ForwardingServerCall.SimpleForwardingServerCall<>(call) {
        @Override
        public void sendHeaders(Metadata responseHeaders) {
          responseHeaders.put(IstioCertificateService.TRUST_BUNDLE_HEADER,
              ca.trustBundle().pem().getBytes(StandardCharsets.US_ASCII));
          super.sendHeaders(responseHeaders);
        }
      }, headers);
    }
  }
}
