"""The edgedigits runtime: read handwritten digits with onnxruntime, OpenCV and NumPy. Never TensorFlow."""
