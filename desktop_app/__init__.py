"""Desktop semantic search: find documents on your own machine by meaning."""

import os as _os

__version__ = "0.1.0"
APP_NAME = "Desktop Semantic Search"

# Nothing leaves the machine. onnxruntime (1.32 on Linux and macOS as well as Windows) starts
# Microsoft's telemetry with its first inference session: it writes a device id and an event
# database under ~/.cache/Microsoft/DeveloperTools/.onnxruntime/ at once, and about nine
# seconds later looks up and contacts mobile.events.data.microsoft.com. The environment
# variable, read when that first session starts, turns all of it off (its Python call
# ``disable_telemetry_events`` alone does not stop the upload). Set here, on import of the
# package, so every process gets it before any session exists: the window, the command
# line, the frozen app and the extraction process (which inherits the environment).
_os.environ["ORT_DISABLE_TELEMETRY"] = "1"
