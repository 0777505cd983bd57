/**
 * The engine's inbound side: {@link dev.jmesh.dataplane.engine.inbound.InboundEngine} listens on
 * the ports the application declared and forwards what policy lets through to the hidden loopback
 * port the application really listens on.
 *
 * <p>A downstream pipeline, as it is built:
 *
 * <ol>
 *   <li>{@code TransportSelector} picks the filter chain: sniffs the first bytes (PERMISSIVE, with
 *       the protocol-detection timeout), or takes the one chain at once (STRICT, DISABLE);
 *   <li>{@code DownstreamChannels} adds the idle timeout and, for a TLS chain, the SSL handler and
 *       {@code TlsEstablished}, which learns the peer's SPIFFE ID and reads ALPN;
 *   <li>then HTTP/1.1 ({@code RequestHeadersGuard}, Netty's codec, {@code Http1Downstream} running
 *       one {@code Http1Exchange} per connection, reset for each request, over {@code
 *       Http1AppPool}), HTTP/2 ({@code Http2Downstream}, Netty's connection handler handing each
 *       stream's frames to its {@code Http2StreamExchange}, which sends them on as a stream of one
 *       h2c connection to the application or as an HTTP/1.1 exchange on the pool, as the port's
 *       protocol asks), or a TCP relay ({@code TcpProxy}, then {@code
 *       ByteRelay} both ways).
 * </ol>
 *
 * Every connection to the application is opened by {@code ApplicationDialer}, which registers its
 * local address for {@link dev.jmesh.dataplane.engine.inbound.InboundEngine#isEngineConnection}.
 */
package dev.jmesh.dataplane.engine.inbound;
