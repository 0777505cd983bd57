package dev.jmesh.instrumentation.jdkhttpclient;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Optional;
import javax.net.ssl.SSLSession;

/**
 * A response the mesh gives without the network (fault abort, no route, overflow, a direct response
 * or redirect), and its {@link ResponseInfo} for the application's body handler.
 */
final class LocalResponse<T> implements HttpResponse<T>, HttpResponse.ResponseInfo {

  private final HttpRequest request;
  private final int status;
  private final HttpHeaders headers;
  private final T body;

  LocalResponse(HttpRequest request, int status, HttpHeaders headers, T body) {
    this.request = request;
    this.status = status;
    this.headers = headers;
    this.body = body;
  }

  <U> LocalResponse<U> withBody(U value) {
    return new LocalResponse<>(request, status, headers, value);
  }

  @Override
  public int statusCode() {
    return status;
  }

  @Override
  public HttpRequest request() {
    return request;
  }

  @Override
  public Optional<HttpResponse<T>> previousResponse() {
    return Optional.empty();
  }

  @Override
  public HttpHeaders headers() {
    return headers;
  }

  @Override
  public T body() {
    return body;
  }

  @Override
  public Optional<SSLSession> sslSession() {
    return Optional.empty();
  }

  @Override
  public URI uri() {
    return request.uri();
  }

  @Override
  public HttpClient.Version version() {
    return HttpClient.Version.HTTP_1_1;
  }

  @Override
  public String toString() {
    return "(" + request.method() + " " + request.uri() + ") " + status + " (jmesh local reply)";
  }
}
