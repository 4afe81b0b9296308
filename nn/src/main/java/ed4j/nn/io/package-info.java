/**
 * Weight files: {@link ed4j.nn.io.SafeTensors} (read and write), PyTorch checkpoints written by
 * {@code torch.save} ({@link ed4j.nn.io.PthReader}, read only) and the subset of Python's pickle
 * protocol they use ({@link ed4j.nn.io.TorchPickle}). NumPy files are in {@link
 * ed4j.tensor.io.Npy}.
 *
 * <p>All readers treat files as untrusted; the limits they apply are listed in the module's
 * README under "Weight files".
 */
package ed4j.nn.io;
