package dev.jmesh.testapps.outboundload;

import java.net.URI;

/**
 * The command line: {@code --client jdk-httpclient|okhttp --url URL --connections N --seconds S
 * [--warmup S] [--settle S] [--rate R] [--hold]}.
 *
 * @param client which client library sends the requests
 * @param url what every request asks for
 * @param connections requests in flight at once: one worker thread each
 * @param seconds how long the measured part lasts
 * @param warmupSeconds how long requests run, uncounted, before it (JIT, pools, the mesh's first
 *     config)
 * @param settleSeconds before the warm-up, at most this long, closed-loop requests until this JVM's
 *     JIT compiler has (nearly) stopped working, and with a rate at most as long again at the rate;
 *     0 skips it
 * @param rate requests per second for all workers together; 0 for a closed loop
 * @param hold after the result, read standard input before exiting, so whoever started the
 *     generator can read its agent's metrics first, or ask for another window ({@code again})
 */
record LoadOptions(
    String client,
    URI url,
    int connections,
    int seconds,
    int warmupSeconds,
    int settleSeconds,
    double rate,
    boolean hold) {

  static final String USAGE =
      "usage: outbound-load-app --client jdk-httpclient|okhttp --url http://host:port/path"
          + " --connections N --seconds S [--warmup S] [--settle MAX_S] [--rate"
          + " REQUESTS_PER_SECOND] [--hold]";

  static LoadOptions parse(String[] args) {
    String client = null;
    URI url = null;
    int connections = 16;
    int seconds = 10;
    int warmup = 2;
    int settle = 0;
    double rate = 0;
    boolean hold = false;
    for (int i = 0; i < args.length; i++) {
      String flag = args[i];
      if (flag.equals("--hold")) {
        hold = true;
        continue;
      }
      if (i + 1 >= args.length) {
        throw new IllegalArgumentException(flag + " needs a value; " + USAGE);
      }
      String value = args[++i];
      switch (flag) {
        case "--client" -> client = value;
        case "--url" -> url = URI.create(value);
        case "--connections" -> connections = positive(flag, value);
        case "--seconds" -> seconds = positive(flag, value);
        case "--warmup" -> warmup = Integer.parseInt(value);
        case "--settle" -> settle = Integer.parseInt(value);
        case "--rate" -> rate = Double.parseDouble(value);
        default -> throw new IllegalArgumentException("unknown flag " + flag + "; " + USAGE);
      }
    }
    if (client == null || url == null) {
      throw new IllegalArgumentException("--client and --url are required; " + USAGE);
    }
    if (!client.equals("jdk-httpclient") && !client.equals("okhttp")) {
      throw new IllegalArgumentException("unknown client " + client + "; " + USAGE);
    }
    if (warmup < 0 || settle < 0 || rate < 0) {
      throw new IllegalArgumentException(
          "--warmup, --settle and --rate cannot be negative; " + USAGE);
    }
    return new LoadOptions(client, url, connections, seconds, warmup, settle, rate, hold);
  }

  private static int positive(String flag, String value) {
    int n = Integer.parseInt(value);
    if (n <= 0) {
      throw new IllegalArgumentException(flag + " must be positive, not " + value);
    }
    return n;
  }
}
