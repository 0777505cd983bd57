package dev.jmesh.testapps.servers;

import org.eclipse.jetty.websocket.api.Callback;
import org.eclipse.jetty.websocket.api.Session;
import org.eclipse.jetty.websocket.api.annotations.OnWebSocketMessage;
import org.eclipse.jetty.websocket.api.annotations.WebSocket;

/** Jetty's {@code /ws}: answers each text message with {@code echo:} and the message. */
@WebSocket
public final class JettyEchoSocket {

  @OnWebSocketMessage
  public void onText(Session session, String message) {
    session.sendText("echo:" + message, Callback.NOOP);
  }
}
