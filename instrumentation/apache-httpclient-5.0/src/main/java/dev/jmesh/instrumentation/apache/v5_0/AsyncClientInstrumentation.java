package dev.jmesh.instrumentation.apache.v5_0;

import static net.bytebuddy.matcher.ElementMatchers.named;
import static net.bytebuddy.matcher.ElementMatchers.takesArguments;

import dev.jmesh.instrumentation.api.AdviceTarget;
import dev.jmesh.instrumentation.api.TypeInstrumentation;
import java.util.concurrent.Future;
import net.bytebuddy.asm.Advice;
import net.bytebuddy.description.type.TypeDescription;
import net.bytebuddy.matcher.ElementMatcher;
import org.apache.hc.client5.http.impl.async.CloseableHttpAsyncClient;
import org.apache.hc.core5.concurrent.FutureCallback;
import org.apache.hc.core5.http.HttpHost;
import org.apache.hc.core5.http.nio.AsyncPushConsumer;
import org.apache.hc.core5.http.nio.AsyncRequestProducer;
import org.apache.hc.core5.http.nio.AsyncResponseConsumer;
import org.apache.hc.core5.http.nio.HandlerFactory;
import org.apache.hc.core5.http.protocol.HttpContext;

/**
 * {@code doExecute} of the asynchronous clients the builders make ({@code HttpAsyncClients
 * .custom()} for HTTP/1.1 and {@code customHttp2()} for HTTP/2 share it): the funnel of every
 * {@code execute} overload. The minimal clients take another path and stay on the engine.
 */
final class AsyncClientInstrumentation implements TypeInstrumentation {

  @Override
  public ElementMatcher<TypeDescription> typeMatcher() {
    return named("org.apache.hc.client5.http.impl.async.InternalAbstractHttpAsyncClient");
  }

  @Override
  public void transform(AdviceTarget target) {
    target.applyAdvice(
        named("doExecute").and(takesArguments(6)),
        AsyncClientInstrumentation.class.getName() + "$DoExecuteAdvice");
  }

  @SuppressWarnings({"unused", "rawtypes", "unchecked"})
  public static final class DoExecuteAdvice {

    /** A non-null future is the call's: the original body is skipped. */
    @Advice.OnMethodEnter(skipOn = Advice.OnNonDefaultValue.class)
    public static Future enter(
        @Advice.This CloseableHttpAsyncClient client,
        @Advice.Argument(0) HttpHost target,
        @Advice.Argument(1) AsyncRequestProducer producer,
        @Advice.Argument(2) AsyncResponseConsumer consumer,
        @Advice.Argument(3) HandlerFactory<AsyncPushConsumer> pushHandlers,
        @Advice.Argument(4) HttpContext context,
        @Advice.Argument(5) FutureCallback callback) {
      return AsyncDirectCall.execute(
          client, target, producer, consumer, pushHandlers, context, callback);
    }

    @Advice.OnMethodExit
    public static void exit(
        @Advice.Enter Future direct, @Advice.Return(readOnly = false) Future future) {
      if (direct != null) {
        future = direct;
      }
    }
  }
}
