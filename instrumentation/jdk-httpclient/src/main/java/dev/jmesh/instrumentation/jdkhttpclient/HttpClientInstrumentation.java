package dev.jmesh.instrumentation.jdkhttpclient;

import static net.bytebuddy.matcher.ElementMatchers.named;
import static net.bytebuddy.matcher.ElementMatchers.takesArgument;
import static net.bytebuddy.matcher.ElementMatchers.takesArguments;

import dev.jmesh.bootstrap.JdkHttpClientHooks;
import dev.jmesh.instrumentation.api.AdviceTarget;
import dev.jmesh.instrumentation.api.TypeInstrumentation;
import net.bytebuddy.asm.Advice;
import net.bytebuddy.description.type.TypeDescription;
import net.bytebuddy.implementation.bytecode.assign.Assigner;
import net.bytebuddy.matcher.ElementMatcher;

/**
 * {@code HttpClientImpl}'s private {@code sendAsync(request, handler, pushHandler, executor)}: the
 * overload that {@code send} and both public {@code sendAsync}s reach. A mesh request is answered
 * with the mesh's own future; the mesh's attempts come back through here and carry on.
 */
final class HttpClientInstrumentation implements TypeInstrumentation {

  static final String TARGET = "jdk.internal.net.http.HttpClientImpl";

  @Override
  public ElementMatcher<TypeDescription> typeMatcher() {
    return named(TARGET);
  }

  @Override
  public void transform(AdviceTarget target) {
    target.applyAdvice(
        named("sendAsync")
            .and(takesArguments(4))
            .and(takesArgument(3, named("java.util.concurrent.Executor"))),
        HttpClientInstrumentation.class.getName() + "$SendAsyncAdvice");
  }

  @SuppressWarnings("unused")
  public static final class SendAsyncAdvice {
    @Advice.OnMethodEnter(skipOn = Advice.OnNonDefaultValue.class, suppress = Throwable.class)
    public static Object enter(
        @Advice.This Object client,
        @Advice.Argument(0) Object request,
        @Advice.Argument(1) Object handler,
        @Advice.Argument(2) Object pushHandler,
        @Advice.Argument(value = 3, readOnly = false, typing = Assigner.Typing.DYNAMIC)
            Object executor) {
      Object answer =
          JdkHttpClientHooks.sendAsync(client, request, handler, pushHandler, executor);
      if (answer == null) {
        // The mesh's own attempt completes where the application's call would have: no hop.
        executor = JdkHttpClientHooks.executorFor(request, executor);
      }
      return answer;
    }

    @Advice.OnMethodExit(suppress = Throwable.class)
    public static void exit(
        @Advice.Enter Object answer,
        @Advice.Return(readOnly = false, typing = Assigner.Typing.DYNAMIC) Object returned) {
      if (answer != null) {
        returned = answer;
      }
    }
  }
}
