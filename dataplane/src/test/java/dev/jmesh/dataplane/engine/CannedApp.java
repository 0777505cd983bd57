package dev.jmesh.dataplane.engine;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/**
 * An HTTP/1.1 server (an application behind the inbound engine, an upstream host of the outbound
 * one) that answers every request head with the same bytes, whatever they are: for responses no
 * real server library would write, such as ones that break HTTP/1.1. It keeps each connection open
 * after answering, so only the engine can end it.
 */
public final class CannedApp implements AutoCloseable {

  private final byte[] reply;
  private final LoopbackServer server;

  public CannedApp(String reply) throws IOException {
    this.reply = reply.getBytes(StandardCharsets.ISO_8859_1);
    this.server = new LoopbackServer("canned-app", this::serve);
  }

  public InetSocketAddress address() {
    return server.address();
  }

  private void serve(Socket s) {
    try (s;
        InputStream in = s.getInputStream();
        OutputStream out = s.getOutputStream()) {
      // Each time a head ends (an empty line), the canned reply.
      int matched = 0;
      for (int b = in.read(); b != -1; b = in.read()) {
        if (b == '\r') {
          matched = matched == 2 ? 3 : 1;
        } else if (b == '\n' && (matched == 1 || matched == 3)) {
          matched++;
        } else {
          matched = 0;
        }
        if (matched == 4) {
          out.write(reply);
          out.flush();
          matched = 0;
        }
      }
    } catch (IOException e) {
      // the engine closed it
    }
  }

  @Override
  public void close() throws IOException {
    server.close();
  }
}
