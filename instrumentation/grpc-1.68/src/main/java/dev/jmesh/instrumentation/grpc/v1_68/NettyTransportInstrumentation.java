package dev.jmesh.instrumentation.grpc.v1_68;

import static net.bytebuddy.matcher.ElementMatchers.named;
import static net.bytebuddy.matcher.ElementMatchers.takesArguments;

import dev.jmesh.instrumentation.api.AdviceTarget;
import dev.jmesh.instrumentation.api.TypeInstrumentation;
import net.bytebuddy.asm.Advice;
import net.bytebuddy.description.type.TypeDescription;
import net.bytebuddy.matcher.ElementMatcher;

/**
 * {@code NettyChannelBuilder.buildTransportFactory()}, called inside the channel's {@code
 * build()}: tells the mesh whether the channel negotiates plaintext (then the mesh puts its own TLS
 * on direct connections, {@link PlaintextNegotiatorInstrumentation}).
 */
final class NettyTransportInstrumentation implements TypeInstrumentation {

  @Override
  public ElementMatcher<TypeDescription> typeMatcher() {
    return named("io.grpc.netty.NettyChannelBuilder");
  }

  @Override
  public void transform(AdviceTarget target) {
    target.applyAdvice(
        named("buildTransportFactory").and(takesArguments(0)),
        NettyTransportInstrumentation.class.getName() + "$BuildTransportAdvice");
  }

  @SuppressWarnings("unused")
  public static final class BuildTransportAdvice {
    @Advice.OnMethodExit(suppress = Throwable.class)
    public static void exit(@Advice.FieldValue("protocolNegotiatorFactory") Object negotiator) {
      MeshChannels.transportBuilt(negotiator);
    }
  }
}
