package org.asyncparallel.internal.runtime;

import java.net.InetAddress;
import java.net.UnknownHostException;

/** The name of the machine this process runs on, as {@code Cluster.localOnly()} uses it. */
public final class LocalMachine {
  private LocalMachine() {}

  /** The host name, or {@code "localhost"} if it cannot be determined. */
  public static String name() {
    try {
      return InetAddress.getLocalHost().getHostName();
    } catch (UnknownHostException e) {
      return "localhost";
    }
  }
}
