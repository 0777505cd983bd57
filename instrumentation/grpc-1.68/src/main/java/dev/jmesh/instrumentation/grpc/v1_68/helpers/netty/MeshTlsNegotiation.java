package dev.jmesh.instrumentation.grpc.v1_68.helpers.netty;

import dev.jmesh.instrumentation.grpc.v1_68.helpers.MeshCallOptions;
import dev.jmesh.instrumentation.grpc.v1_68.helpers.MeshChannels;
import io.grpc.ChannelLogger;
import io.grpc.netty.GrpcHttp2ConnectionHandler;
import io.grpc.netty.InternalProtocolNegotiators;
import io.netty.channel.ChannelHandler;
import io.netty.handler.ssl.ApplicationProtocolConfig;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.IdentityCipherSuiteFilter;
import io.netty.handler.ssl.JdkSslContext;
import io.netty.handler.ssl.SslContext;
import javax.net.ssl.SSLContext;

/**
 * The mesh's mTLS on a direct subchannel's connection, in place of grpc-netty's plaintext
 * negotiation: grpc-netty's own client TLS handler, over the workload's {@link SSLContext} (whose
 * trust manager checks the server's SPIFFE ID) with ALPN {@code h2}, no host name check and no SNI
 * (the endpoint is an IP). The channel's authority stays the application's.
 *
 * <p>This package is compiled against grpc-netty and copied, relocated to grpc-netty-shaded's
 * names, into {@code helpers.shadednetty} by the {@code grpc-netty-shaded-1.68} build.
 */
public final class MeshTlsNegotiation {

  /** The last context converted, and Netty's view of it: contexts are long-lived and shared. */
  private static volatile Object[] last = new Object[2];

  /** grpc-netty's plaintext negotiation (relocated with the rest in the shaded copy). */
  private static final String PLAINTEXT =
      "io.grpc.netty.ProtocolNegotiators$PlaintextProtocolNegotiator";

  private MeshTlsNegotiation() {}

  /**
   * The transport of the channel being built negotiates with {@code negotiator}: only the plaintext
   * one lets the mesh put its own TLS on a direct connection.
   */
  public static void transportBuilt(Object negotiator) {
    MeshChannels.tlsCapable(
        negotiator != null && negotiator.getClass().getName().equals(PLAINTEXT));
  }

  /**
   * The negotiation for a connection whose address the mesh secures, {@code null} for one it does
   * not. Never falls back to plaintext: a failure here gives a handler that fails the connection.
   * Typed {@code Object} (a {@code GrpcHttp2ConnectionHandler} in, a {@code ChannelHandler} out) so
   * that the advice calling it names no grpc or Netty type.
   */
  public static Object handlerFor(Object connection) {
    GrpcHttp2ConnectionHandler grpcHandler = (GrpcHttp2ConnectionHandler) connection;
    SSLContext tls = grpcHandler.getEagAttributes().get(MeshCallOptions.TLS_ATTRIBUTE);
    if (tls == null) {
      return null;
    }
    try {
      ChannelLogger logger = grpcHandler.getNegotiationLogger();
      ChannelHandler tlsHandler =
          InternalProtocolNegotiators.clientTlsHandler(
              InternalProtocolNegotiators.grpcNegotiationHandler(grpcHandler),
              nettyContext(tls),
              grpcHandler.getAuthority(),
              logger);
      return InternalProtocolNegotiators.waitUntilActiveHandler(tlsHandler, logger);
    } catch (RuntimeException | Error e) {
      return new RefusedNegotiation(e);
    }
  }

  private static SslContext nettyContext(SSLContext tls) {
    Object[] cached = last;
    if (cached[0] == tls) {
      return (SslContext) cached[1];
    }
    SslContext context =
        new MeshSslContext(
            new JdkSslContext(
                tls,
                true,
                null,
                IdentityCipherSuiteFilter.INSTANCE,
                new ApplicationProtocolConfig(
                    ApplicationProtocolConfig.Protocol.ALPN,
                    ApplicationProtocolConfig.SelectorFailureBehavior.NO_ADVERTISE,
                    ApplicationProtocolConfig.SelectedListenerFailureBehavior.ACCEPT,
                    "h2"),
                ClientAuth.NONE,
                null,
                false));
    last = new Object[] {tls, context};
    return context;
  }
}
