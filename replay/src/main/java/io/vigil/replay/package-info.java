/** Offline replay of Vigil journals through the live pipeline code: verify, what-if, diff and feature export. */
package io.vigil.replay;
