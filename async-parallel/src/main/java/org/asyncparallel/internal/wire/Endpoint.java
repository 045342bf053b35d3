package org.asyncparallel.internal.wire;

import java.io.Serializable;

/**
 * Where a process listens: a Unix domain socket for processes of its own machine and, in a
 * cluster, a TCP port for the others.
 *
 * @param machine the cluster machine the process runs on
 * @param unixPath its Unix domain socket, reachable from the same machine
 * @param host its TCP address as other machines reach it; empty for a process of the master
 *     machine, which each machine reaches at the master address it learned when it was started
 * @param port its TCP port, or 0 when it does not listen on TCP (a runtime of one machine)
 */
public record Endpoint(String machine, String unixPath, String host, int port) implements Serializable {
  /** An endpoint with a Unix domain socket only. */
  public Endpoint(String machine, String unixPath) {
    this(machine, unixPath, "", 0);
  }

  @Override
  public String toString() {
    return unixPath + (port == 0 ? "" : " or " + (host.isEmpty() ? "master" : host) + ":" + port) + " on " + machine;
  }
}
