package org.asyncparallel.internal.net;

import java.io.FileInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;

/**
 * Words for the user when the operating system refuses a socket: which resource ran out, as this
 * machine shows it, and what to do. The JDK's messages are the kernel's ({@code EADDRINUSE} for a
 * bind to any free port when none is left, {@code EADDRNOTAVAIL} for a connect that has no local
 * port left, {@code EMFILE}); they do not say which limit was reached.
 */
public final class SocketTrouble {
  private static final String PORT_RANGE = "/proc/sys/net/ipv4/ip_local_port_range";

  private SocketTrouble() {}

  /** The refusal with its explanation: the JDK's message, then what it means here, if known. */
  public static String describe(IOException refusal) {
    String said = refusal.getMessage() != null ? refusal.getMessage() : refusal.getClass().getSimpleName();
    return said + explain(said);
  }

  private static String explain(String said) {
    if (said.contains("Address already in use") || said.contains("Cannot assign requested address")) {
      return " (every port of this machine's range for automatic ports, net.ipv4.ip_local_port_range = "
          + portRange() + ", seems taken: end what holds them, or widen the range)";
    }
    if (said.contains("Too many open files")) {
      return " (this process has no file descriptor left: raise its limit, ulimit -n)";
    }
    return "";
  }

  private static String portRange() {
    // not Files.readString: it trusts the size a /proc file reports (0) and reads one byte
    try (InputStream in = new FileInputStream(PORT_RANGE)) {
      return new String(in.readAllBytes(), StandardCharsets.US_ASCII).trim().replaceAll("\\s+", "-");
    } catch (IOException | RuntimeException e) {
      return "unknown";
    }
  }
}
