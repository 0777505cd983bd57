package dev.jmesh.instrumentation.netty.server.v4_1;

import static net.bytebuddy.matcher.ElementMatchers.named;
import static net.bytebuddy.matcher.ElementMatchers.namedOneOf;
import static net.bytebuddy.matcher.ElementMatchers.takesArguments;

import dev.jmesh.instrumentation.api.AdviceTarget;
import dev.jmesh.instrumentation.api.TypeInstrumentation;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http2.Http2Headers;
import net.bytebuddy.asm.Advice;
import net.bytebuddy.description.type.TypeDescription;
import net.bytebuddy.matcher.ElementMatcher;

/**
 * HTTP/2 servers on {@code Http2ConnectionHandler} without the frame codec (grpc-netty): the
 * handler's frame listener is wrapped when the handler joins a pipeline ({@code handlerAdded},
 * which every subclass calls), and what it writes is read at {@code DefaultHttp2ConnectionEncoder}:
 * the private {@code writeHeaders0} both {@code writeHeaders} overloads funnel into, {@code
 * writeData} and {@code writeRstStream} (4.1 and 4.2).
 */
final class Http2ConnectionInstrumentation implements TypeInstrumentation {

  static final String HANDLER = "io.netty.handler.codec.http2.Http2ConnectionHandler";
  static final String ENCODER = "io.netty.handler.codec.http2.DefaultHttp2ConnectionEncoder";

  @Override
  public ElementMatcher<TypeDescription> typeMatcher() {
    return namedOneOf(HANDLER, ENCODER);
  }

  @Override
  public void transform(AdviceTarget target) {
    String p = Http2ConnectionInstrumentation.class.getName();
    target.applyAdvice(named("handlerAdded").and(takesArguments(1)), p + "$AddedAdvice");
    target.applyAdvice(named("writeHeaders0").and(takesArguments(10)), p + "$HeadersAdvice");
    target.applyAdvice(named("writeData").and(takesArguments(6)), p + "$DataAdvice");
    target.applyAdvice(named("writeRstStream").and(takesArguments(4)), p + "$ResetAdvice");
  }

  @SuppressWarnings("unused")
  public static final class AddedAdvice {
    @Advice.OnMethodExit(suppress = Throwable.class)
    public static void exit(
        @Advice.This Object handler, @Advice.Argument(0) ChannelHandlerContext ctx) {
      MeshHttp2Listener.wrap(ctx, handler);
    }
  }

  @SuppressWarnings("unused")
  public static final class HeadersAdvice {
    @Advice.OnMethodEnter(suppress = Throwable.class)
    public static void enter(
        @Advice.Argument(0) ChannelHandlerContext ctx,
        @Advice.Argument(1) int streamId,
        @Advice.Argument(value = 2, readOnly = false) Http2Headers headers,
        @Advice.Argument(8) boolean endStream) {
      headers = MeshHttp2Listener.headersWritten(ctx, streamId, headers, endStream);
    }
  }

  @SuppressWarnings("unused")
  public static final class DataAdvice {
    @Advice.OnMethodEnter(suppress = Throwable.class)
    public static void enter(
        @Advice.Argument(0) ChannelHandlerContext ctx,
        @Advice.Argument(1) int streamId,
        @Advice.Argument(2) ByteBuf data,
        @Advice.Argument(4) boolean endStream) {
      MeshHttp2Listener.dataWritten(ctx, streamId, data, endStream);
    }
  }

  @SuppressWarnings("unused")
  public static final class ResetAdvice {
    @Advice.OnMethodEnter(suppress = Throwable.class)
    public static void enter(
        @Advice.Argument(0) ChannelHandlerContext ctx, @Advice.Argument(1) int streamId) {
      MeshHttp2Listener.resetWritten(ctx, streamId);
    }
  }
}
