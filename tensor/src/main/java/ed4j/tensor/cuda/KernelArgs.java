package ed4j.tensor.cuda;

import java.util.ArrayList;
import java.util.List;
import jcuda.Pointer;
import jcuda.driver.CUdeviceptr;

/**
 * The argument list of one kernel launch, in the kernel's parameter order.
 *
 * <p>Each argument is a host pointer to its value, as {@code cuLaunchKernel} expects: a device
 * pointer, a 32-bit int, a double, or a struct of ints given as its {@code int[]} (the CUDA
 * structs {@code Strided}, {@code Nchw}, {@code ConvGeom} and {@code PoolGeom} hold only ints, so
 * their layout is the array's). The signature, for example {@code (i32, ptr, Strided, ptr)},
 * appears in launch errors so a mismatch with the kernel is easy to spot.
 */
final class KernelArgs {

    private final List<Pointer> values = new ArrayList<>();
    private final List<String> ptxTypes = new ArrayList<>();
    private final StringBuilder signature = new StringBuilder();

    /** A device pointer: the base of {@code s}'s storage (element offsets travel separately). */
    KernelArgs ptr(CudaStorage s) {
        return ptr(s.pointer());
    }

    /** A device pointer. */
    KernelArgs ptr(CUdeviceptr p) {
        return add(Pointer.to(p), "ptr", "u64");
    }

    /** A 32-bit int (also used for flags and enum ordinals). */
    KernelArgs i32(int v) {
        return add(Pointer.to(new int[] {v}), "i32", "u32");
    }

    /** A double. */
    KernelArgs f64(double v) {
        return add(Pointer.to(new double[] {v}), "f64", "f64");
    }

    /** A struct of ints, passed by value. */
    KernelArgs struct(String name, int[] fields) {
        return add(Pointer.to(fields.clone()), name, "b8[" + 4 * fields.length + "]");
    }

    /** A {@code Strided} descriptor. */
    KernelArgs strided(StridedDesc d) {
        return struct("Strided", d.encode());
    }

    private KernelArgs add(Pointer p, String type, String ptxType) {
        values.add(p);
        ptxTypes.add(ptxType);
        signature.append(signature.length() == 0 ? "(" : ", ").append(type);
        return this;
    }

    /** Number of arguments. */
    int size() {
        return values.size();
    }

    /** The pointer-to-pointers that {@code cuLaunchKernel} takes as kernelParams. */
    Pointer kernelParams() {
        return Pointer.to(values.toArray(new Pointer[0]));
    }

    /** The PTX parameter types in order (see {@link PtxSignatures}). */
    List<String> ptxTypes() {
        return List.copyOf(ptxTypes);
    }

    /** The argument types in order, e.g. {@code (i32, ptr, Strided)}. */
    String signature() {
        return signature.length() == 0 ? "()" : signature + ")";
    }
}
