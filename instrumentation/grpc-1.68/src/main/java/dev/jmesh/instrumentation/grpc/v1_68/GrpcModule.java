package dev.jmesh.instrumentation.grpc.v1_68;

import dev.jmesh.instrumentation.api.InstrumentationModule;
import dev.jmesh.instrumentation.api.TypeInstrumentation;
import java.util.List;

/**
 * grpc-java 1.68 and later on the direct path: every channel's RPCs to mesh services are routed,
 * retried, timed and answered by the mesh's interceptor, sent over one subchannel per endpoint the
 * mesh picks (its load balancer), and secured per connection by the mesh's TLS on grpc-netty's
 * plaintext channels ({@link GrpcNettyModule}). The interceptor and policy are
 * transport-independent (grpc-core), so grpc-netty-shaded and grpc-okhttp channels get them too;
 * without the mesh's TLS on their connections, their routes that need mTLS go to the engine.
 */
public final class GrpcModule implements InstrumentationModule {

  @Override
  public String name() {
    return "grpc-1.68";
  }

  @Override
  public List<String> knownTargetNames() {
    return List.of(GrpcNames.grpc("internal.ManagedChannelImplBuilder"));
  }

  @Override
  public List<TypeInstrumentation> typeInstrumentations() {
    return List.of(new ChannelBuilderInstrumentation());
  }

  @Override
  public List<String> helperClassNames() {
    return HELPERS;
  }

  /** By name: loading them here, in the agent's class loader, would need grpc. */
  static final List<String> HELPERS = helpers("dev.jmesh.instrumentation.grpc.v1_68.helpers.");

  private static List<String> helpers(String p) {
    return List.of(
        p + "MeshCallOptions",
        p + "GrpcMeshRequest",
        p + "MetadataHeaders",
        p + "SerialQueue",
        p + "GrpcStatuses",
        p + "CallbackThreads",
        p + "MeshClientCall",
        p + "MeshClientCall$AttemptListener",
        p + "MeshClientInterceptor",
        p + "DelegateHelper",
        p + "MeshLoadBalancer",
        p + "MeshLoadBalancer$Picker",
        p + "MeshLoadBalancer$DirectSubchannel",
        p + "MeshLoadBalancer$EndpointKey",
        p + "MeshLoadBalancerProvider",
        p + "MeshChannels");
  }
}
