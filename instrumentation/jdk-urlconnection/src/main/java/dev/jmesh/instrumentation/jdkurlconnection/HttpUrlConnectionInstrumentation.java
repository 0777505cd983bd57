package dev.jmesh.instrumentation.jdkurlconnection;

import static net.bytebuddy.matcher.ElementMatchers.named;
import static net.bytebuddy.matcher.ElementMatchers.takesArguments;

import dev.jmesh.bootstrap.UrlConnectionHooks;
import dev.jmesh.instrumentation.api.AdviceTarget;
import dev.jmesh.instrumentation.api.TypeInstrumentation;
import java.io.IOException;
import java.io.InputStream;
import java.net.HttpURLConnection;
import net.bytebuddy.asm.Advice;
import net.bytebuddy.description.type.TypeDescription;
import net.bytebuddy.implementation.bytecode.assign.Assigner;
import net.bytebuddy.matcher.ElementMatcher;

/**
 * The JDK's {@code HttpURLConnection} implementation (also behind {@code https://}, which the hooks
 * leave alone): where a connection object opens its connection, where a response's status is known,
 * where the application gives up. Same method names in JDK 17 through 25.
 */
final class HttpUrlConnectionInstrumentation implements TypeInstrumentation {

  @Override
  public ElementMatcher<TypeDescription> typeMatcher() {
    return named(JdkUrlConnectionModule.CONNECTION);
  }

  @Override
  public void transform(AdviceTarget target) {
    String advice = HttpUrlConnectionInstrumentation.class.getName();
    target.applyAdvice(named("plainConnect0").and(takesArguments(0)), advice + "$ConnectAdvice");
    target.applyAdvice(
        named("getInputStream0").and(takesArguments(0)), advice + "$ExchangeEndedAdvice");
    target.applyAdvice(named("followRedirect").and(takesArguments(0)), advice + "$RespondedAdvice");
    target.applyAdvice(named("disconnect").and(takesArguments(0)), advice + "$DisconnectAdvice");
  }

  /**
   * {@code plainConnect0()} entry, under the connection's own lock and with its {@code connecting}
   * flag set, which makes the public setters refuse: the flag is lowered while the mesh applies its
   * header changes and timeouts, then put back. A streaming body can be sent only once.
   */
  @SuppressWarnings("unused")
  public static final class ConnectAdvice {
    @Advice.OnMethodEnter(suppress = Throwable.class)
    public static void enter(
        @Advice.This HttpURLConnection connection,
        @Advice.FieldValue(value = "connecting", readOnly = false) boolean connecting,
        @Advice.FieldValue("chunkLength") int chunkLength,
        @Advice.FieldValue("fixedContentLength") int fixedContentLength,
        @Advice.FieldValue("fixedContentLengthLong") long fixedContentLengthLong) {
      boolean wasConnecting = connecting;
      connecting = false;
      try {
        UrlConnectionHooks.connecting(
            connection,
            chunkLength != -1 || fixedContentLength != -1 || fixedContentLengthLong != -1);
      } finally {
        connecting = wasConnecting;
      }
    }
  }

  /**
   * {@code getInputStream0()} exit, normal or not: the status the application sees. Only the call
   * that does the exchange counts; one made while a stream or a failure is already there (the
   * connection's own {@code getResponseCode()}, {@code getHeaderField()}) answers from it. When the
   * exchange failed without a response and the call retries, the failure the connection remembered
   * is cleared and the method runs again (ByteBuddy's {@code repeatOn}): it connects to the next
   * endpoint and re-sends the request.
   */
  @SuppressWarnings("unused")
  public static final class ExchangeEndedAdvice {
    @Advice.OnMethodEnter(suppress = Throwable.class)
    public static boolean enter(
        @Advice.FieldValue("inputStream") Object stream,
        @Advice.FieldValue("rememberedException") Object failure) {
      return stream == null && failure == null;
    }

