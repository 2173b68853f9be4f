package io.vigil.gateway.admin;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The admin server's endpoints: exact paths and path prefixes, each with the methods it answers. Adding an endpoint
 * is one line:
 *
 * <pre>{@code
 * routes.get("/slo", request -> AdminResponse.json(slo.status()), "SLO status per objective");
 * routes.resources("/ui/", "io/vigil/gateway/admin/dashboard/ui/", "the dashboard's script and style sheet");
 * }</pre>
 *
 * A request is matched on its exact path first, then on the longest registered prefix; a path that matches with
 * another method is answered 405 (with {@code Allow}), one that matches nothing 404. Registering the same method and
 * path twice is an error.
 *
 * <p>Thread-safe: routes may be added while the server runs (a copy-on-write list; lookups never lock).
 */
public final class AdminRoutes {
    /** One registered endpoint, as {@link #list()} shows it. */
    public record Entry(String method, String path, boolean prefix, String description, AdminRoute route) {
    }

    /** What a lookup found. */
    record Match(Entry entry, Set<String> allowed) {
    }

    private final List<Entry> entries = new CopyOnWriteArrayList<>();

    /** {@code GET path}. */
    public AdminRoutes get(final String path, final AdminRoute route, final String description) {
        return add("GET", path, false, route, description);
    }

    /** {@code POST path}. */
    public AdminRoutes post(final String path, final AdminRoute route, final String description) {
        return add("POST", path, false, route, description);
    }

    /** Any method on an exact path. */
    public AdminRoutes route(final String method, final String path, final AdminRoute route, final String description) {
        return add(method, path, false, route, description);
    }

    /** {@code method} on every path that starts with {@code prefix} (which ends with '/'). */
    public AdminRoutes prefix(final String method, final String prefix, final AdminRoute route, final String description) {
        if (!prefix.endsWith("/")) {
            throw new IllegalArgumentException("a prefix route ends with '/': " + prefix);
        }
        return add(method, prefix, true, route, description);
    }

    /**
     * Serves the class-path resources under {@code root} at {@code GET prefix<name>} (and {@code prefix} itself as
     * {@code index.html}); a name with a {@code ..} segment is refused (400), a missing one is 404.
     */
    public AdminRoutes resources(final String prefix, final String root, final String description) {
        final String base = root.endsWith("/") ? root : root + "/";
        final ClassLoader loader = AdminRoutes.class.getClassLoader();
        return prefix("GET", prefix, request -> {
            String name = request.path().substring(prefix.length());
            if (name.isEmpty()) {
                name = "index.html";
            }
            for (final String segment : name.split("/")) {
                if (segment.equals("..") || segment.equals(".") || segment.contains("\\")) {
                    throw AdminException.badParameter("path segment '" + segment + "' is not allowed");
                }
            }
            final AdminResponse response = AdminResponse.resource(loader, base + name);
            if (response == null) {
                throw new AdminException(404, "not_found", "no resource " + request.path());
            }
            return response;
        }, description);
    }

    private AdminRoutes add(final String method, final String path, final boolean prefix, final AdminRoute route,
        final String description) {
        if (!path.startsWith("/")) {
            throw new IllegalArgumentException("a route path starts with '/': " + path);
        }
        synchronized (entries) {
            for (final Entry entry : entries) {
                if (entry.method.equals(method) && entry.path.equals(path) && entry.prefix == prefix) {
                    throw new IllegalArgumentException(method + " " + path + " is registered twice");
                }
            }
            entries.add(new Entry(method, path, prefix, description, route));
        }
        return this;
    }

    /** Every endpoint in registration order. */
    public List<Entry> list() {
        return new ArrayList<>(entries);
    }

    /** The endpoints as {@code GET /api} lists them: method, path (a prefix ends with '*') and description. */
    List<Map<String, String>> describe() {
        final List<Map<String, String>> out = new ArrayList<>();
        for (final Entry entry : entries) {
            final Map<String, String> row = new LinkedHashMap<>();
            row.put("method", entry.method);
            row.put("path", entry.prefix ? entry.path + "*" : entry.path);
            row.put("description", entry.description);
            out.add(row);
        }
        return out;
    }

    /**
     * The entry for {@code method path}: exact paths before the longest prefix. A null entry with methods allowed:
     * 405; with none: 404.
     */
    Match find(final String method, final String path) {
        final Set<String> allowed = new TreeSet<>();
        Entry exact = null;
        for (final Entry entry : entries) {
            if (!entry.prefix && entry.path.equals(path)) {
                allowed.add(entry.method);
                if (entry.method.equals(method)) {
                    exact = entry;
                }
            }
        }
        if (exact != null || !allowed.isEmpty()) {
            return new Match(exact, allowed);
        }
        Entry best = null;
        int bestLength = -1;
        for (final Entry entry : entries) {
            if (entry.prefix && path.startsWith(entry.path)) {
                if (entry.path.length() > bestLength) {
                    bestLength = entry.path.length();
                    allowed.clear();
                    best = null;
                }
                if (entry.path.length() == bestLength) {
                    allowed.add(entry.method);
                    if (entry.method.equals(method)) {
                        best = entry;
                    }
                }
            }
        }
        return new Match(best, allowed);
    }
}
