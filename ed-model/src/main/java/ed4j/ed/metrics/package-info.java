/**
 * Evaluation metrics of the ED anomaly detector over a class's test set (ED-SPEC section 5):
 * exact tie-aware ROC AUC ({@link ed4j.ed.metrics.Auroc}, as scikit-learn), the Gaussian
 * smoothing of anomaly maps ({@link ed4j.ed.metrics.GaussianBlur}, as SciPy), the per-region
 * overlap area up to a false-positive rate ({@link ed4j.ed.metrics.Aupro}, as the MVTec AD
 * evaluation) and the F1-maximising threshold ({@link ed4j.ed.metrics.F1Threshold}).
 *
 * <p>They work on plain Java arrays (row-major {@code float[]} maps, {@code byte[]} or {@code
 * boolean[]} masks) rather than tensors, keep only primitive arrays (no object per pixel) and
 * give the same result whatever the thread count.
 */
package ed4j.ed.metrics;
