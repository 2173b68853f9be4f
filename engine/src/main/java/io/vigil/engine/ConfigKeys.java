package io.vigil.engine;

import java.util.List;

/**
 * A module's configuration keys, contributed to {@link VigilConfig} as a {@link java.util.ServiceLoader} service: the
 * module lists its implementing class (public, with a public no-argument constructor) in
 * {@code META-INF/services/io.vigil.engine.ConfigKeys}. {@link VigilConfig#keys()}, the refusal of unknown keys,
 * {@link VigilConfig#unknownLookalikes()}, {@link VigilConfig#validate()}, the run context and the README's table then
 * see the module's keys wherever the module is on the class path. The engine's own keys are {@link VigilConfig}'s.
 */
public interface ConfigKeys {
    /** The module that declares the keys, as the README's table names it ({@code gateway}). */
    String module();

    /** The module's keys, in documentation order (a {@link VigilConfig.KeyList}'s). */
    List<VigilConfig.Key> keys();

    /**
     * Checks the module's values in {@code config} once: builds the module's {@link ConfigContext} on it and
     * concludes it.
     *
     * @throws ConfigurationException naming every bad key.
     */
    void conclude(VigilConfig config);
}
