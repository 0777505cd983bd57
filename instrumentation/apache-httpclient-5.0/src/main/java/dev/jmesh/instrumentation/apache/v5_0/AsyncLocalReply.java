package dev.jmesh.instrumentation.apache.v5_0;

import dev.jmesh.bootstrap.MeshCall;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.apache.hc.core5.concurrent.FutureCallback;
import org.apache.hc.core5.http.ContentType;
import org.apache.hc.core5.http.EntityDetails;
import org.apache.hc.core5.http.HttpException;
import org.apache.hc.core5.http.HttpHeaders;
import org.apache.hc.core5.http.impl.BasicEntityDetails;
import org.apache.hc.core5.http.message.BasicHttpResponse;
import org.apache.hc.core5.http.nio.AsyncResponseConsumer;
import org.apache.hc.core5.http.protocol.HttpContext;

/**
 * The mesh's local reply fed to the application's own response consumer, so the application gets
 * whatever its consumer makes of a response ({@code SimpleHttpResponse}, a string, …).
 */
final class AsyncLocalReply {

  private AsyncLocalReply() {}

  static <T> void deliver(
      MeshCall call, AsyncResponseConsumer<T> consumer, HttpContext context, FutureCallback<T> done)
      throws HttpException, IOException {
    BasicHttpResponse response = new BasicHttpResponse(call.replyStatus());
    byte[] body = call.replyBody().getBytes(StandardCharsets.UTF_8);
    if (call.replyLocation() != null) {
      response.setHeader(HttpHeaders.LOCATION, call.replyLocation());
    }
    EntityDetails entity = null;
    if (body.length > 0) {
      entity = new BasicEntityDetails(body.length, ContentType.TEXT_PLAIN);
      response.setHeader(HttpHeaders.CONTENT_TYPE, ContentType.TEXT_PLAIN.toString());
      response.setHeader(HttpHeaders.CONTENT_LENGTH, Integer.toString(body.length));
    }
    call.responseHeaders(new ApacheHeaders(response));
    consumer.consumeResponse(response, entity, context, done);
    if (entity != null) {
      consumer.updateCapacity(increment -> {});
      consumer.consume(ByteBuffer.wrap(body));
      consumer.streamEnd(null);
    }
  }
}
