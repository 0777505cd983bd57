package dev.jmesh.controlplane.ca;

import dev.jmesh.ca.api.IstioCertificateService;
import dev.jmesh.controlplane.ca.token.Authentication;
import dev.jmesh.controlplane.ca.token.Authentication.Refusal;
import dev.jmesh.controlplane.ca.token.Authenticator;
import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import java.net.SocketAddress;
import java.security.cert.Certificate;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.function.Supplier;
import java.util.logging.Logger;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;

/**
 * Establishes who is calling before a handler runs, and refuses the call (UNAUTHENTICATED, with
 * the reason) otherwise. Two proofs are accepted: a bearer token in {@code authorization} (the
 * first contact: a join token), or a client certificate this CA issued, already verified by the
 * TLS handshake against the trust bundle (renewal after the token has expired). Handlers read
 * the result from {@link #CALLER}. Refusals are counted by reason.
 */
public final class CallerAuthentication implements ServerInterceptor {
  private static final Logger logger = Logger.getLogger(CallerAuthentication.class.getName());

  /** The authenticated caller of the current call. */
  public static final Context.Key<Authentication> CALLER = Context.key("jmesh-caller");

  /**
   * The remote address of the current call's connection: a workload's certificate requests and
   * its ADS stream share one, which ties the certificate to the stream.
   */
  public static final Context.Key<SocketAddress> CONNECTION = Context.key("jmesh-connection");

  private final Authenticator tokens;
  private final Supplier<String> trustDomain;
  private final CaMetrics metrics;

  public CallerAuthentication(Authenticator tokens, Supplier<String> trustDomain,
      CaMetrics metrics) {
    this.tokens = tokens;
    this.trustDomain = trustDomain;
    this.metrics = metrics;
  }

  @Override
  public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
      ServerCallHandler<Q, R> next) {
    Authentication who = authenticate(call, headers);
    if (!who.isAuthenticated()) {
      metrics.tokenRefused(who.refusal().label());
      logger.fine(() -> "refused " + call.getMethodDescriptor().getFullMethodName() + " from "
          + call.getAttributes().get(Grpc.TRANSPORT_ATTR_REMOTE_ADDR) + ": " + who);
      call.close(Status.UNAUTHENTICATED.withDescription(who.refusal().label() + ": "
          + who.message()), new Metadata());
      return new ServerCall.Listener<>() {};
    }
    return Contexts.interceptCall(Context.current().withValue(CALLER, who)
        .withValue(CONNECTION, call.getAttributes().get(Grpc.TRANSPORT_ATTR_REMOTE_ADDR)),
        call, headers, next);
  }

  private Authentication authenticate(ServerCall<?, ?> call, Metadata headers) {
    String authorization = headers.get(IstioCertificateService.AUTHORIZATION_HEADER);
    if (authorization != null) {
      if (!authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
        return Authentication.refused(Refusal.MALFORMED,
            "authorization must be 'Bearer <token>'");
      }
      return tokens.authenticate(authorization.substring(7).strip());
    }
    Authentication byCertificate = fromPeerCertificate(
        call.getAttributes().get(Grpc.TRANSPORT_ATTR_SSL_SESSION));
    if (byCertificate != null) {
      return byCertificate;
    }
    return Authentication.refused(Refusal.MISSING, "no credential: send 'authorization: Bearer"
        + " <join token>' or present a certificate issued by this CA");
  }

  /** The identity of a verified client SVID of our trust domain, or null when there is none. */
  private Authentication fromPeerCertificate(SSLSession session) {
    if (session == null) {
      return null;
    }
    Certificate[] peer;
    try {
      peer = session.getPeerCertificates();
    } catch (SSLPeerUnverifiedException e) {
      return null;
    }
    if (peer.length == 0 || !(peer[0] instanceof X509Certificate leaf)) {
      return null;
    }
    String prefix = "spiffe://" + trustDomain.get() + "/ns/";
    try {
      if (leaf.getSubjectAlternativeNames() == null) {
        return null;
      }
      for (List<?> san : leaf.getSubjectAlternativeNames()) {
        if (Integer.valueOf(6).equals(san.get(0)) && san.get(1) instanceof String uri
            && uri.startsWith(prefix)) {
          String[] rest = uri.substring(prefix.length()).split("/");
          if (rest.length == 3 && rest[1].equals("sa")) {
            return Authentication.authenticated(rest[0], rest[2], null);
          }
        }
      }
    } catch (CertificateParsingException e) {
      return null;
    }
    return Authentication.refused(Refusal.UNSUPPORTED,
        "the client certificate carries no SPIFFE ID of trust domain " + trustDomain.get());
  }
}
