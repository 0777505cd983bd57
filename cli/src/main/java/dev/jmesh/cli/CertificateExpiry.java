package dev.jmesh.cli;

import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;

/** A certificate's time left as {@code mesh status} prints it: {@code 23h59m}, or EXPIRED. */
final class CertificateExpiry {

  private CertificateExpiry() {}

  /** {@code notAfter} (ISO-8601) as time left at {@code now}; "-" when there is none. */
  static String timeLeft(Object notAfter, Instant now) {
    if (notAfter == null || notAfter.toString().isEmpty()) {
      return "-";
    }
    Instant end;
    try {
      end = Instant.parse(notAfter.toString());
    } catch (DateTimeParseException e) {
      return "?";
    }
    Duration left = Duration.between(now, end);
    if (left.isNegative() || left.isZero()) {
      return "EXPIRED";
    }
    if (left.toMinutes() == 0) {
      return "<1m";
    }
    return left.toHours() + "h" + left.toMinutesPart() + "m";
  }
}
