package dev.jmesh.testapps.servers;

import jakarta.websocket.Endpoint;
import jakarta.websocket.EndpointConfig;
import jakarta.websocket.MessageHandler;
import jakarta.websocket.Session;

/** Tomcat's {@code /ws}: answers each text message with {@code echo:} and the message. */
public final class TomcatEchoEndpoint extends Endpoint {

  @Override
  public void onOpen(Session session, EndpointConfig config) {
    session.addMessageHandler(
        String.class,
        (MessageHandler.Whole<String>) text -> session.getAsyncRemote().sendText("echo:" + text));
  }
}
