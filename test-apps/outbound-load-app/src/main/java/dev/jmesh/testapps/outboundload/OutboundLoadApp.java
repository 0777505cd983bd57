package dev.jmesh.testapps.outboundload;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;

/**
 * An outbound HTTP load generator for {@code scripts/bench/outbound}: N workers share one pooled
 * client of the chosen library and GET one URL, in a closed loop or at a fixed rate, then print one
 * {@code RESULT} line (see {@link LoadResult}). It knows nothing of jmesh: the benchmark runs the
 * same jar with and without the agent.
 *
 * <pre>
 * java -jar outbound-load-app.jar --client okhttp --url http://reviews:9080/download?bytes=1024 \
 *     --connections 16 --seconds 10 [--warmup 2] [--rate 5000] [--hold]
 * </pre>
 *
 * <p>With {@code --hold} it then reads standard input: each {@code again} line runs another
 * measured window (warm-up included, no settling) and prints its {@code RESULT}; any other line,
 * or the end of input, ends it. A driver can so read the agent's metrics between windows, and
 * alternate configurations in JVMs that live for the whole run.
 *
 * <p>Exit codes: 0 after a run (even one with errors: they are in the line), 2 for bad flags.
 */
public final class OutboundLoadApp {

  /** With {@code --hold}: the line that asks for another measured window on the same client. */
  static final String AGAIN = "again";

  private OutboundLoadApp() {}

  public static void main(String[] args) throws Exception {
    LoadOptions options;
    try {
      options = LoadOptions.parse(args);
    } catch (IllegalArgumentException e) {
      System.err.println(e.getMessage());
      System.exit(2);
      return;
    }
    try (HttpLoadClient client = open(options)) {
      LoadRun run = new LoadRun(options, client);
      print(options, run.run());
      if (options.hold()) {
        BufferedReader commands =
            new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        while (AGAIN.equals(commands.readLine())) {
          print(options, run.window());
        }
      }
    }
    System.exit(0);
  }

  private static void print(LoadOptions options, LoadResult result) {
    if (result.firstError() != null) {
      System.err.println("first error: " + result.firstError());
    }
    System.out.println(result.line(options.client()));
    System.out.flush();
  }

  static HttpLoadClient open(LoadOptions options) {
    return options.client().equals("okhttp")
        ? new OkHttpLoad(options.url(), options.connections())
        : new JdkHttpClientLoad(options.url());
  }
}
