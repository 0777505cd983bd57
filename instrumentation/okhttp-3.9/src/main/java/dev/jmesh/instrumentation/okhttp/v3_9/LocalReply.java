package dev.jmesh.instrumentation.okhttp.v3_9;

import dev.jmesh.bootstrap.MeshCall;
import okhttp3.Headers;
import okhttp3.MediaType;
import okhttp3.Protocol;
import okhttp3.Request;
import okhttp3.Response;
import okhttp3.ResponseBody;

/**
 * The response the mesh gives without touching the network: a fault abort, no route (404), an open
 * circuit or no healthy upstream (503), a direct response or a redirect — what Envoy would have
 * answered in a sidecar, with its body text.
 */
final class LocalReply {

  private static final MediaType TEXT = MediaType.parse("text/plain");

  private LocalReply() {}

  static Response of(Request request, MeshCall call) {
    int status = call.replyStatus();
    Headers.Builder headers = new Headers.Builder().add("Content-Type", "text/plain");
    String location = call.replyLocation();
    if (location != null) {
      headers.add("Location", location);
    }
    call.responseHeaders(new HeadersView(headers));
    long now = System.currentTimeMillis();
    return new Response.Builder()
        .request(request)
        .protocol(Protocol.HTTP_1_1)
        .code(status)
        .message(reason(status))
        .headers(headers.build())
        .body(ResponseBody.create(TEXT, call.replyBody()))
        .sentRequestAtMillis(now)
        .receivedResponseAtMillis(now)
        .build();
  }

  private static String reason(int status) {
    switch (status) {
      case 301:
        return "Moved Permanently";
      case 302:
        return "Found";
      case 303:
        return "See Other";
      case 307:
        return "Temporary Redirect";
      case 308:
        return "Permanent Redirect";
      case 400:
        return "Bad Request";
      case 403:
        return "Forbidden";
      case 404:
        return "Not Found";
      case 429:
        return "Too Many Requests";
      case 500:
        return "Internal Server Error";
      case 502:
        return "Bad Gateway";
      case 503:
        return "Service Unavailable";
      case 504:
        return "Gateway Timeout";
      default:
        return status < 400 ? "OK" : "Error";
    }
  }
}
