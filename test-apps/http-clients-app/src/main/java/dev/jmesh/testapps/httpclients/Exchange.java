package dev.jmesh.testapps.httpclients;

import java.net.URI;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * One request as the command line describes it: {@code METHOD URL [--async] [--body N]
 * [--stream-body N] [Name:Value ...]}. A {@code --body} is a byte array the library may resend; a
 * {@code --stream-body} is handed over as a stream it can read only once.
 */
record Exchange(
    String method,
    URI uri,
    boolean async,
    int bodyBytes,
    boolean streamBody,
    List<String[]> headers) {

  static Exchange parse(String[] args, int from) {
    if (args.length < from + 2) {
      throw new IllegalArgumentException("expected: METHOD URL [options] [Name:Value ...]");
    }
    boolean async = false;
    int body = -1;
    boolean stream = false;
    List<String[]> headers = new ArrayList<>();
    for (int i = from + 2; i < args.length; i++) {
      switch (args[i]) {
        case "--async" -> async = true;
        case "--body" -> body = Integer.parseInt(args[++i]);
        case "--stream-body" -> {
          body = Integer.parseInt(args[++i]);
          stream = true;
        }
        default -> {
          int colon = args[i].indexOf(':');
          if (colon <= 0) {
            throw new IllegalArgumentException("not an option nor Name:Value: " + args[i]);
          }
          headers.add(new String[] {args[i].substring(0, colon), args[i].substring(colon + 1)});
        }
      }
    }
    return new Exchange(
        args[from].toUpperCase(java.util.Locale.ROOT),
        URI.create(args[from + 1]),
        async,
        body,
        stream,
        List.copyOf(headers));
  }

  boolean hasBody() {
    return bodyBytes >= 0;
  }

  /** The request body: {@code bodyBytes} of {@code x}. */
  byte[] body() {
    byte[] bytes = new byte[Math.max(0, bodyBytes)];
    Arrays.fill(bytes, (byte) 'x');
    return bytes;
  }
}
