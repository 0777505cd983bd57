package dev.jmesh.instrumentation.netty.server.v4_1;

import static net.bytebuddy.matcher.ElementMatchers.named;
import static net.bytebuddy.matcher.ElementMatchers.takesArguments;

import dev.jmesh.instrumentation.api.AdviceTarget;
import dev.jmesh.instrumentation.api.TypeInstrumentation;
import net.bytebuddy.asm.Advice;
import net.bytebuddy.description.type.TypeDescription;
import net.bytebuddy.matcher.ElementMatcher;

/**
 * {@code ServerBootstrap$ServerBootstrapAcceptor.channelRead(ctx, child)}: every connection a
 * {@code ServerBootstrap} accepts passes here before the application's child handler is added and
 * the channel registered, whatever the transport (NIO, epoll, io_uring). The mesh's handler goes
 * first in the child's pipeline, so it sees the connection before any of the application's.
 */
final class ServerAcceptorInstrumentation implements TypeInstrumentation {

  static final String ACCEPTOR = "io.netty.bootstrap.ServerBootstrap$ServerBootstrapAcceptor";

  @Override
  public ElementMatcher<TypeDescription> typeMatcher() {
    return named(ACCEPTOR);
  }

  @Override
  public void transform(AdviceTarget target) {
    target.applyAdvice(
        named("channelRead").and(takesArguments(2)),
        ServerAcceptorInstrumentation.class.getName() + "$AcceptAdvice");
  }

  @SuppressWarnings("unused")
  public static final class AcceptAdvice {
    @Advice.OnMethodEnter(suppress = Throwable.class)
    public static void enter(@Advice.Argument(1) Object child) {
      MeshInboundHandler.attach(child);
    }
  }
}
