package ed4j.tensor.cuda;

import ed4j.tensor.DType;
import ed4j.tensor.Shape;
import ed4j.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;

/**
 * Temporaries of one backend operation (contiguous copies of inputs, partial sums), closed
 * together when the operation has queued its kernels. Their blocks may be handed out again at
 * once: later work on the stream runs after the kernels that read them. Tensors the caller
 * passed in are never closed.
 */
final class Scratch implements AutoCloseable {

    private final CudaBackend be;
    private final List<CudaStorage> owned = new ArrayList<>();

    Scratch(CudaBackend be) {
        this.be = be;
    }

    /** {@code x} itself when it is contiguous (any offset), else a contiguous copy. */
    Tensor contiguous(Tensor x) {
        return x.isContiguous() ? x : own(be.contiguous(x));
    }

    /** {@code x} itself when it is contiguous from storage offset 0, else a compact copy. */
    Tensor compact(Tensor x) {
        return x.isContiguous() && x.offset() == 0 ? x : own(be.contiguous(x));
    }

    /** {@code x} in {@code dtype}: itself, or a converted copy. */
    Tensor as(Tensor x, DType dtype) {
        return x.dtype() == dtype ? x : own(be.cast(x, dtype));
    }

    /** An uninitialised buffer of {@code numel} elements. */
    CudaStorage buffer(DType dtype, int numel) {
        return (CudaStorage) own(be.empty(Shape.of(numel), dtype)).storage();
    }

    /** A zero-filled buffer of {@code numel} elements. */
    CudaStorage zeros(DType dtype, int numel) {
        Tensor t = own(Tensor.wrap(be.allocate(dtype, numel), Shape.of(numel)));
        return (CudaStorage) t.storage();
    }

    /** Registers a tensor this operation made, to be closed with it. */
    Tensor own(Tensor t) {
        owned.add((CudaStorage) t.storage());
        return t;
    }

    @Override
    public void close() {
        for (CudaStorage s : owned) {
            s.close();
        }
        owned.clear();
    }
}
