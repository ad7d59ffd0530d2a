"""Training on MNIST with Keras (TensorFlow). Imported only by `edgedigits train`, never by the runtime."""
