package io.vigil.gateway.admin;

/**
 * One endpoint of the {@link AdminServer}: answers a request with a response (JSON, text, bytes or a static
 * resource, see {@link AdminResponse}). A route that finds its parameters bad throws {@link AdminException} with 400;
 * any other exception is answered 500 and logged.
 *
 * <p>Routes run on the admin server's event loop thread ({@link AdminServer#THREAD}), one request at a time, never
 * on a thread of the engine or the TCP gateway: they may allocate and take their time, but a slow route delays the
 * other admin requests. A route reads published state only (the counters file, snapshots), never the pipeline's
 * objects.
 */
@FunctionalInterface
public interface AdminRoute {
    AdminResponse handle(AdminRequest request) throws Exception;
}
