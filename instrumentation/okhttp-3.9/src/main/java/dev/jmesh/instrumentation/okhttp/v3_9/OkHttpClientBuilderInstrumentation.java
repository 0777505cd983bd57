package dev.jmesh.instrumentation.okhttp.v3_9;

import static net.bytebuddy.matcher.ElementMatchers.isConstructor;
import static net.bytebuddy.matcher.ElementMatchers.named;
import static net.bytebuddy.matcher.ElementMatchers.takesArgument;
import static net.bytebuddy.matcher.ElementMatchers.takesArguments;

import dev.jmesh.instrumentation.api.AdviceTarget;
import dev.jmesh.instrumentation.api.TypeInstrumentation;
import java.net.Proxy;
import java.net.ProxySelector;
import javax.net.SocketFactory;
import net.bytebuddy.asm.Advice;
import net.bytebuddy.description.type.TypeDescription;
import net.bytebuddy.matcher.ElementMatcher;
import okhttp3.OkHttpClient;

/**
 * Every OkHttp client is meshed through its builder:
 *
 * <ul>
 *   <li>{@code new OkHttpClient.Builder()}, which {@code new OkHttpClient()} also uses, gets the
 *       mesh's interceptor first and the mesh socket factory around the default one. {@code
 *       client.newBuilder()} copies both from the client, so that constructor is left alone.
 *   <li>{@code Builder.socketFactory(f)} gets {@code f} under the mesh factory.
 *   <li>{@code Builder.build()} puts the interceptor back first if the application cleared or
 *       reordered the list, and binds it to the client's transport (a proxy takes mTLS off the
 *       direct path) and to its {@code followRedirects}, for the redirects the mesh answers.
 * </ul>
 *
 * <p>The fields are read by name ({@code socketFactory}, {@code proxy}, {@code proxySelector},
 * {@code followRedirects}): the same in OkHttp 3 (Java, package-private) and 4/5 (Kotlin, private);
 * advice runs inside the builder, so either is reachable.
 */
final class OkHttpClientBuilderInstrumentation implements TypeInstrumentation {

  @Override
  public ElementMatcher<TypeDescription> typeMatcher() {
    return named("okhttp3.OkHttpClient$Builder");
  }

  @Override
  public void transform(AdviceTarget target) {
    String name = OkHttpClientBuilderInstrumentation.class.getName();
    target.applyAdvice(isConstructor().and(takesArguments(0)), name + "$ConstructorAdvice");
    target.applyAdvice(
        named("socketFactory")
            .and(takesArguments(1))
            .and(takesArgument(0, named("javax.net.SocketFactory"))),
        name + "$SocketFactoryAdvice");
    target.applyAdvice(named("build").and(takesArguments(0)), name + "$BuildAdvice");
  }

  @SuppressWarnings("unused")
  public static final class ConstructorAdvice {
    @Advice.OnMethodExit(suppress = Throwable.class)
    public static void exit(
        @Advice.This OkHttpClient.Builder builder,
        @Advice.FieldValue(value = "socketFactory", readOnly = false) SocketFactory socketFactory) {
      socketFactory = MeshSocketFactory.wrap(socketFactory);
      MeshInterceptor.install(builder.interceptors(), true, true);
    }
  }

  @SuppressWarnings("unused")
  public static final class SocketFactoryAdvice {
    @Advice.OnMethodEnter(suppress = Throwable.class)
    public static void enter(
        @Advice.Argument(value = 0, readOnly = false) SocketFactory socketFactory) {
      socketFactory = MeshSocketFactory.wrap(socketFactory);
    }
  }

  @SuppressWarnings("unused")
  public static final class BuildAdvice {
    @Advice.OnMethodEnter(suppress = Throwable.class)
    public static void enter(
        @Advice.This OkHttpClient.Builder builder,
        @Advice.FieldValue("socketFactory") SocketFactory socketFactory,
        @Advice.FieldValue("proxy") Proxy proxy,
        @Advice.FieldValue("proxySelector") ProxySelector proxySelector,
        @Advice.FieldValue("followRedirects") boolean followRedirects) {
      MeshInterceptor.install(
          builder.interceptors(),
          MeshInterceptor.ownsTransport(socketFactory, proxy, proxySelector),
          followRedirects);
    }
  }
}
