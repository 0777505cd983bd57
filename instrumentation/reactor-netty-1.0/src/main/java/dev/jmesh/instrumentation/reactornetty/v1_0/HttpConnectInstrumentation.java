package dev.jmesh.instrumentation.reactornetty.v1_0;

import static net.bytebuddy.matcher.ElementMatchers.isConstructor;
import static net.bytebuddy.matcher.ElementMatchers.named;
import static net.bytebuddy.matcher.ElementMatchers.takesArguments;

import dev.jmesh.instrumentation.api.AdviceTarget;
import dev.jmesh.instrumentation.api.TypeInstrumentation;
import net.bytebuddy.asm.Advice;
import net.bytebuddy.description.type.TypeDescription;
import net.bytebuddy.matcher.ElementMatcher;
import reactor.core.CoreSubscriber;
import reactor.core.publisher.Mono;
import reactor.netty.http.client.HttpClientConfig;

/**
 * {@code HttpClientConnect.MonoHttpConnect}, the {@code Mono} of every request Reactor Netty's
 * {@code HttpClient} sends ({@code WebClient}'s included): its {@code subscribe} is where one
 * application request starts, once per subscription (redirects and Reactor Netty's own retry of a
 * reset connection happen inside it). It is made on the thread that builds the request, where
 * {@code WebClient}'s headers are known ({@link PendingHeaders}).
 */
final class HttpConnectInstrumentation implements TypeInstrumentation {

  @Override
  public ElementMatcher<TypeDescription> typeMatcher() {
    return named("reactor.netty.http.client.HttpClientConnect$MonoHttpConnect");
  }

  @Override
  public void transform(AdviceTarget target) {
    target.applyAdvice(
        isConstructor(), HttpConnectInstrumentation.class.getName() + "$ConstructorAdvice");
    target.applyAdvice(
        named("subscribe").and(takesArguments(1)),
        HttpConnectInstrumentation.class.getName() + "$SubscribeAdvice");
  }

  @SuppressWarnings("unused")
  public static final class ConstructorAdvice {

    @Advice.OnMethodExit
    public static void exit(@Advice.This Object mono) {
      PendingHeaders.madeConnect(mono);
    }
  }

  @SuppressWarnings({"unused", "unchecked", "rawtypes"})
  public static final class SubscribeAdvice {

    /** {@code true}: the direct path took the subscription; the original body is skipped. */
    @Advice.OnMethodEnter(skipOn = Advice.OnNonDefaultValue.class)
    public static boolean enter(
        @Advice.This Mono mono,
        @Advice.FieldValue("config") HttpClientConfig config,
        @Advice.Argument(0) CoreSubscriber actual) {
      return DirectConnect.subscribe(mono, config, actual);
    }
  }
}
