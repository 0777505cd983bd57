package dev.jmesh.instrumentation.apache.v5_0;

import static net.bytebuddy.matcher.ElementMatchers.named;
import static net.bytebuddy.matcher.ElementMatchers.takesArgument;
import static net.bytebuddy.matcher.ElementMatchers.takesArguments;

import dev.jmesh.instrumentation.api.AdviceTarget;
import dev.jmesh.instrumentation.api.TypeInstrumentation;
import java.net.SocketAddress;
import net.bytebuddy.asm.Advice;
import net.bytebuddy.description.type.TypeDescription;
import net.bytebuddy.matcher.ElementMatcher;

/**
 * The I/O reactor's {@code connect(NamedEndpoint, SocketAddress remote, …)}, where every
 * asynchronous connection is requested: a direct attempt's connect gets its endpoint as a {@code
 * MeshEndpointAddress}, which reaches {@code SocketChannel.connect} on the reactor thread as it is
 * and tells the socket hooks that the direct path routed it.
 */
final class ReactorConnectInstrumentation implements TypeInstrumentation {

  @Override
  public ElementMatcher<TypeDescription> typeMatcher() {
    return named("org.apache.hc.core5.reactor.SingleCoreIOReactor");
  }

  @Override
  public void transform(AdviceTarget target) {
    target.applyAdvice(
        named("connect")
            .and(takesArguments(6))
            .and(takesArgument(0, named("org.apache.hc.core5.net.NamedEndpoint")))
            .and(takesArgument(1, named("java.net.SocketAddress"))),
        ReactorConnectInstrumentation.class.getName() + "$ConnectAdvice");
  }

  @SuppressWarnings("unused")
  public static final class ConnectAdvice {

    @Advice.OnMethodEnter
    public static void enter(
        @Advice.Argument(0) Object endpoint,
        @Advice.Argument(value = 1, readOnly = false) SocketAddress remote) {
      remote = DirectEndpoints.remoteAddress(endpoint, remote);
    }
  }
}
