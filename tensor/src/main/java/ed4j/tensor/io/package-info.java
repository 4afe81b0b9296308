/**
 * Reading and writing tensors in file formats: NumPy {@code .npy} and {@code .npz} ({@link
 * ed4j.tensor.io.Npy}), plus the pieces other formats share: the element types found on disk
 * ({@link ed4j.tensor.io.ElementType}), their decoding into engine arrays ({@link
 * ed4j.tensor.io.TensorBytes}), half-precision conversions ({@link ed4j.tensor.io.HalfFloats})
 * and atomic file replacement ({@link ed4j.tensor.io.AtomicFiles}).
 *
 * <p>Every reader treats its input as untrusted: sizes in headers are checked against the bytes
 * that are really there before anything is allocated, and malformed input ends in an {@link
 * java.io.IOException} that names the file and the problem.
 */
package ed4j.tensor.io;
