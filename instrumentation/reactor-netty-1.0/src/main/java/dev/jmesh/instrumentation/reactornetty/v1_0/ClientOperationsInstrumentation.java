package dev.jmesh.instrumentation.reactornetty.v1_0;

import static net.bytebuddy.matcher.ElementMatchers.named;
import static net.bytebuddy.matcher.ElementMatchers.takesArguments;

import dev.jmesh.instrumentation.api.AdviceTarget;
import dev.jmesh.instrumentation.api.TypeInstrumentation;
import net.bytebuddy.asm.Advice;
import net.bytebuddy.description.type.TypeDescription;
import net.bytebuddy.matcher.ElementMatcher;

/**
 * {@code HttpClientOperations.beforeMarkSentHeaders}: the request's headers are final (the
 * application's, {@code WebClient}'s included, are in) and about to be written — where an attempt's
 * header changes go, after everything the application set, as a proxy's would.
 */
final class ClientOperationsInstrumentation implements TypeInstrumentation {

  @Override
  public ElementMatcher<TypeDescription> typeMatcher() {
    return named("reactor.netty.http.client.HttpClientOperations");
  }

  @Override
  public void transform(AdviceTarget target) {
    target.applyAdvice(
        named("beforeMarkSentHeaders").and(takesArguments(0)),
        ClientOperationsInstrumentation.class.getName() + "$HeadersAdvice");
  }

  @SuppressWarnings("unused")
  public static final class HeadersAdvice {

    @Advice.OnMethodExit
    public static void exit(@Advice.This Object operations) {
      Attempts.headersFinal(operations);
    }
  }
}
