package dev.jmesh.instrumentation.jdknet;

import static net.bytebuddy.matcher.ElementMatchers.named;
import static net.bytebuddy.matcher.ElementMatchers.takesArgument;
import static net.bytebuddy.matcher.ElementMatchers.takesArguments;

import dev.jmesh.bootstrap.MeshHooks;
import dev.jmesh.instrumentation.api.AdviceTarget;
import dev.jmesh.instrumentation.api.TypeInstrumentation;
import java.net.SocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import net.bytebuddy.asm.Advice;
import net.bytebuddy.description.type.TypeDescription;
import net.bytebuddy.matcher.ElementMatcher;

/**
 * {@code sun.nio.ch.ServerSocketChannelImpl}: {@code bind(SocketAddress, int)} and
 * {@code accept()}, used by NIO servers, Netty's NIO transport and the JDK's HttpServer.
 */
final class ServerSocketChannelInstrumentation implements TypeInstrumentation {

  @Override
  public ElementMatcher<TypeDescription> typeMatcher() {
    return named("sun.nio.ch.ServerSocketChannelImpl");
  }

  @Override
  public void transform(AdviceTarget target) {
    target.applyAdvice(
        named("bind").and(takesArguments(2))
            .and(takesArgument(0, named("java.net.SocketAddress"))),
        ServerSocketChannelInstrumentation.class.getName() + "$BindAdvice");
    target.applyAdvice(
        named("accept").and(takesArguments(0)),
        ServerSocketChannelInstrumentation.class.getName() + "$AcceptAdvice");
  }

  @SuppressWarnings("unused")
  public static final class BindAdvice {
    @Advice.OnMethodExit(suppress = Throwable.class)
    public static void exit(@Advice.This ServerSocketChannel server) {
      MeshHooks.afterBind(server);
    }
  }

  @SuppressWarnings("unused")
  public static final class AcceptAdvice {
    @Advice.OnMethodExit(suppress = Throwable.class)
    public static void exit(@Advice.Return SocketChannel accepted) {
      MeshHooks.afterAccept(accepted);
    }
  }
}
