package dev.jmesh.testapps.httpclients;

import io.netty.handler.codec.http.HttpMethod;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.netty.ByteBufFlux;
import reactor.netty.http.client.HttpClient;
import reactor.netty.resources.ConnectionProvider;

/**
 * Reactor Netty's own {@link HttpClient} (epoll on Linux), one client and its pool, without Spring:
 * {@code send} blocks on the response's {@code Mono}, {@code sendAsync} is it as a future.
 */
final class ReactorNettyLibrary implements ClientLibrary {

  private static final Duration BOUND = Duration.ofSeconds(60);

  private final HttpClient client =
      HttpClient.create(
              ConnectionProvider.builder("http-clients")
                  .maxConnections(256)
                  .pendingAcquireMaxCount(-1)
                  .build())
          .followRedirect(false);

  @Override
  public Outcome send(Exchange exchange) {
    return request(exchange).block(BOUND);
  }

  @Override
  public CompletableFuture<Outcome> sendAsync(Exchange exchange) {
    return request(exchange).toFuture();
  }

  @Override
  public boolean hasAsync() {
    return true;
  }

  private Mono<Outcome> request(Exchange exchange) {
    HttpClient.RequestSender request =
        client
            .headers(
                h -> {
                  for (String[] header : exchange.headers()) {
                    h.add(header[0], header[1]);
                  }
                })
            .request(HttpMethod.valueOf(exchange.method()))
            .uri(exchange.uri());
    HttpClient.ResponseReceiver<?> ready = request;
    if (exchange.hasBody()) {
      byte[] bytes = exchange.body();
      ready =
          request.send(
              exchange.streamBody()
                  ? ByteBufFlux.fromInbound(oneShot(bytes))
                  : ByteBufFlux.fromInbound(Mono.just(bytes)));
    }
    return ready.responseSingle(
        (response, body) ->
            body.asByteArray()
                .defaultIfEmpty(new byte[0])
                .map(b -> Outcome.of(response.status().code(), response.version().text(), b)));
  }

  /** A body that can be read once, as an upload from a stream would be. */
  private static Flux<byte[]> oneShot(byte[] bytes) {
    AtomicBoolean read = new AtomicBoolean();
    return Flux.defer(
        () ->
            read.compareAndSet(false, true)
                ? Flux.just(bytes)
                : Flux.error(new IllegalStateException("the stream was read already")));
  }
}
