package org.asyncparallel.internal.runtime;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.UnixDomainSocketAddress;
import java.nio.file.Path;
import org.asyncparallel.internal.wire.Endpoint;

/**
 * How this process reaches an endpoint: its Unix domain socket when it is on this machine, else
 * its TCP port at its host (or, for a process of the master machine, at the address this machine
 * reaches the master on).
 */
public final class Routes {
  private Routes() {}

  /**
   * @throws IOException if the endpoint is on another machine and does not listen on TCP
   */
  public static SocketAddress addressOf(Endpoint endpoint, RuntimeSettings here) throws IOException {
    if (endpoint.machine().equals(here.localMachine()) && !endpoint.unixPath().isEmpty()) {
      return UnixDomainSocketAddress.of(Path.of(endpoint.unixPath()));
    }
    if (endpoint.port() == 0) {
      throw new IOException("cannot reach " + endpoint + " from machine " + here.localMachine()
          + ": it does not listen on TCP");
    }
    String host = endpoint.host().isEmpty() ? here.masterAddress() : endpoint.host();
    if (host.isEmpty()) {
      throw new IOException("cannot reach " + endpoint + " from machine " + here.localMachine()
          + ": the master's address is not known here");
    }
    return new InetSocketAddress(host, endpoint.port());
  }
}
