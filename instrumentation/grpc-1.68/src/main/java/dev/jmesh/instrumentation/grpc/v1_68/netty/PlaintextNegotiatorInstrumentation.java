package dev.jmesh.instrumentation.grpc.v1_68.netty;

import static net.bytebuddy.matcher.ElementMatchers.named;
import static net.bytebuddy.matcher.ElementMatchers.takesArguments;

import dev.jmesh.instrumentation.api.AdviceTarget;
import dev.jmesh.instrumentation.api.TypeInstrumentation;
import dev.jmesh.instrumentation.grpc.v1_68.helpers.netty.MeshTlsNegotiation;
import net.bytebuddy.asm.Advice;
import net.bytebuddy.description.type.TypeDescription;
import net.bytebuddy.implementation.bytecode.assign.Assigner;
import net.bytebuddy.matcher.ElementMatcher;

/**
 * grpc-netty's plaintext negotiation, per connection: a direct subchannel whose address carries the
 * mesh's TLS negotiates that TLS instead ({@link MeshTlsNegotiation}), the way grpc-xds picks its
 * security per address. The advice names no grpc or Netty type (mesh.jar relocates the agent's
 * own).
 */
public final class PlaintextNegotiatorInstrumentation implements TypeInstrumentation {

  private final String grpcNetty;
  private final String advice;

  /**
   * For grpc-netty's package {@code grpcNetty} ({@code io.grpc.netty}, or grpc-netty-shaded's),
   * with {@code advice} compiled against it.
   */
  public PlaintextNegotiatorInstrumentation(String grpcNetty, String advice) {
    this.grpcNetty = grpcNetty;
    this.advice = advice;
  }

  @Override
  public ElementMatcher<TypeDescription> typeMatcher() {
    return named(grpcNetty + ".ProtocolNegotiators$PlaintextProtocolNegotiator");
  }

  @Override
  public void transform(AdviceTarget target) {
    target.applyAdvice(named("newHandler").and(takesArguments(1)), advice);
  }

  @SuppressWarnings("unused")
  public static final class NewHandlerAdvice {
    @Advice.OnMethodEnter(skipOn = Advice.OnNonDefaultValue.class)
    public static Object enter(@Advice.Argument(0) Object connection) {
      return MeshTlsNegotiation.handlerFor(connection);
    }

    @Advice.OnMethodExit
    public static void exit(
        @Advice.Enter Object mesh,
        @Advice.Return(readOnly = false, typing = Assigner.Typing.DYNAMIC) Object handler) {
      if (mesh != null) {
        handler = mesh;
      }
    }
  }
}
