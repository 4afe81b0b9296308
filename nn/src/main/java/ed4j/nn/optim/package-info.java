/** Optimizers with PyTorch's update rules, whose state saves and loads with a checkpoint. */
package ed4j.nn.optim;
