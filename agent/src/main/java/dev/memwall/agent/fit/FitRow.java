package dev.memwall.agent.fit;

import dev.memwall.estimator.fit.FitResult;
import dev.memwall.estimator.precision.Precision;

/**
 * One row of a fit table: a device (or a tensor-parallel group) and the verdict at the precision used.
 *
 * @param label     {@code cuda:0} or {@code sim:0+sim:1}
 * @param result    the verdict
 * @param precision the precision evaluated, or null for the weights as stored in the file
 */
public record FitRow(String label, FitResult result, Precision precision) {
}
