package dev.jmesh.testapps.httpclients;

import java.io.ByteArrayInputStream;
import org.apache.http.HttpEntity;
import org.apache.http.client.config.RequestConfig;
import org.apache.http.client.methods.RequestBuilder;
import org.apache.http.entity.ByteArrayEntity;
import org.apache.http.entity.ContentType;
import org.apache.http.entity.InputStreamEntity;
import org.apache.http.impl.client.CloseableHttpClient;
import org.apache.http.impl.client.HttpClients;
import org.apache.http.impl.conn.PoolingHttpClientConnectionManager;
import org.apache.http.util.EntityUtils;

/** Apache HttpClient 4.5, one pooled client; its own retries are off, as for 5.x. */
final class ApacheClassic4Library implements ClientLibrary {

  private final CloseableHttpClient client;

  ApacheClassic4Library() {
    PoolingHttpClientConnectionManager pool = new PoolingHttpClientConnectionManager();
    pool.setMaxTotal(256);
    pool.setDefaultMaxPerRoute(256);
    client =
        HttpClients.custom()
            .setConnectionManager(pool)
            .setDefaultRequestConfig(
                RequestConfig.custom()
                    .setConnectTimeout((int) ClientTimeouts.CONNECT.toMillis())
                    .setSocketTimeout((int) ClientTimeouts.REQUEST.toMillis())
                    .setRedirectsEnabled(false)
                    .build())
            .disableAutomaticRetries()
            .build();
  }

  @Override
  public Outcome send(Exchange exchange) throws Exception {
    RequestBuilder request = RequestBuilder.create(exchange.method()).setUri(exchange.uri());
    for (String[] header : exchange.headers()) {
      request.addHeader(header[0], header[1]);
    }
    if (exchange.hasBody()) {
      byte[] bytes = exchange.body();
      request.setEntity(
          exchange.streamBody()
              ? new InputStreamEntity(
                  new ByteArrayInputStream(bytes),
                  bytes.length,
                  ContentType.APPLICATION_OCTET_STREAM)
              : new ByteArrayEntity(bytes, ContentType.APPLICATION_OCTET_STREAM));
    }
    return client.execute(
        request.build(),
        response -> {
          HttpEntity entity = response.getEntity();
          byte[] body = entity == null ? new byte[0] : EntityUtils.toByteArray(entity);
          String version = response.getStatusLine().getProtocolVersion().toString();
          return Outcome.of(
              response.getStatusLine().getStatusCode(),
              version.replace('/', '_').replace('.', '_'),
              body);
        });
  }
}
