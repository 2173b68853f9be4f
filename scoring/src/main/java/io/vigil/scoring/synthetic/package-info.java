/**
 * A deterministic, labelled synthetic card-transaction stream with injected fraud patterns, for demos, tests and model fitting.
 */
package io.vigil.scoring.synthetic;
