package dev.jmesh.instrumentation.apache.v5_0;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.apache.hc.core5.http.EntityDetails;
import org.apache.hc.core5.http.HttpRequest;
import org.apache.hc.core5.http.Message;
import org.apache.hc.core5.http.impl.bootstrap.HttpAsyncServer;
import org.apache.hc.core5.http.nio.AsyncEntityConsumer;
import org.apache.hc.core5.http.nio.AsyncRequestConsumer;
import org.apache.hc.core5.http.nio.AsyncServerRequestHandler;
import org.apache.hc.core5.http.nio.entity.StringAsyncEntityConsumer;
import org.apache.hc.core5.http.nio.support.BasicRequestConsumer;
import org.apache.hc.core5.http.nio.support.BasicResponseProducer;
import org.apache.hc.core5.http.protocol.HttpContext;
import org.apache.hc.core5.http2.HttpVersionPolicy;
import org.apache.hc.core5.http2.impl.nio.bootstrap.H2ServerBootstrap;
import org.apache.hc.core5.io.CloseMode;
import org.apache.hc.core5.reactor.ListenerEndpoint;

/** A cleartext HTTP/2 endpoint (prior knowledge), recording each request's {@code :authority}. */
final class H2Backend implements AutoCloseable {

  private final HttpAsyncServer server;
  private final InetSocketAddress address;
  private final List<String> authorities = new CopyOnWriteArrayList<>();

  H2Backend(String ip) throws Exception {
    server =
        H2ServerBootstrap.bootstrap()
            .setVersionPolicy(HttpVersionPolicy.FORCE_HTTP_2)
            .register(
                "*",
                new AsyncServerRequestHandler<Message<HttpRequest, String>>() {
                  @Override
                  public AsyncRequestConsumer<Message<HttpRequest, String>> prepare(
                      HttpRequest request, EntityDetails entity, HttpContext context) {
                    AsyncEntityConsumer<String> body =
                        entity != null ? new StringAsyncEntityConsumer() : null;
                    return new BasicRequestConsumer<>(body);
                  }

                  @Override
                  public void handle(
                      Message<HttpRequest, String> message,
                      ResponseTrigger trigger,
                      HttpContext context)
                      throws org.apache.hc.core5.http.HttpException, java.io.IOException {
                    authorities.add(String.valueOf(message.getHead().getAuthority()));
                    trigger.submitResponse(new BasicResponseProducer(200, "h2 " + ip), context);
                  }
                })
            .create();
    server.start();
    ListenerEndpoint endpoint =
        server.listen(new InetSocketAddress(InetAddress.getByName(ip), 0)).get(5, TimeUnit.SECONDS);
    address = (InetSocketAddress) endpoint.getAddress();
  }

  InetSocketAddress address() {
    return address;
  }

  List<String> authorities() {
    return authorities;
  }

  @Override
  public void close() {
    server.close(CloseMode.IMMEDIATE);
  }
}