    @Advice.OnMethodExit(
        onThrowable = Throwable.class,
        repeatOn = Advice.OnNonDefaultValue.class,
        suppress = Throwable.class)
    public static boolean exit(
        @Advice.Enter boolean exchanging,
        @Advice.This HttpURLConnection connection,
        @Advice.FieldValue(value = "responseCode", readOnly = false) int status,
        @Advice.Thrown(readOnly = false) Throwable thrown,
        @Advice.FieldValue(value = "rememberedException", readOnly = false) Exception remembered,
        @Advice.FieldValue(value = "connecting", readOnly = false) boolean connecting,
        @Advice.FieldValue(value = "connected", readOnly = false) boolean connected,
        @Advice.FieldValue(value = "inputStream", readOnly = false) InputStream stream,
        @Advice.FieldValue(value = "http", readOnly = false, typing = Assigner.Typing.DYNAMIC)
            Object client) {
      if (!exchanging) {
        return false;
      }
      if (thrown != null && status <= 0) {
        boolean wasConnecting = connecting;
        boolean wasConnected = connected;
        connecting = false;
        connected = false;
        boolean retry;
        try {
          retry = UrlConnectionHooks.retryOnFailure(connection, thrown);
        } finally {
          connecting = wasConnecting;
          connected = wasConnected;
        }
        if (retry) {
          // The broken client already closed its socket; the next turn opens a new one.
          remembered = null;
          stream = null;
          client = null;
          connected = false;
          status = -1;
          thrown = null;
          return true;
        }
      }
      UrlConnectionHooks.exchangeEnded(connection, status, thrown);
      return false;
    }
  }

  /**
   * {@code followRedirect()}, which the connection asks after every response it does not answer
   * itself (authentication): on entry the response's status is noted (a redirect elsewhere ends the
   * call with it); on exit, when no redirect is followed and the call retries the status, the
   * response is discarded (closing its stream drains the connection back to the keep-alive cache or
   * closes it) and {@code true} is returned as for a redirect to the same URL: the connection's
   * loop then connects again, to the next endpoint, and re-sends the request.
   */
  @SuppressWarnings("unused")
  public static final class RespondedAdvice {
    @Advice.OnMethodEnter(suppress = Throwable.class)
    public static void enter(
        @Advice.This HttpURLConnection connection, @Advice.FieldValue("responseCode") int status) {
      UrlConnectionHooks.responded(connection, status);
    }

    @Advice.OnMethodExit(suppress = Throwable.class)
    public static void exit(
        @Advice.This HttpURLConnection connection,
        @Advice.Return(readOnly = false) boolean follow,
        @Advice.FieldValue(value = "responseCode", readOnly = false) int status,
        @Advice.FieldValue(value = "connecting", readOnly = false) boolean connecting,
        @Advice.FieldValue(value = "connected", readOnly = false) boolean connected,
        @Advice.FieldValue(value = "inputStream", readOnly = false) InputStream stream,
        @Advice.FieldValue(value = "http", readOnly = false, typing = Assigner.Typing.DYNAMIC)
            Object client) {
      if (follow) {
        return;
      }
      boolean wasConnecting = connecting;
      boolean wasConnected = connected;
      connecting = false;
      connected = false;
      boolean retry;
      try {
        retry = UrlConnectionHooks.retryOnStatus(connection, status);
      } finally {
        connecting = wasConnecting;
        connected = wasConnected;
      }
      if (retry) {
        InputStream discarded = stream;
        stream = null;
        client = null;
        connected = false;
        status = -1;
        try {
          if (discarded != null) {
            discarded.close();
          }
        } catch (IOException e) {
          // the response is dropped either way
        }
        follow = true;
      }
    }
  }

  /** {@code disconnect()} entry: a call with no status yet was cancelled. */
  @SuppressWarnings("unused")
  public static final class DisconnectAdvice {
    @Advice.OnMethodEnter(suppress = Throwable.class)
    public static void enter(@Advice.This HttpURLConnection connection) {
      UrlConnectionHooks.disconnected(connection);
    }
  }
}
