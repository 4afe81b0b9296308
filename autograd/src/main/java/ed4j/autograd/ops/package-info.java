/**
 * The differentiable operations: one class per operation (or per small family sharing one
 * derivative rule), each with its forward in a static {@code apply} and its backward beside it.
 * Users reach them through {@link ed4j.autograd.Variable}'s methods.
 */
package ed4j.autograd.ops;
