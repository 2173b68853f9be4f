package io.vigil.gateway.admin;

/**
 * Decides whether a request may reach its route: the hook where authentication (JWT bearer tokens with roles and a
 * tenant, DESIGN.md) plugs in. It runs on the admin thread before the route, for every request that names an existing
 * route, and answers null to let it through or a response (401, 403) that is sent instead. Implementations must be
 * safe to call from the admin thread; {@link #ALLOW_ALL} is stateless.
 */
@FunctionalInterface
public interface AdminAccess {
    /** Lets every request through: the admin server has no authentication yet (listen on loopback). */
    AdminAccess ALLOW_ALL = (request, route) -> null;

    /**
     * @param request the request.
     * @param route   the registered path pattern it matched ({@code /metrics}, {@code /static/}).
     * @return null to let the request through, or the refusal to send.
     */
    AdminResponse check(AdminRequest request, String route);
}
