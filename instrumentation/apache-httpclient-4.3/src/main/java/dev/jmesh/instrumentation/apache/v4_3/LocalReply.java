package dev.jmesh.instrumentation.apache.v4_3;

import dev.jmesh.bootstrap.MeshCall;
import org.apache.http.HttpHeaders;
import org.apache.http.HttpVersion;
import org.apache.http.client.methods.CloseableHttpResponse;
import org.apache.http.entity.ContentType;
import org.apache.http.entity.StringEntity;
import org.apache.http.message.BasicHttpResponse;

/**
 * The response the mesh gives in place of the network (a fault abort, no route, an open circuit, a
 * direct response or a redirect).
 */
final class LocalReply extends BasicHttpResponse implements CloseableHttpResponse {

  private LocalReply(int status) {
    super(HttpVersion.HTTP_1_1, status, null);
  }

  static LocalReply of(MeshCall call) {
    LocalReply reply = new LocalReply(call.replyStatus());
    String body = call.replyBody();
    if (!body.isEmpty()) {
      reply.setEntity(new StringEntity(body, ContentType.TEXT_PLAIN));
    }
    if (call.replyLocation() != null) {
      reply.setHeader(HttpHeaders.LOCATION, call.replyLocation());
    }
    call.responseHeaders(new ApacheHeaders(reply));
    return reply;
  }

  @Override
  public void close() {
    // Nothing to release: the reply never had a connection.
  }
}
