package dev.jmesh.instrumentation.reactornetty.v1_0;

import static net.bytebuddy.matcher.ElementMatchers.named;
import static net.bytebuddy.matcher.ElementMatchers.takesArguments;

import dev.jmesh.instrumentation.api.AdviceTarget;
import dev.jmesh.instrumentation.api.TypeInstrumentation;
import net.bytebuddy.asm.Advice;
import net.bytebuddy.description.type.TypeDescription;
import net.bytebuddy.matcher.ElementMatcher;
import org.springframework.web.reactive.function.client.ClientRequest;

/**
 * {@code WebClient}'s exchange, which builds the connector's request {@code Mono} on the calling
 * thread: the request's headers are collected for it there ({@link PendingHeaders}).
 */
final class ExchangeFunctionInstrumentation implements TypeInstrumentation {

  @Override
  public ElementMatcher<TypeDescription> typeMatcher() {
    return named(
        "org.springframework.web.reactive.function.client.ExchangeFunctions$DefaultExchangeFunction");
  }

  @Override
  public void transform(AdviceTarget target) {
    target.applyAdvice(
        named("exchange").and(takesArguments(1)),
        ExchangeFunctionInstrumentation.class.getName() + "$ExchangeAdvice");
  }

  @SuppressWarnings("unused")
  public static final class ExchangeAdvice {

    @Advice.OnMethodEnter
    public static void enter(@Advice.Argument(0) ClientRequest request) {
      if (request != null) {
        request.headers().forEach(PendingHeaders.begin());
      }
    }

    @Advice.OnMethodExit(onThrowable = Throwable.class)
    public static void exit() {
      PendingHeaders.end();
    }
  }
}
