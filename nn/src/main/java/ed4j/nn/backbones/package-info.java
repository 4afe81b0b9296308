/**
 * ResNet and WideResNet feature extractors with torchvision's structure and state-dict keys, so
 * torchvision {@code .pth} files and timm {@code model.safetensors} checkpoints load as they are.
 */
package ed4j.nn.backbones;
