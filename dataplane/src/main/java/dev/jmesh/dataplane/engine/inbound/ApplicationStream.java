package dev.jmesh.dataplane.engine.inbound;

import java.net.SocketAddress;

/**
 * Where one downstream HTTP/2 stream's request goes: a stream on the h2c connection to an
 * application that speaks HTTP/2 ({@link Http2ApplicationStream}), or an exchange on a pooled
 * keep-alive connection to one that speaks HTTP/1.1 ({@link Http1ApplicationStream}), as Istio's
 * inbound cluster of an {@code http} port does. Either hands the response back to its {@link
 * Http2StreamExchange} as HTTP/2 headers and data. On the stream's event loop only.
 */
interface ApplicationStream {

  /**
   * Sends one request frame, an {@code Http2HeadersFrame} (the request's headers, or its trailers)
   * or an {@code Http2DataFrame}, whose ownership passes here; unflushed.
   */
  void send(Object frame);

  void flush();

  /** Whether the application takes more of the request now. */
  boolean isWritable();

  /** Stops reading the response: the downstream stream cannot take more. */
  void pauseResponse();

  void resumeResponse();

  /** The exchange is over early (the client went away, the body is too large): let go of it. */
  void close();

  SocketAddress localAddress();
}
