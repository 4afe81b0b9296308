/**
 * The GPU checks: a runnable jar that a GPU machine without Maven runs with a bare Java runtime.
 * {@link ed4j.gpuchecks.GpuChecks} is its entry point ({@code info}, {@code test}, {@code bench},
 * {@code all}); {@link ed4j.gpuchecks.SuiteRunner} runs the CUDA parity suite through the JUnit
 * Platform, {@link ed4j.gpuchecks.GpuBench} times GEMM, convolution and the ED model.
 */
package ed4j.gpuchecks;
