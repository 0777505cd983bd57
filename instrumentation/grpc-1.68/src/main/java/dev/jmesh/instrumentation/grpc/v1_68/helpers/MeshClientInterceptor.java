package dev.jmesh.instrumentation.grpc.v1_68.helpers;

import dev.jmesh.bootstrap.MeshCall;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.MethodDescriptor;

/**
 * The mesh's interceptor, innermost of a channel's own (after the application's, so routes see the
 * metadata they add): every RPC becomes a {@link MeshClientCall}, decided by the data path.
 */
public final class MeshClientInterceptor implements ClientInterceptor {

  /** The {@code library} label of the RPCs this instrumentation decides. */
  static final String LIBRARY = "grpc";

  private static final int ALWAYS = MeshCall.CAN_REPLY | MeshCall.CAN_DELAY;

  /**
   * Whether the channel's transport puts the mesh's TLS on a direct subchannel's connection: only
   * grpc-netty's plaintext negotiation does (the application's own TLS, or another transport, would
   * leave a connection the mesh secures in plaintext, so those routes go to the engine).
   */
  private volatile boolean tlsCapable;

  void tlsCapable(boolean capable) {
    tlsCapable = capable;
  }

  @Override
  public <Q, R> ClientCall<Q, R> interceptCall(
      MethodDescriptor<Q, R> method, CallOptions options, Channel next) {
    return new MeshClientCall<>(method, options, next, capabilities(method.getType()));
  }

  /**
   * A unary RPC keeps its one request message and holds its response until the attempt is final, so
   * it can be retried; a client or bidi stream is sent as it comes (retries off, as Envoy does for
   * a body past its buffer); a server stream's answer reaches the application as it comes, so a
   * route that retries it goes to the engine.
   */
  private int capabilities(MethodDescriptor.MethodType type) {
    // Ifs, not a switch: a switch on an enum compiles to a synthetic class to inject as well.
    int caps = tlsCapable ? ALWAYS | MeshCall.CAN_TLS : ALWAYS;
    if (type == MethodDescriptor.MethodType.UNARY) {
      return caps | MeshCall.CAN_RETRY;
    }
    if (type == MethodDescriptor.MethodType.SERVER_STREAMING) {
      return caps;
    }
    return caps | MeshCall.CAN_RETRY | MeshCall.ONE_SHOT_BODY;
  }
}
