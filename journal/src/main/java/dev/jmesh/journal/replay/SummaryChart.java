package dev.jmesh.journal.replay;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import javax.imageio.ImageIO;

/**
 * The summary as a PNG: one group of three horizontal bars (p50, p90, p99) per service and route on
 * a common millisecond scale, with the request count and error rate beside it. Java2D in headless
 * mode, so it runs on a server without a display.
 */
final class SummaryChart {

  private static final int WIDTH = 1000;
  private static final int LABEL_WIDTH = 330;
  private static final int ROW_HEIGHT = 54;
  private static final int TOP = 60;
  private static final Color[] BARS = {
    new Color(0x4C, 0x9F, 0x70), new Color(0xE0, 0xA4, 0x3A), new Color(0xC8, 0x4B, 0x4B)
  };
  private static final String[] NAMES = {"p50", "p90", "p99"};
  private static final double[] PERCENTILES = {50, 90, 99};

  private SummaryChart() {}

  static void write(List<RouteStats> rows, Path file) throws IOException {
    System.setProperty("java.awt.headless", "true");
    int height = TOP + Math.max(1, rows.size()) * ROW_HEIGHT + 40;
    BufferedImage image = new BufferedImage(WIDTH, height, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = image.createGraphics();
    try {
      g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
      g.setRenderingHint(
          RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
      g.setColor(Color.WHITE);
      g.fillRect(0, 0, WIDTH, height);
      g.setColor(Color.DARK_GRAY);
      g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 16));
      g.drawString("jmesh journal: latency per service and route (ms)", 16, 28);
      g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
      for (int i = 0; i < NAMES.length; i++) {
        g.setColor(BARS[i]);
        g.fillRect(LABEL_WIDTH + i * 70, 40, 12, 12);
        g.setColor(Color.DARK_GRAY);
        g.drawString(NAMES[i], LABEL_WIDTH + i * 70 + 16, 51);
      }
      double max = 0.001;
      for (RouteStats r : rows) {
        max = Math.max(max, r.millisAt(99));
      }
      int barSpace = WIDTH - LABEL_WIDTH - 120;
      int y = TOP;
      for (RouteStats r : rows) {
        g.setColor(Color.DARK_GRAY);
        g.drawString(clip(r.service(), 48), 16, y + 16);
        g.drawString(
            clip("route " + r.route(), 30)
                + String.format(
                    Locale.ROOT, "  %d req, %.1f%% err", r.requests(), 100 * r.errorRate()),
            16,
            y + 34);
        for (int i = 0; i < PERCENTILES.length; i++) {
          double ms = r.millisAt(PERCENTILES[i]);
          int w = (int) Math.max(1, barSpace * ms / max);
          g.setColor(BARS[i]);
          g.fillRect(LABEL_WIDTH, y + 4 + i * 14, w, 12);
          g.setColor(Color.DARK_GRAY);
          g.drawString(
              String.format(Locale.ROOT, "%.1f", ms), LABEL_WIDTH + w + 6, y + 15 + i * 14);
        }
        g.setColor(new Color(0xDD, 0xDD, 0xDD));
        g.setStroke(new BasicStroke(1));
        g.drawLine(16, y + ROW_HEIGHT - 6, WIDTH - 16, y + ROW_HEIGHT - 6);
        y += ROW_HEIGHT;
      }
      if (rows.isEmpty()) {
        g.setColor(Color.DARK_GRAY);
        g.drawString("no entries match", 16, TOP + 20);
      }
    } finally {
      g.dispose();
    }
    if (!ImageIO.write(image, "png", file.toFile())) {
      throw new IOException("no PNG writer in this JVM for " + file);
    }
  }

  private static String clip(String s, int max) {
    return s.length() <= max ? s : s.substring(0, max - 1) + "…";
  }
}
