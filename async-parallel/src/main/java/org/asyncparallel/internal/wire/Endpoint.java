package org.asyncparallel.internal.wire;

import java.io.Serializable;

/**
 * Where a process listens.
 *
 * @param machine the cluster machine the process runs on
 * @param unixPath its Unix domain socket, reachable from the same machine
 */
public record Endpoint(String machine, String unixPath) implements Serializable {}
