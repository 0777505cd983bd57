package dev.jmesh.instrumentation.grpc.v1_68;

import dev.jmesh.instrumentation.api.InstrumentationModule;
import dev.jmesh.instrumentation.api.TypeInstrumentation;
import java.util.ArrayList;
import java.util.List;

/**
 * The mesh's mTLS on grpc-netty's plaintext channels, per direct connection. Its own module, so an
 * application without grpc-netty (shaded Netty, OkHttp) still gets {@link GrpcModule}: there the
 * channel never claims it can put TLS on a connection, and mTLS routes go to the engine.
 */
public final class GrpcNettyModule implements InstrumentationModule {

  @Override
  public String name() {
    return "grpc-netty-1.68";
  }

  @Override
  public List<String> knownTargetNames() {
    return List.of(
        GrpcNames.grpc("netty.NettyChannelBuilder$NettyTransportFactory"),
        GrpcNames.grpc("netty.ProtocolNegotiators$PlaintextProtocolNegotiator"));
  }

  @Override
  public List<TypeInstrumentation> typeInstrumentations() {
    return List.of(new NettyTransportInstrumentation(), new PlaintextNegotiatorInstrumentation());
  }

  @Override
  public List<String> helperClassNames() {
    List<String> helpers = new ArrayList<>(GrpcModule.HELPERS);
    String p = "dev.jmesh.instrumentation.grpc.v1_68.helpers.";
    helpers.add(p + "MeshSslContext");
    helpers.add(p + "RefusedNegotiation");
    helpers.add(p + "MeshTlsNegotiation");
    return helpers;
  }
}
