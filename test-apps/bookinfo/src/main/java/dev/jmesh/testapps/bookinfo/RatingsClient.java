package dev.jmesh.testapps.bookinfo;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import org.apache.hc.client5.http.classic.methods.HttpGet;
import org.apache.hc.client5.http.config.RequestConfig;
import org.apache.hc.client5.http.impl.classic.CloseableHttpClient;
import org.apache.hc.client5.http.impl.classic.HttpClients;
import org.apache.hc.core5.http.io.entity.EntityUtils;
import org.apache.hc.core5.util.Timeout;

/**
 * How reviews v2 and v3 call {@code ratings}. A failure is part of the page ("ratings
 * unavailable"), as in bookinfo, never an error of reviews itself.
 */
abstract class RatingsClient {

  /** Longer than any fault delay the demo injects: the mesh, not the client, decides. */
  static final Duration TIMEOUT = Duration.ofSeconds(10);

  final String base;

  private RatingsClient(String base) {
    this.base = base;
  }

  static RatingsClient okHttp(String base) {
    return new OkHttpRatings(base);
  }

  static RatingsClient apache(String base) {
    return new ApacheRatings(base);
  }

  final String stars(String id, String endUser) {
    try {
      Answer a = get(base + id, endUser);
      return a.status() == 200
          ? a.body().trim()
          : "ratings unavailable (" + a.status() + " " + a.body().trim() + ")";
    } catch (IOException e) {
      return "ratings unavailable (" + e + ")";
    }
  }

  abstract Answer get(String url, String endUser) throws IOException;

  private static final class OkHttpRatings extends RatingsClient {

    private final OkHttpClient client = new OkHttpClient.Builder().callTimeout(TIMEOUT).build();

    OkHttpRatings(String base) {
      super(base);
    }

    @Override
    Answer get(String url, String endUser) throws IOException {
      Request.Builder request = new Request.Builder().url(url);
      if (endUser != null) {
        request.header("end-user", endUser);
      }
      try (Response response = client.newCall(request.build()).execute()) {
        return new Answer(response.code(), response.body().string());
      }
    }
  }

  private static final class ApacheRatings extends RatingsClient {

    private final CloseableHttpClient client =
        HttpClients.custom()
            .setDefaultRequestConfig(
                RequestConfig.custom()
                    .setResponseTimeout(Timeout.of(TIMEOUT))
                    .setConnectionRequestTimeout(Timeout.of(TIMEOUT))
                    .build())
            .build();

    ApacheRatings(String base) {
      super(base);
    }

    @Override
    Answer get(String url, String endUser) throws IOException {
      HttpGet request = new HttpGet(url);
      if (endUser != null) {
        request.setHeader("end-user", endUser);
      }
      return client.execute(
          request,
          response ->
              new Answer(
                  response.getCode(),
                  response.getEntity() == null
                      ? ""
                      : EntityUtils.toString(response.getEntity(), StandardCharsets.UTF_8)));
    }
  }
}
