package org.asyncparallel;

import java.util.concurrent.CompletableFuture;

/**
 * What {@link Parallel#spawn(Body)} gives back once the new worker's hub is listening.
 *
 * @param channel a channel connected to the worker's hub
 * @param result the body's return value; fails as {@link Parallel#run(Task)} does. Cancelling it
 *     kills the worker.
 */
public record Spawned<A, B, R>(Channel<A, B> channel, CompletableFuture<R> result) {}
