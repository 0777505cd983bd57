package dev.jmesh.instrumentation.okhttp.v3_9;

import static net.bytebuddy.matcher.ElementMatchers.named;
import static net.bytebuddy.matcher.ElementMatchers.namedOneOf;
import static net.bytebuddy.matcher.ElementMatchers.takesArguments;

import dev.jmesh.instrumentation.api.AdviceTarget;
import dev.jmesh.instrumentation.api.TypeInstrumentation;
import net.bytebuddy.asm.Advice;
import net.bytebuddy.description.type.TypeDescription;
import net.bytebuddy.matcher.ElementMatcher;
import okhttp3.Call;
import okhttp3.Callback;
import okhttp3.OkHttpClient;

/**
 * {@code RealCall.enqueue(Callback)} ({@code okhttp3.RealCall} in 3.x, {@code
 * okhttp3.internal.connection.RealCall} in 4.x and 5.x): an asynchronous call is decided here, and
 * one with a fault delay is enqueued by the mesh's timer when the delay is over instead of now, so
 * it never waits on a dispatcher slot ({@link EnqueuedDecisions}). The client is the call's {@code
 * client} field in every version.
 */
final class RealCallInstrumentation implements TypeInstrumentation {

  @Override
  public ElementMatcher<TypeDescription> typeMatcher() {
    return namedOneOf("okhttp3.RealCall", "okhttp3.internal.connection.RealCall");
  }

  @Override
  public void transform(AdviceTarget target) {
    target.applyAdvice(
        named("enqueue").and(takesArguments(1)),
        RealCallInstrumentation.class.getName() + "$EnqueueAdvice");
  }

  @SuppressWarnings("unused")
  public static final class EnqueueAdvice {
    @Advice.OnMethodEnter(skipOn = Advice.OnNonDefaultValue.class, suppress = Throwable.class)
    public static boolean enter(
        @Advice.This Call call,
        @Advice.FieldValue("client") OkHttpClient client,
        @Advice.Argument(0) Callback callback) {
      return EnqueuedDecisions.deferEnqueue(call, client, callback);
    }
  }
}
