"""Host adapters: faceplate nodes inside other applications.

Each adapter is a subpackage (``faceplate.hosts.nuke``) that builds the host's UI from node metadata
(:meth:`faceplate.nodes.core.node.Node.describe`) and translates the host's graph into a faceplate
script. Nothing in ``faceplate`` or ``faceplate.nodes`` imports this package, and an adapter imports
its host SDK only from one module, lazily, so faceplate runs (and is tested) without any host.
"""
