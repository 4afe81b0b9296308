package ed4j.tensor.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import jcuda.driver.CUdeviceptr;
import jcuda.driver.CUresult;
import org.junit.jupiter.api.Test;

/** Launch geometry, argument lists and error messages: the pure-Java parts of a launch. */
class LaunchPiecesTest {

    @Test
    void argumentListsRecordTypesInOrder() {
        KernelArgs a = new KernelArgs().i32(3).ptr(new CUdeviceptr()).f64(0.5)
                .struct("Nchw", new int[] {0, 1, 2, 3, 4}).strided(
                        StridedDesc.of(new int[] {2, 3}, new int[][] {{3, 1}}, new int[] {7})[0]);
        assertEquals(5, a.size());
        assertEquals("(i32, ptr, f64, Nchw, Strided)", a.signature());
        assertEquals(List.of("u32", "u64", "f64", "b8[20]", "b8[72]"), a.ptxTypes());
        assertEquals("()", new KernelArgs().signature());
        a.kernelParams();
    }

    @Test
    void signatureMismatchNamesBothLists() {
        var module = PtxSignatures.parse(".visible .entry k_forward_v1_f32(\n"
                + "\t.param .u32 k_param_0,\n\t.param .u64 k_param_1\n)\n{\n}\n");
        PtxSignatures.check(module, "Fam", "k_forward_v1_f32",
                new KernelArgs().i32(1).ptr(new CUdeviceptr()));
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> PtxSignatures.check(module, "Fam", "k_forward_v1_f32",
                        new KernelArgs().ptr(new CUdeviceptr()).i32(1)));
        assertTrue(e.getMessage().contains("takes [u32, u64] but the launcher passes [u64, u32]"),
                e.getMessage());
        e = assertThrows(IllegalStateException.class,
                () -> PtxSignatures.check(module, "Fam", "nope", new KernelArgs()));
        assertTrue(e.getMessage().contains("nope is not in Fam.ptx"), e.getMessage());
    }

    @Test
    void linearLaunchesCapTheirGridAndCoverSmallCounts() {
        LaunchConfig c = LaunchConfig.linear(1000, 256);
        assertEquals(4, c.gridX());
        assertEquals(256, c.blockX());
        assertEquals(LaunchConfig.MAX_LINEAR_BLOCKS, LaunchConfig.linear(1L << 40, 256).gridX());
        assertEquals(1, LaunchConfig.linear(1, 256).gridX());
        LaunchConfig w = LaunchConfig.warpPerRow(17, 8, 1024);
        assertEquals(3, w.gridX());
        assertEquals(256, w.blockX());
        assertEquals(1024, w.sharedBytes());
        LaunchConfig t = LaunchConfig.tiles(5, 7, 100000, 128);
        assertEquals(65535, t.gridZ());
        assertThrows(UnsupportedOperationException.class,
                () -> LaunchConfig.tiles(1, 70000, 1, 256));
        assertThrows(IllegalArgumentException.class, () -> new LaunchConfig(0, 1, 1, 32, 0));
        assertThrows(IllegalArgumentException.class, () -> new LaunchConfig(1, 1, 1, 2048, 0));
    }

    @Test
    void launchErrorsNameOpKernelGeometryAndTheCudaError() {
        CudaException e = CudaException.launch("cuda:0", "matmul", "matmul_forward_v1_f32",
                new LaunchConfig(16, 8, 1, 256, 0), "(i32, ptr)",
                CUresult.CUDA_ERROR_LAUNCH_OUT_OF_RESOURCES);
        assertEquals("cuda:0 matmul: kernel matmul_forward_v1_f32 grid (16, 8, 1) block (256, 1,"
                + " 1) shared 0 B args (i32, ptr) failed: CUDA_ERROR_LAUNCH_OUT_OF_RESOURCES (701)",
                e.getMessage());
        assertEquals(701, e.result());
        CudaException c = CudaException.call("cuda:1", "download", "cuMemcpyDtoHAsync",
                CUresult.CUDA_ERROR_ILLEGAL_ADDRESS);
        assertEquals("cuda:1 download: cuMemcpyDtoHAsync failed: CUDA_ERROR_ILLEGAL_ADDRESS (700)",
                c.getMessage());
        assertTrue(CudaException.errorName(123456).startsWith("unknown CUresult"));
    }

    @Test
    void gemmModesParse() {
        assertEquals(GemmMode.TF32, GemmMode.parse(" tf32 "));
        IllegalArgumentException e =
                assertThrows(IllegalArgumentException.class, () -> GemmMode.parse("fp16"));
        assertTrue(e.getMessage().contains("expected fp32, tf32 or bf16"), e.getMessage());
        assertEquals("matmul_forward_v2_f32",
                GemmKernels.kernel(ed4j.tensor.DType.FLOAT32, GemmMode.TF32));
        assertEquals("matmul_forward_v1_f64",
                GemmKernels.kernel(ed4j.tensor.DType.FLOAT64, GemmMode.BF16));
    }

    @Test
    void cublasLayoutsFollowTheOperandsStrides() {
        // Row-major (M, K) with row stride K: untransposed, leading dim K.
        assertEquals(new CublasGemm.Operand(0, 5), CublasGemm.Operand.of(3, 5, 5, 1));
        // A transposed view: column-major, leading dim = column stride.
        assertEquals(new CublasGemm.Operand(1, 4), CublasGemm.Operand.of(3, 5, 1, 4));
        // Neither dim unit-stride: not for cuBLAS.
        assertEquals(null, CublasGemm.Operand.of(3, 5, 10, 2));
        // A single row: its row stride is irrelevant.
        assertEquals(new CublasGemm.Operand(0, 5), CublasGemm.Operand.of(1, 5, 0, 1));
    }
}
