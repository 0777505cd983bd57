package dev.jmesh.instrumentation.jdkhttpclient;

import static net.bytebuddy.matcher.ElementMatchers.isConstructor;
import static net.bytebuddy.matcher.ElementMatchers.named;
import static net.bytebuddy.matcher.ElementMatchers.takesArgument;
import static net.bytebuddy.matcher.ElementMatchers.takesArguments;

import dev.jmesh.bootstrap.JdkHttpClientHooks;
import dev.jmesh.instrumentation.api.AdviceTarget;
import dev.jmesh.instrumentation.api.TypeInstrumentation;
import java.net.InetSocketAddress;
import net.bytebuddy.asm.Advice;
import net.bytebuddy.description.type.TypeDescription;
import net.bytebuddy.matcher.ElementMatcher;

/**
 * {@code HttpRequestImpl}, the client's own copy of a request: where its connection goes ({@code
 * getAddress()}, which keys the HTTP/1.1 pool and the HTTP/2 connection map) and whether it is TLS
 * ({@code secure()}). A copy made for a mesh attempt is bound to it when constructed; a redirect or
 * authentication copy of it inherits the binding when it stays on the same authority.
 */
final class HttpRequestInstrumentation implements TypeInstrumentation {

  static final String TARGET = "jdk.internal.net.http.HttpRequestImpl";

  @Override
  public ElementMatcher<TypeDescription> typeMatcher() {
    return named(TARGET);
  }

  @Override
  public void transform(AdviceTarget target) {
    String advice = HttpRequestInstrumentation.class.getName();
    target.applyAdvice(
        isConstructor()
            .and(takesArguments(2))
            .and(takesArgument(1, named("java.net.ProxySelector"))),
        advice + "$CreatedAdvice");
    // JDK 17: (URI, String, HttpRequestImpl, boolean); 21+ adds a redirect header filter.
    target.applyAdvice(
        isConstructor().and(takesArgument(2, named(TARGET))), advice + "$DerivedAdvice");
    target.applyAdvice(named("getAddress").and(takesArguments(0)), advice + "$AddressAdvice");
    target.applyAdvice(named("secure").and(takesArguments(0)), advice + "$SecureAdvice");
  }

  @SuppressWarnings("unused")
  public static final class CreatedAdvice {
    @Advice.OnMethodExit(suppress = Throwable.class)
    public static void exit(@Advice.This Object requestImpl, @Advice.Argument(0) Object request) {
      JdkHttpClientHooks.requestCreated(requestImpl, request);
    }
  }

  @SuppressWarnings("unused")
  public static final class DerivedAdvice {
    @Advice.OnMethodExit(suppress = Throwable.class)
    public static void exit(@Advice.This Object request, @Advice.Argument(2) Object from) {
      JdkHttpClientHooks.requestDerived(request, from);
    }
  }

  /** The attempt's endpoint replaces the URI's address; the name is then never resolved. */
  @SuppressWarnings("unused")
  public static final class AddressAdvice {
    @Advice.OnMethodEnter(skipOn = Advice.OnNonDefaultValue.class, suppress = Throwable.class)
    public static InetSocketAddress enter(@Advice.This Object request) {
      return JdkHttpClientHooks.address(request);
    }

    @Advice.OnMethodExit(suppress = Throwable.class)
    public static void exit(
        @Advice.Enter InetSocketAddress endpoint,
        @Advice.Return(readOnly = false) InetSocketAddress address) {
      if (endpoint != null) {
        address = endpoint;
      }
    }
  }

  @SuppressWarnings("unused")
  public static final class SecureAdvice {
    @Advice.OnMethodExit(suppress = Throwable.class)
    public static void exit(
        @Advice.This Object request, @Advice.Return(readOnly = false) boolean secure) {
      secure = JdkHttpClientHooks.secure(request, secure);
    }
  }
}
