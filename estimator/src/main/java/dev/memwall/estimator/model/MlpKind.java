package dev.memwall.estimator.model;

/** The feed-forward block's shape. */
public enum MlpKind {
    /** Gate, up and down projections (SwiGLU, GeGLU): 3 matrices. */
    GATED(3),
    /** Up and down projections only (GPT-3, Falcon): 2 matrices. */
    PLAIN(2);

    private final int matrices;

    MlpKind(int matrices) {
        this.matrices = matrices;
    }

    /** Weight matrices per feed-forward block. */
    public int matrices() {
        return matrices;
    }
}
