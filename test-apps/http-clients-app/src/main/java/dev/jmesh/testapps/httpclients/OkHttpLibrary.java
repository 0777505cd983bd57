package dev.jmesh.testapps.httpclients;

import java.io.IOException;
import java.util.concurrent.CompletableFuture;
import okhttp3.Call;
import okhttp3.Callback;
import okhttp3.Dispatcher;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import okio.BufferedSink;

/** OkHttp 4: one {@link OkHttpClient} (one connection pool, one dispatcher). */
final class OkHttpLibrary implements ClientLibrary {

  private static final MediaType OCTETS = MediaType.get("application/octet-stream");

  private final OkHttpClient client;

  OkHttpLibrary() {
    // The default dispatcher runs 5 calls per host: the suite's bursts need them all in flight.
    Dispatcher dispatcher = new Dispatcher();
    dispatcher.setMaxRequests(256);
    dispatcher.setMaxRequestsPerHost(256);
    client =
        new OkHttpClient.Builder()
            .dispatcher(dispatcher)
            .connectTimeout(ClientTimeouts.CONNECT)
            .readTimeout(ClientTimeouts.REQUEST)
            .followRedirects(false)
            .build();
  }

  @Override
  public Outcome send(Exchange exchange) throws IOException {
    try (Response response = client.newCall(request(exchange)).execute()) {
      return outcome(response);
    }
  }

  @Override
  public CompletableFuture<Outcome> sendAsync(Exchange exchange) {
    CompletableFuture<Outcome> outcome = new CompletableFuture<>();
    client
        .newCall(request(exchange))
        .enqueue(
            new Callback() {
              @Override
              public void onFailure(Call call, IOException e) {
                outcome.completeExceptionally(e);
              }

              @Override
              public void onResponse(Call call, Response response) {
                try (Response r = response) {
                  outcome.complete(outcome(r));
                } catch (IOException e) {
                  outcome.completeExceptionally(e);
                }
              }
            });
    return outcome;
  }

  @Override
  public boolean hasAsync() {
    return true;
  }

  private static Request request(Exchange exchange) {
    Request.Builder request = new Request.Builder().url(exchange.uri().toString());
    for (String[] header : exchange.headers()) {
      request.addHeader(header[0], header[1]);
    }
    RequestBody body = null;
    if (exchange.hasBody()) {
      byte[] bytes = exchange.body();
      body = exchange.streamBody() ? new OneShotBody(bytes) : RequestBody.create(bytes, OCTETS);
    }
    return request.method(exchange.method(), body).build();
  }

  private static Outcome outcome(Response response) throws IOException {
    byte[] body = response.body() == null ? new byte[0] : response.body().bytes();
    return Outcome.of(response.code(), response.protocol().toString(), body);
  }

  /** A body OkHttp must not send twice, as an upload from a stream would be. */
  private static final class OneShotBody extends RequestBody {

    private final byte[] bytes;

    OneShotBody(byte[] bytes) {
      this.bytes = bytes;
    }

    @Override
    public MediaType contentType() {
      return OCTETS;
    }

    @Override
    public boolean isOneShot() {
      return true;
    }

    @Override
    public void writeTo(BufferedSink sink) throws IOException {
      sink.write(bytes);
    }
  }
}
