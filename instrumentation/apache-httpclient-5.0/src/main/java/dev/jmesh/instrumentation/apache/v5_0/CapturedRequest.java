package dev.jmesh.instrumentation.apache.v5_0;

import org.apache.hc.core5.http.EntityDetails;
import org.apache.hc.core5.http.HttpRequest;
import org.apache.hc.core5.http.nio.AsyncRequestProducer;
import org.apache.hc.core5.http.protocol.HttpContext;

/**
 * The head of an asynchronous request, read from the application's producer before the client sends
 * it. Apache's producers hand their request to the channel they are given and nothing else, so
 * asking once more is harmless; a producer that does not answer at once is left to the client.
 */
final class CapturedRequest {

  final HttpRequest request;
  final EntityDetails entity;

  private CapturedRequest(HttpRequest request, EntityDetails entity) {
    this.request = request;
    this.entity = entity;
  }

  static CapturedRequest of(AsyncRequestProducer producer, HttpContext context) {
    HttpRequest[] head = new HttpRequest[1];
    EntityDetails[] body = new EntityDetails[1];
    try {
      producer.sendRequest(
          (request, entity, ctx) -> {
            head[0] = request;
            body[0] = entity;
          },
          context);
    } catch (Exception e) {
      return null;
    }
    return head[0] == null ? null : new CapturedRequest(head[0], body[0]);
  }
}
