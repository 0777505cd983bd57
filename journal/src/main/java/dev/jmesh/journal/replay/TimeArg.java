package dev.jmesh.journal.replay;

import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.time.format.DateTimeParseException;

/**
 * A point in time on the command line: {@code 2026-11-30T10:00:00Z} (or with an offset), {@code
 * 2026-11-30T10:00} (local time), {@code 10:00} or {@code 10:00:30} (today, local time), {@code
 * -15m} / {@code -2h} / {@code -30s} / {@code -1d} (before now), {@code now}, or epoch
 * milliseconds.
 */
final class TimeArg {

  private TimeArg() {}

  static long parse(String option, String text, Instant now, ZoneId zone) throws UsageException {
    String t = text.trim();
    try {
      if (t.equals("now")) {
        return now.toEpochMilli();
      }
      if (t.startsWith("-") && t.length() > 2) {
        return now.minus(DurationArg.parse(option, t.substring(1))).toEpochMilli();
      }
      if (t.chars().allMatch(Character::isDigit) && t.length() > 8) {
        return Long.parseLong(t);
      }
      if (t.length() <= 8 && t.contains(":")) {
        LocalTime time = LocalTime.parse(t);
        return LocalDate.ofInstant(now, zone).atTime(time).atZone(zone).toInstant().toEpochMilli();
      }
      if (t.endsWith("Z") || t.matches(".*[+-]\\d\\d:\\d\\d$")) {
        return OffsetDateTime.parse(t).toInstant().toEpochMilli();
      }
      return LocalDateTime.parse(t).atZone(zone).toInstant().toEpochMilli();
    } catch (DateTimeParseException | NumberFormatException e) {
      throw new UsageException(
          "--"
              + option
              + " "
              + text
              + " is not a time; use 2026-11-30T10:00:00Z, 2026-11-30T10:00, 10:00, -15m, now or"
              + " epoch milliseconds");
    }
  }

  /**
   * Durations: {@code 250ms}, {@code 2s}, {@code 15m}, {@code 1h}, {@code 1d}; a bare number is ms.
   */
  static final class DurationArg {
    private DurationArg() {}

    static Duration parse(String option, String text) throws UsageException {
      String t = text.trim();
      try {
        if (t.endsWith("ms")) {
          return Duration.ofNanos(
              (long) (Double.parseDouble(t.substring(0, t.length() - 2)) * 1e6));
        }
        char unit = t.charAt(t.length() - 1);
        double n =
            Character.isDigit(unit)
                ? Double.parseDouble(t)
                : Double.parseDouble(t.substring(0, t.length() - 1));
        long millis =
            switch (unit) {
              case 's' -> (long) (n * 1000);
              case 'm' -> (long) (n * 60_000);
              case 'h' -> (long) (n * 3_600_000);
              case 'd' -> (long) (n * 86_400_000);
              default -> {
                if (Character.isDigit(unit)) {
                  yield (long) n;
                }
                throw new NumberFormatException(t);
              }
            };
        return Duration.ofMillis(millis);
      } catch (NumberFormatException | StringIndexOutOfBoundsException e) {
        throw new UsageException(
            "--" + option + " " + text + " is not a duration; use 250ms, 2s, 15m, 1h or 1d");
      }
    }
  }
}
