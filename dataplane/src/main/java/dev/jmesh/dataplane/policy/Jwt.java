package dev.jmesh.dataplane.policy;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import com.google.protobuf.util.JsonFormat;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/** A JWT split and decoded, not yet verified. */
final class Jwt {

  /** Larger tokens are refused before any decoding, bounding the JSON parser's work. */
  static final int MAX_LENGTH = 16 * 1024;

  final String alg;
  final String kid;
  final Struct payload;

  /** The payload segment as sent: base64url, what {@code forward_payload_header} forwards. */
  final String payloadSegment;

  final byte[] signingInput;
  final byte[] signature;

  private Jwt(
      String alg,
      String kid,
      Struct payload,
      String payloadSegment,
      byte[] signingInput,
      byte[] signature) {
    this.alg = alg;
    this.kid = kid;
    this.payload = payload;
    this.payloadSegment = payloadSegment;
    this.signingInput = signingInput;
    this.signature = signature;
  }

  /** Thrown by {@link #parse} with the status Envoy reports. */
  static final class ParseException extends Exception {
    private static final long serialVersionUID = 1L;
    final JwtStatus status;

    ParseException(JwtStatus status) {
      super(status.message(), null, false, false);
      this.status = status;
    }
  }

  static Jwt parse(String token) throws ParseException {
    if (token.length() > MAX_LENGTH) {
      throw new ParseException(JwtStatus.BAD_FORMAT);
    }
    int dot1 = token.indexOf('.');
    int dot2 = dot1 < 0 ? -1 : token.indexOf('.', dot1 + 1);
    if (dot1 <= 0 || dot2 < 0 || token.indexOf('.', dot2 + 1) >= 0 || dot2 == dot1 + 1) {
      throw new ParseException(JwtStatus.BAD_FORMAT);
    }
    Struct header = json(token.substring(0, dot1), JwtStatus.HEADER_PARSE_ERROR);
    String payloadSegment = token.substring(dot1 + 1, dot2);
    Struct payload = json(payloadSegment, JwtStatus.PAYLOAD_PARSE_ERROR);
    byte[] signature;
    try {
      signature = Base64.getUrlDecoder().decode(token.substring(dot2 + 1));
    } catch (IllegalArgumentException e) {
      throw new ParseException(JwtStatus.BAD_FORMAT);
    }
    Value alg = header.getFieldsMap().get("alg");
    if (alg == null || !alg.hasStringValue()) {
      throw new ParseException(JwtStatus.HEADER_PARSE_ERROR);
    }
    if (!JwtKey.supports(alg.getStringValue())) {
      throw new ParseException(JwtStatus.UNSUPPORTED_ALGORITHM);
    }
    return new Jwt(
        alg.getStringValue(),
        string(header, "kid"),
        payload,
        payloadSegment,
        token.substring(0, dot2).getBytes(StandardCharsets.US_ASCII),
        signature);
  }

  String issuer() {
    return string(payload, "iss");
  }

  String subject() {
    return string(payload, "sub");
  }

  String presenter() {
    return string(payload, "azp");
  }

  /** {@code aud} as a list: a single string is one audience. */
  List<String> audiences() {
    Value aud = payload.getFieldsMap().get("aud");
    List<String> out = new ArrayList<>();
    if (aud == null) {
      return out;
    }
    if (aud.hasStringValue()) {
      out.add(aud.getStringValue());
    } else if (aud.hasListValue()) {
      for (Value v : aud.getListValue().getValuesList()) {
        if (v.hasStringValue()) {
          out.add(v.getStringValue());
        }
      }
    }
    return out;
  }

  /** A numeric date claim in seconds, {@code -1} when absent. */
  long numericDate(String claim) {
    Value v = payload.getFieldsMap().get(claim);
    return v != null && v.hasNumberValue() ? (long) v.getNumberValue() : -1;
  }

  /**
   * A claim as header text, {@code claim_to_headers} style: a string as is, a number or boolean
   * printed, a list of those joined with commas; dots in {@code path} reach nested claims. {@code
   * null} when absent or an object.
   */
  String claimText(String path) {
    Struct s = payload;
    Value v = null;
    for (String key : path.split("\\.", -1)) {
      if (s == null) {
        return null;
      }
      v = s.getFieldsMap().get(key);
      if (v == null) {
        return null;
      }
      s = v.hasStructValue() ? v.getStructValue() : null;
    }
    if (v.hasListValue()) {
      StringBuilder b = new StringBuilder();
      for (Value e : v.getListValue().getValuesList()) {
        String t = scalar(e);
        if (t == null) {
          return null;
        }
        b.append(b.length() == 0 ? "" : ",").append(t);
      }
      return b.toString();
    }
    return scalar(v);
  }

  private static String scalar(Value v) {
    if (v.hasStringValue()) {
      return v.getStringValue();
    }
    if (v.hasBoolValue()) {
      return Boolean.toString(v.getBoolValue());
    }
    if (v.hasNumberValue()) {
      double d = v.getNumberValue();
      return d == Math.rint(d) && Math.abs(d) < 1e15 ? Long.toString((long) d) : Double.toString(d);
    }
    return null;
  }

  private static String string(Struct s, String field) {
    Value v = s.getFieldsMap().get(field);
    return v != null && v.hasStringValue() ? v.getStringValue() : "";
  }

  private static Struct json(String segment, JwtStatus onError) throws ParseException {
    try {
      String text = new String(Base64.getUrlDecoder().decode(segment), StandardCharsets.UTF_8);
      Struct.Builder b = Struct.newBuilder();
      JsonFormat.parser().merge(text, b);
      return b.build();
    } catch (IllegalArgumentException | InvalidProtocolBufferException e) {
      throw new ParseException(onError);
    }
  }
}
