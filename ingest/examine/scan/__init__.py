"""Reading page images: layout of the header, stamps, garbled text layers (generated scans for
tests and benchmarks are ``ingest.demo.scans``).

OpenCV runs single-threaded here: ingest already reads several documents at once on the
machine's few cores, and OpenCV's own thread pool would only fight those threads.
"""

import cv2

cv2.setNumThreads(1)
