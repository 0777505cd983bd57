package dev.jmesh.instrumentation.grpc.v1_68.netty;

import static net.bytebuddy.matcher.ElementMatchers.isConstructor;
import static net.bytebuddy.matcher.ElementMatchers.named;
import static net.bytebuddy.matcher.ElementMatchers.takesArgument;

import dev.jmesh.instrumentation.api.AdviceTarget;
import dev.jmesh.instrumentation.api.TypeInstrumentation;
import dev.jmesh.instrumentation.grpc.v1_68.helpers.netty.MeshTlsNegotiation;
import net.bytebuddy.asm.Advice;
import net.bytebuddy.description.type.TypeDescription;
import net.bytebuddy.matcher.ElementMatcher;

/**
 * grpc-netty's transport factory, made inside the channel's {@code build()} with the channel's
 * protocol negotiator: tells the mesh whether the channel negotiates plaintext, on whose
 * connections the mesh then puts its own TLS ({@link PlaintextNegotiatorInstrumentation}).
 */
public final class NettyTransportInstrumentation implements TypeInstrumentation {

  private final String grpcNetty;
  private final String advice;

  /**
   * For grpc-netty's package {@code grpcNetty} ({@code io.grpc.netty}, or grpc-netty-shaded's),
   * with {@code advice} compiled against it.
   */
  public NettyTransportInstrumentation(String grpcNetty, String advice) {
    this.grpcNetty = grpcNetty;
    this.advice = advice;
  }

  @Override
  public ElementMatcher<TypeDescription> typeMatcher() {
    return named(grpcNetty + ".NettyChannelBuilder$NettyTransportFactory");
  }

  @Override
  public void transform(AdviceTarget target) {
    target.applyAdvice(
        isConstructor().and(takesArgument(0, named(grpcNetty + ".ProtocolNegotiator"))), advice);
  }

  @SuppressWarnings("unused")
  public static final class ConstructorAdvice {
    @Advice.OnMethodExit(suppress = Throwable.class)
    public static void exit(@Advice.Argument(0) Object negotiator) {
      MeshTlsNegotiation.transportBuilt(negotiator);
    }
  }
}
