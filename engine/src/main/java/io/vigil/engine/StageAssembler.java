package io.vigil.engine;

import java.util.List;

/**
 * Adds, removes or reorders stages of a pipeline {@link Engine#newPipeline} built, before the pipeline is made from
 * them: the hook a test uses to inject a failing stage, and later issues' optional stages. The same assembler must be
 * given to the live engine and to a replay that verifies it. Called once, on the building thread.
 */
@FunctionalInterface
public interface StageAssembler {
    /** Keeps the default stages (validate, features, anomaly, model, rules, output). */
    StageAssembler DEFAULT = stages -> {
    };

    /** @param stages the default stages in order, mutable. */
    void assemble(List<Stage> stages);
}
