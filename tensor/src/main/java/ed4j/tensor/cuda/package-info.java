/**
 * The CUDA backend: {@link ed4j.tensor.cuda.CudaBackend} implements {@link ed4j.tensor.Backend}
 * on one GPU through JCuda's driver API, with the project's own kernels.
 *
 * <p>Pieces: {@link ed4j.tensor.cuda.CudaBackendProvider} (found by {@link
 * ed4j.tensor.Backends}; the only entry that loads native code), {@code CudaContext} (primary
 * context, one stream, PTX modules), {@code CachingAllocator} (size-class free lists of device
 * blocks), {@code PinnedStaging} (host-device copies), {@link ed4j.tensor.cuda.CudaStorage}
 * (closeable device memory), {@link ed4j.tensor.cuda.CudaException} (driver and launch errors).
 *
 * <p>Kernels: each family is a {@code .cu} file in the resources next to this package
 * ({@code ed4j/tensor/cuda/<Family>.cu}), launched by the class of the same name and compiled to
 * the committed {@code <Family>.ptx} by {@code tensor/src/main/cuda/compile_ptx.sh}. Kernels are
 * named {@code <op>_<forward|backward>_v<N>_<dtype>}; every launch reports the kernel, its grid,
 * block and argument types when it fails.
 */
package ed4j.tensor.cuda;
