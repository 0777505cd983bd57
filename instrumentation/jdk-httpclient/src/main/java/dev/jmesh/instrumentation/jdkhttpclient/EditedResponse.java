package dev.jmesh.instrumentation.jdkhttpclient;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Optional;
import javax.net.ssl.SSLSession;

/** An upstream response with the route's response header changes. */
final class EditedResponse<T> implements HttpResponse<T> {

  private final HttpResponse<T> upstream;
  private final HttpRequest request;
  private final HttpHeaders headers;

  EditedResponse(HttpResponse<T> upstream, HttpRequest request, HttpHeaders headers) {
    this.upstream = upstream;
    this.request = request;
    this.headers = headers;
  }

  @Override
  public int statusCode() {
    return upstream.statusCode();
  }

  @Override
  public HttpRequest request() {
    return request;
  }

  @Override
  public Optional<HttpResponse<T>> previousResponse() {
    return upstream.previousResponse();
  }

  @Override
  public HttpHeaders headers() {
    return headers;
  }

  @Override
  public T body() {
    return upstream.body();
  }

  @Override
  public Optional<SSLSession> sslSession() {
    return upstream.sslSession();
  }

  @Override
  public URI uri() {
    return upstream.uri();
  }

  @Override
  public HttpClient.Version version() {
    return upstream.version();
  }

  @Override
  public String toString() {
    return upstream.toString();
  }
}
