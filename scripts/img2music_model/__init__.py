"""img2music image -> (valence, arousal) model pipeline (training, conversion, export).

One concept per module:
  preprocess   Python mirror of the C++ preprocessing (docs/model-contract.md); also a CLI
  mobilenet_v1 Keras-compatible MobileNet v1 in PyTorch
  tfjs         TF.js layers-format reader / MobileNet weight converter
  vgg          torchvision vgg19_bn with a regression head
  backbones    common "frozen stem / trainable top / taps" view of both architectures
  data         OASIS and Emotion6 loading, theme groups, stratified folds, checksums, shared dir
  corpus       both rated sets side by side (per-dataset scales, heads, folds)
  augment      deterministic augmented views
  metrics      Pearson r, CCC, RMSE; emotion KL divergence and top-1 agreement
  metadata     img2music.json construction and validation
  export       TorchScript wrapper + save/load with metadata
"""
SCRIPT_VERSION = "1"
