package ed4j.tensor.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ed4j.tensor.Backends;
import ed4j.tensor.Device;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * Without a usable GPU (no NVIDIA driver, no device), asking for the CUDA backend ends in one
 * clear {@link IllegalStateException}, every time. Skipped where a GPU works.
 */
class CudaUnavailableTest {

    @Test
    void openingCudaWithoutADriverFailsClearly() {
        Assumptions.assumeTrue(CudaParityTest.unavailableReason() != null,
                "a CUDA device is usable here; this test is for machines without one");
        assertTrue(Backends.hasProvider(Device.Type.CUDA), "the provider is registered");
        IllegalStateException first =
                assertThrows(IllegalStateException.class, () -> Backends.of(Device.cuda(0)));
        String m = first.getMessage();
        assertTrue(m.startsWith("cuda:0: "), m);
        assertTrue(m.contains("libcuda.so.1") || m.contains("no such device")
                || m.contains("did not initialise"), m);
        IllegalStateException again =
                assertThrows(IllegalStateException.class, () -> Backends.of(Device.cuda(0)));
        assertEquals(m, again.getMessage(), "a second attempt gives the same reason");
        IllegalStateException other =
                assertThrows(IllegalStateException.class, () -> Backends.of(Device.cuda(3)));
        assertTrue(other.getMessage().startsWith("cuda:3: "), other.getMessage());
    }
}
