"""``faceplate demo``: a synthetic scene-linear shot made from the real photos available offline, run
through the whole workflow (see :mod:`faceplate.cli.demo_workflow`)."""
