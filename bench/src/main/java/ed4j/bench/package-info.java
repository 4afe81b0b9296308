/**
 * JMH benchmarks of the CPU kernels, one class per kernel family. Run them from the uber-jar
 * {@code bench/target/benchmarks.jar}; see {@code bench/README.md}. Rates (GFLOP/s, GB/s) are
 * reported by JMH itself as the secondary metrics of {@link ed4j.bench.Flops} and {@link
 * ed4j.bench.Bytes}.
 */
package ed4j.bench;
