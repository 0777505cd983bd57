package dev.jmesh.instrumentation.reactornetty.v1_0;

import static net.bytebuddy.matcher.ElementMatchers.isConstructor;
import static net.bytebuddy.matcher.ElementMatchers.named;
import static net.bytebuddy.matcher.ElementMatchers.takesArguments;

import dev.jmesh.instrumentation.api.AdviceTarget;
import dev.jmesh.instrumentation.api.TypeInstrumentation;
import java.net.SocketAddress;
import net.bytebuddy.asm.Advice;
import net.bytebuddy.description.type.TypeDescription;
import net.bytebuddy.matcher.ElementMatcher;

/**
 * {@code HttpClientConnect.HttpClientHandler}, made once per subscription of a request: it supplies
 * the address the pool is keyed by and connects to ({@code get()}), and writes the request on the
 * connection it got ({@code requestWithBody}). See {@link Attempts}.
 */
final class HttpClientHandlerInstrumentation implements TypeInstrumentation {

  @Override
  public ElementMatcher<TypeDescription> typeMatcher() {
    return named("reactor.netty.http.client.HttpClientConnect$HttpClientHandler");
  }

  @Override
  public void transform(AdviceTarget target) {
    String advice = HttpClientHandlerInstrumentation.class.getName();
    target.applyAdvice(isConstructor(), advice + "$ConstructorAdvice");
    target.applyAdvice(named("get").and(takesArguments(0)), advice + "$GetAdvice");
    target.applyAdvice(
        named("requestWithBody").and(takesArguments(1)), advice + "$RequestWithBodyAdvice");
  }

  @SuppressWarnings("unused")
  public static final class ConstructorAdvice {

    @Advice.OnMethodExit
    public static void exit(@Advice.This Object handler) {
      Attempts.made(handler);
    }
  }

  @SuppressWarnings("unused")
  public static final class GetAdvice {

    @Advice.OnMethodExit
    public static void exit(
        @Advice.This Object handler,
        @Advice.Return(
                readOnly = false,
                typing = net.bytebuddy.implementation.bytecode.assign.Assigner.Typing.DYNAMIC)
            Object address) {
      if (address instanceof SocketAddress) {
        address = Attempts.remote(handler, (SocketAddress) address);
      }
    }
  }

  @SuppressWarnings("unused")
  public static final class RequestWithBodyAdvice {

    @Advice.OnMethodEnter
    public static void enter(@Advice.This Object handler, @Advice.Argument(0) Object operations) {
      Attempts.writing(handler, operations);
    }
  }
}
