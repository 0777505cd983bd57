package dev.jmesh.instrumentation.netty.server.v4_1;

import static net.bytebuddy.matcher.ElementMatchers.named;
import static net.bytebuddy.matcher.ElementMatchers.takesArguments;

import dev.jmesh.bootstrap.MeshHooks;
import dev.jmesh.instrumentation.api.AdviceTarget;
import dev.jmesh.instrumentation.api.TypeInstrumentation;
import net.bytebuddy.asm.Advice;
import net.bytebuddy.description.type.TypeDescription;
import net.bytebuddy.matcher.ElementMatcher;

/**
 * {@code NioServerSocketChannel.doBind(SocketAddress)} (4.1 and 4.2): the JDK bind it makes, on the
 * event loop's thread, is marked direct, so under {@code inboundPath: direct} the data path leaves
 * the port to the application and answers {@code MeshHooks.inbound} for its connections.
 */
final class ServerBindInstrumentation implements TypeInstrumentation {

  static final String NIO_SERVER_CHANNEL = "io.netty.channel.socket.nio.NioServerSocketChannel";

  @Override
  public ElementMatcher<TypeDescription> typeMatcher() {
    return named(NIO_SERVER_CHANNEL);
  }

  @Override
  public void transform(AdviceTarget target) {
    target.applyAdvice(
        named("doBind").and(takesArguments(1)),
        ServerBindInstrumentation.class.getName() + "$BindAdvice");
  }

  @SuppressWarnings("unused")
  public static final class BindAdvice {
    @Advice.OnMethodEnter(suppress = Throwable.class)
    public static void enter() {
      MeshHooks.enterDirectBind();
    }

    @Advice.OnMethodExit(onThrowable = Throwable.class, suppress = Throwable.class)
    public static void exit() {
      MeshHooks.exitDirectBind();
    }
  }
}
