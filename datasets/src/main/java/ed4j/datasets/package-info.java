/**
 * Anomaly-detection data sets and the reference input pipeline.
 *
 * <ul>
 *   <li>Layouts: {@link ed4j.datasets.DatasetLayout} (MVTec AD, BTAD, MVTec 3D-AD RGB, and any
 *       folder in the MVTec layout), scanned into {@link ed4j.datasets.Sample} records by
 *       {@link ed4j.datasets.AnomalyDataset}.
 *   <li>Decoding and transforms equal to PIL 9.4 and torchvision 0.14: {@link
 *       ed4j.datasets.ImageDecoder}, {@link ed4j.datasets.PilResample} (Lanczos, nearest),
 *       {@link ed4j.datasets.Transforms}, {@link ed4j.datasets.Preprocess}.
 *   <li>Loading: {@link ed4j.datasets.SampleDecoder} and {@link ed4j.datasets.DataLoader}
 *       (batches, seeded shuffling, worker threads, bounded queue).
 *   <li>{@link ed4j.datasets.SyntheticDataset}: a deterministic synthetic data set in the MVTec
 *       layout with exact defect masks.
 * </ul>
 */
package ed4j.datasets;
