package dev.jmesh.instrumentation.apache.v5_0;

import dev.jmesh.bootstrap.MeshCall;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.reflect.Method;
import org.apache.hc.client5.http.impl.classic.CloseableHttpResponse;
import org.apache.hc.core5.http.ClassicHttpResponse;
import org.apache.hc.core5.http.ContentType;
import org.apache.hc.core5.http.HttpHeaders;
import org.apache.hc.core5.http.io.entity.StringEntity;
import org.apache.hc.core5.http.message.BasicClassicHttpResponse;

/**
 * The response the mesh gives in place of the network (a fault abort, no route, an open circuit, a
 * direct response or a redirect), as the classic client's {@link CloseableHttpResponse}.
 */
final class ClassicLocalReply {

  /**
   * {@code CloseableHttpResponse.adapt} is package-private in every 5.x; the package is not sealed
   * and httpclient5 is an automatic module when on the module path, so it is opened once here.
   */
  private static final MethodHandle ADAPT = adapt();

  private ClassicLocalReply() {}

  static CloseableHttpResponse of(MeshCall call) {
    BasicClassicHttpResponse response = new BasicClassicHttpResponse(call.replyStatus());
    String body = call.replyBody();
    if (!body.isEmpty()) {
      response.setEntity(new StringEntity(body, ContentType.TEXT_PLAIN));
    }
    if (call.replyLocation() != null) {
      response.setHeader(HttpHeaders.LOCATION, call.replyLocation());
    }
    call.responseHeaders(new ApacheHeaders(response));
    try {
      return (CloseableHttpResponse) ADAPT.invoke((ClassicHttpResponse) response);
    } catch (Throwable t) {
      throw new IllegalStateException("jmesh: cannot build the local reply", t);
    }
  }

  private static MethodHandle adapt() {
    try {
      Method m = CloseableHttpResponse.class.getDeclaredMethod("adapt", ClassicHttpResponse.class);
      m.setAccessible(true);
      return MethodHandles.lookup().unreflect(m);
    } catch (ReflectiveOperationException | RuntimeException e) {
      // Without it a REPLY fails the request with a clear error rather than touch the network.
      return MethodHandles.dropArguments(
          MethodHandles.throwException(CloseableHttpResponse.class, IllegalStateException.class)
              .bindTo(new IllegalStateException("CloseableHttpResponse.adapt: " + e)),
          0,
          ClassicHttpResponse.class);
    }
  }
}
