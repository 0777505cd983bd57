package dev.jmesh.instrumentation.jdknet;

import static net.bytebuddy.matcher.ElementMatchers.named;
import static net.bytebuddy.matcher.ElementMatchers.takesArgument;
import static net.bytebuddy.matcher.ElementMatchers.takesArguments;

import dev.jmesh.bootstrap.MeshHooks;
import dev.jmesh.instrumentation.api.AdviceTarget;
import dev.jmesh.instrumentation.api.TypeInstrumentation;
import java.net.SocketAddress;
import net.bytebuddy.asm.Advice;
import net.bytebuddy.description.type.TypeDescription;
import net.bytebuddy.matcher.ElementMatcher;

/** {@code sun.nio.ch.SocketChannelImpl.connect(SocketAddress)}: NIO clients, Netty's NIO transport. */
final class SocketChannelInstrumentation implements TypeInstrumentation {

  @Override
  public ElementMatcher<TypeDescription> typeMatcher() {
    return named("sun.nio.ch.SocketChannelImpl");
  }

  @Override
  public void transform(AdviceTarget target) {
    target.applyAdvice(
        named("connect").and(takesArguments(1))
            .and(takesArgument(0, named("java.net.SocketAddress"))),
        SocketChannelInstrumentation.class.getName() + "$ConnectAdvice");
  }

  @SuppressWarnings("unused")
  public static final class ConnectAdvice {
    @Advice.OnMethodEnter(suppress = Throwable.class)
    public static void enter(
        @Advice.Argument(value = 0, readOnly = false) SocketAddress endpoint) {
      endpoint = MeshHooks.beforeConnect(endpoint);
    }
  }
}
