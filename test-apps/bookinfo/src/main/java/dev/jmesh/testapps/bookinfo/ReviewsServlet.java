package dev.jmesh.testapps.bookinfo;

import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;

/** reviews on a servlet container (v1 on Tomcat, v2 on Jetty). */
final class ReviewsServlet extends HttpServlet {

  private final transient Responder reviews;

  ReviewsServlet(Responder reviews) {
    this.reviews = reviews;
  }

  @Override
  protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
    Answer answer;
    try {
      answer = reviews.answer(req.getRequestURI(), req.getHeader("end-user"));
    } catch (Exception e) {
      answer = new Answer(500, e.toString());
    }
    byte[] body = (answer.body() + "\n").getBytes(StandardCharsets.UTF_8);
    resp.setStatus(answer.status());
    resp.setContentType("text/plain; charset=utf-8");
    resp.setContentLength(body.length);
    resp.getOutputStream().write(body);
  }
}
