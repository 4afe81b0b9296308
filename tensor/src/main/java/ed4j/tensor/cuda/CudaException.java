package ed4j.tensor.cuda;

import jcuda.driver.CUresult;

/**
 * A failed CUDA driver call or kernel launch. The message names the backend operation, the driver
 * call or kernel, the launch geometry of a kernel, and the CUDA error by name and code, for
 * example {@code cuda:0 matmul: kernel matmul_forward_v1_f32 grid (16, 16, 1) block (256, 1, 1)
 * shared 0 B failed: CUDA_ERROR_LAUNCH_OUT_OF_RESOURCES (701)}.
 */
public final class CudaException extends RuntimeException {

    private final int result;

    CudaException(String message, int result) {
        super(message);
        this.result = result;
    }

    /** A failed driver call {@code call} made for {@code op}. */
    static CudaException call(String device, String op, String call, int result) {
        return new CudaException(
                device + " " + op + ": " + call + " failed: " + errorName(result), result);
    }

    /** A failed launch of {@code kernel} with {@code cfg} made for {@code op}. */
    static CudaException launch(String device, String op, String kernel, LaunchConfig cfg,
            String signature, int result) {
        return new CudaException(device + " " + op + ": kernel " + kernel + " " + cfg
                + " args " + signature + " failed: " + errorName(result), result);
    }

    /**
     * The CUresult code; asynchronous errors of earlier kernels are reported by the next call
     * that synchronises (run with {@code -Ded4j.cuda.sync=true} to pin them to their kernel).
     */
    public int result() {
        return result;
    }

    /** {@code CUDA_ERROR_NAME (code)}; the name comes from JCuda's table, no native call. */
    static String errorName(int result) {
        String name = CUresult.stringFor(result);
        if (name == null || name.startsWith("INVALID CUresult")) {
            name = "unknown CUresult";
        }
        return name + " (" + result + ")";
    }
}
