package io.vigil.gateway;

import io.vigil.engine.ConfigKeys;
import io.vigil.engine.VigilConfig;
import io.vigil.engine.VigilConfig.Key;

import java.util.List;
import java.util.function.Consumer;

/**
 * The part every gateway key set's {@link ConfigKeys} service has in common: its module ({@link GatewayConfiguration#MODULE}),
 * its keys in documentation order, and the check that concludes its context. A subclass declares its keys as
 * constants and passes them with its context's conclusion to this constructor from its public no-argument one.
 */
public abstract class GatewayKeys implements ConfigKeys {
    private final List<Key> keys;
    private final Consumer<VigilConfig> conclude;

    /**
     * @param keys     the keys, in documentation order.
     * @param conclude builds the set's context on a configuration and concludes it.
     */
    protected GatewayKeys(final List<Key> keys, final Consumer<VigilConfig> conclude) {
        this.keys = keys;
        this.conclude = conclude;
    }

    @Override
    public final String module() {
        return GatewayConfiguration.MODULE;
    }

    @Override
    public final List<Key> keys() {
        return keys;
    }

    @Override
    public final void conclude(final VigilConfig config) {
        conclude.accept(config);
    }
}
