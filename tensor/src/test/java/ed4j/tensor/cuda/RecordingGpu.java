package ed4j.tensor.cuda;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import jcuda.driver.CUdeviceptr;

/**
 * A stand-in GPU for tests on machines without one: memory handles are empty pointers, copies do
 * nothing (downloads read zeros), and each launch is checked against the parameter list of its
 * kernel in the committed PTX ({@link PtxSignatures}), then recorded. Running the backend's ops
 * on it verifies every launcher's kernel names, argument packing and launch geometry.
 */
final class RecordingGpu implements Gpu {

    /** One recorded launch. */
    record Launch(String op, String family, String kernel, LaunchConfig cfg, String signature) {}

    private final Map<String, Map<String, List<String>>> modules = new HashMap<>();
    final List<Launch> launches = new ArrayList<>();
    int allocations;

    @Override
    public String deviceName() {
        return "cuda:0";
    }

    @Override
    public String describe() {
        return "cuda:0 recording stand-in";
    }

    @Override
    public int multiprocessors() {
        return 132;
    }

    @Override
    public CUdeviceptr allocate(long bytes) {
        allocations++;
        return new CUdeviceptr();
    }

    @Override
    public void free(CUdeviceptr p) {}

    @Override
    public void synchronize(String op) {}

    @Override
    public void zero(String op, CUdeviceptr p, long bytes) {}

    @Override
    public void launch(String op, String family, String kernel, LaunchConfig cfg,
            KernelArgs args) {
        Map<String, List<String>> module = modules.computeIfAbsent(family, f -> {
            byte[] ptx = CudaContext.ptx(f);
            return PtxSignatures.parse(
                    new String(ptx, 0, ptx.length - 1, StandardCharsets.US_ASCII));
        });
        PtxSignatures.check(module, family, kernel, args);
        launches.add(new Launch(op, family, kernel, cfg, args.signature()));
    }

    @Override
    public void upload(String op, CUdeviceptr dst, long dstByte, int n, int elemBytes,
            PinnedStaging.Transfer fill) {
        fill.apply(ByteBuffer.allocate(n * elemBytes).order(ByteOrder.nativeOrder()), 0, n);
    }

    @Override
    public void download(String op, CUdeviceptr src, long srcByte, int n, int elemBytes,
            PinnedStaging.Transfer drain) {
        drain.apply(ByteBuffer.allocate(n * elemBytes).order(ByteOrder.nativeOrder()), 0, n);
    }
}
