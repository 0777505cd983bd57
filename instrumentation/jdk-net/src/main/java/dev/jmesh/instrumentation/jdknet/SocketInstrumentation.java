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

/**
 * {@code java.net.Socket.connect(SocketAddress, int)}: every other connect path of a plain or
 * SSL socket (constructors, {@code connect(SocketAddress)}) ends here.
 */
final class SocketInstrumentation implements TypeInstrumentation {

  @Override
  public ElementMatcher<TypeDescription> typeMatcher() {
    return named("java.net.Socket");
  }

  @Override
  public void transform(AdviceTarget target) {
    target.applyAdvice(
        named("connect").and(takesArguments(2))
            .and(takesArgument(0, named("java.net.SocketAddress"))),
        SocketInstrumentation.class.getName() + "$ConnectAdvice");
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
