"""faceplate: a compositor-style node suite for face replacement on scene-linear EXR plates."""
