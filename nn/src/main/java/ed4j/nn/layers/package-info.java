/** Layers with PyTorch's parameter names, shapes and default initialisation. */
package ed4j.nn.layers;
