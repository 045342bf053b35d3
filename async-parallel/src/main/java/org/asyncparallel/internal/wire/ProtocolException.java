package org.asyncparallel.internal.wire;

import java.io.IOException;

/** The peer broke the protocol: bad magic, failed authentication, a frame too large or malformed. */
public final class ProtocolException extends IOException {
  private static final long serialVersionUID = 1L;

  public ProtocolException(String message) {
    super(message);
  }
}
