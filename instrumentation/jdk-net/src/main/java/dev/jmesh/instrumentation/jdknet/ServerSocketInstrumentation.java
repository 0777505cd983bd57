package dev.jmesh.instrumentation.jdknet;

import static net.bytebuddy.matcher.ElementMatchers.named;
import static net.bytebuddy.matcher.ElementMatchers.takesArgument;
import static net.bytebuddy.matcher.ElementMatchers.takesArguments;

import dev.jmesh.bootstrap.MeshHooks;
import dev.jmesh.instrumentation.api.AdviceTarget;
import dev.jmesh.instrumentation.api.TypeInstrumentation;
import java.net.ServerSocket;
import java.net.Socket;
import net.bytebuddy.asm.Advice;
import net.bytebuddy.description.type.TypeDescription;
import net.bytebuddy.matcher.ElementMatcher;

/**
 * {@code java.net.ServerSocket}: {@code bind(SocketAddress, int)}, which its constructors call,
 * and {@code implAccept(Socket)}, the final method that {@code accept()} and every subclass's
 * accept (SSL server sockets among them) end in.
 */
final class ServerSocketInstrumentation implements TypeInstrumentation {

  @Override
  public ElementMatcher<TypeDescription> typeMatcher() {
    return named("java.net.ServerSocket");
  }

  @Override
  public void transform(AdviceTarget target) {
    target.applyAdvice(
        named("bind").and(takesArguments(2))
            .and(takesArgument(0, named("java.net.SocketAddress"))),
        ServerSocketInstrumentation.class.getName() + "$BindAdvice");
    target.applyAdvice(
        // By name: naming Socket.class here would load it from the agent's install thread.
        named("implAccept").and(takesArguments(1)).and(takesArgument(0, named("java.net.Socket"))),
        ServerSocketInstrumentation.class.getName() + "$AcceptAdvice");
  }

  @SuppressWarnings("unused")
  public static final class BindAdvice {
    @Advice.OnMethodExit(suppress = Throwable.class)
    public static void exit(@Advice.This ServerSocket server) {
      MeshHooks.afterBind(server);
    }
  }

  @SuppressWarnings("unused")
  public static final class AcceptAdvice {
    @Advice.OnMethodExit(suppress = Throwable.class)
    public static void exit(@Advice.Argument(0) Socket accepted) {
      MeshHooks.afterAccept(accepted);
    }
  }
}
