package dev.jmesh.instrumentation.grpc.v1_68;

import dev.jmesh.instrumentation.api.InstrumentationModule;
import dev.jmesh.instrumentation.api.TypeInstrumentation;
import dev.jmesh.instrumentation.grpc.v1_68.netty.NettyTransportInstrumentation;
import dev.jmesh.instrumentation.grpc.v1_68.netty.PlaintextNegotiatorInstrumentation;
import java.util.ArrayList;
import java.util.List;

/**
 * The mesh's mTLS on grpc-netty's plaintext channels, per direct connection. Its own module, so an
 * application without grpc-netty still gets {@link GrpcModule}: there the channel never claims it
 * can put TLS on a connection, and mTLS routes go to the engine. {@link GrpcNettyShadedModule} is
 * the same for grpc-netty-shaded.
 */
public class GrpcNettyModule implements InstrumentationModule {

  private final String name;
  private final String grpcNetty;
  private final String classes;

  public GrpcNettyModule() {
    this("grpc-netty-1.68", GrpcNames.grpc("netty"), "netty");
  }

  /**
   * {@code grpcNetty}: the transport's package; {@code classes}: the subpackage holding the advice
   * ({@code <module>.<classes>}) and helpers ({@code <module>.helpers.<classes>}) compiled for it.
   */
  GrpcNettyModule(String name, String grpcNetty, String classes) {
    this.name = name;
    this.grpcNetty = grpcNetty;
    this.classes = classes;
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public List<String> knownTargetNames() {
    return List.of(
        grpcNetty + ".NettyChannelBuilder$NettyTransportFactory",
        grpcNetty + ".ProtocolNegotiators$PlaintextProtocolNegotiator");
  }

  @Override
  public List<TypeInstrumentation> typeInstrumentations() {
    String advice = "dev.jmesh.instrumentation.grpc.v1_68." + classes + ".";
    return List.of(
        new NettyTransportInstrumentation(
            grpcNetty, advice + "NettyTransportInstrumentation$ConstructorAdvice"),
        new PlaintextNegotiatorInstrumentation(
            grpcNetty, advice + "PlaintextNegotiatorInstrumentation$NewHandlerAdvice"));
  }

  @Override
  public List<String> helperClassNames() {
    List<String> helpers = new ArrayList<>(GrpcModule.HELPERS);
    String p = "dev.jmesh.instrumentation.grpc.v1_68.helpers." + classes + ".";
    helpers.add(p + "MeshSslContext");
    helpers.add(p + "RefusedNegotiation");
    helpers.add(p + "MeshTlsNegotiation");
    return helpers;
  }
}
