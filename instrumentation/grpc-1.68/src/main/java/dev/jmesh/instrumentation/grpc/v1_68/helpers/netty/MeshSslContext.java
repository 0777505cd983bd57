package dev.jmesh.instrumentation.grpc.v1_68.helpers.netty;

import io.netty.handler.ssl.DelegatingSslContext;
import io.netty.handler.ssl.SslContext;
import java.util.Collections;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;

/**
 * The mesh's client context for grpc-netty's TLS handler, which names the channel's authority
 * ({@code reviews}) as the peer: no SNI for it, and an explicit "no host name check" (an empty
 * algorithm, which grpc-netty leaves alone) — the trust manager checks the SPIFFE ID instead.
 */
final class MeshSslContext extends DelegatingSslContext {

  MeshSslContext(SslContext context) {
    super(context);
  }

  @Override
  protected void initEngine(SSLEngine engine) {
    SSLParameters parameters = engine.getSSLParameters();
    parameters.setServerNames(Collections.emptyList());
    parameters.setEndpointIdentificationAlgorithm("");
    engine.setSSLParameters(parameters);
  }
}
