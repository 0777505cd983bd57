package dev.jmesh.instrumentation.okhttp.v3_9;

import static net.bytebuddy.matcher.ElementMatchers.isConstructor;
import static net.bytebuddy.matcher.ElementMatchers.named;
import static net.bytebuddy.matcher.ElementMatchers.takesArguments;

import dev.jmesh.instrumentation.api.AdviceTarget;
import dev.jmesh.instrumentation.api.TypeInstrumentation;
import net.bytebuddy.asm.Advice;
import net.bytebuddy.description.type.TypeDescription;
import net.bytebuddy.matcher.ElementMatcher;
import okhttp3.OkHttpClient;

/**
 * {@code new OkHttpClient.Builder()}, which {@code new OkHttpClient()} also uses, gets the mesh's
 * interceptor first in its list. {@code client.newBuilder()} copies an existing client's
 * interceptors, so that constructor is left alone to avoid adding it twice.
 */
final class OkHttpClientBuilderInstrumentation implements TypeInstrumentation {

  @Override
  public ElementMatcher<TypeDescription> typeMatcher() {
    return named("okhttp3.OkHttpClient$Builder");
  }

  @Override
  public void transform(AdviceTarget target) {
    target.applyAdvice(isConstructor().and(takesArguments(0)),
        OkHttpClientBuilderInstrumentation.class.getName() + "$ConstructorAdvice");
  }

  @SuppressWarnings("unused")
  public static final class ConstructorAdvice {
    @Advice.OnMethodExit(suppress = Throwable.class)
    public static void exit(@Advice.This OkHttpClient.Builder builder) {
      builder.interceptors().add(0, new MeshInterceptor());
    }
  }
}
