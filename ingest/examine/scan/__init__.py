"""Reading page images: layout of the header, stamps, garbled text layers (generated scans for
tests and benchmarks are ``ingest.demo.scans``).

OpenCV is imported by the modules that use it (``page`` sets it single-threaded: ingest
already reads several documents at once on the machine's few cores, and OpenCV's own thread
pool would only fight those threads), not here: reading a text layer's geometry, and every
`kho` command that never sees a page image, load no OpenCV.
"""
